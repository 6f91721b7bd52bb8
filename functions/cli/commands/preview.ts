import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { checkArticles, formatArticleProblem } from '../../core/articles.ts';
import { previewReport } from '../../app/render-report.ts';
import type { ReportKind } from '../../contract/kinds.ts';
import type { Cli } from '../context.ts';
import { checkOutputDir } from '../output-path.ts';
import { checkKindOptions, reportOptions } from './generate.ts';

interface PreviewOptions {
  kind: ReportKind;
  period?: string;
  zone?: string;
  region?: string;
  outDir: string;
}

export function register(program: Command, cli: Cli): void {
  reportOptions(
    program
      .command('preview')
      .description('预览：把报告生成为 HTML 与 PDF 放到一个文件夹，不编号、不发布'),
  )
    .option('--out-dir <目录>', '输出文件夹', join(cli.root, '.local', 'preview'))
    .action((opts: PreviewOptions) => {
      const request = checkKindOptions(opts);
      checkOutputDir(resolve(opts.outDir));
      return cli.withServices(async (s) => {
        const deps = cli.publishDeps(s, resolve(opts.outDir));
        const r = await previewReport(deps, request, { date: new Date() });
        const t = r.timings;
        cli.info(
          `${r.view.documentTitle} · data period ${r.view.period} · ${r.pages} pages · ${r.pdf.byteLength} bytes · ` +
            `compose ${t.composeMs.toFixed(0)} ms, html ${t.htmlMs.toFixed(0)} ms, pdf ${t.pdfMs.toFixed(0)} ms (${r.passes} passes)`,
        );
        console.log(`HTML: ${r.htmlPath}`);
        console.log(`PDF:  ${r.pdfPath} (${r.pages} pages, ${r.pdf.byteLength} bytes)`);
        // What the PDF would clip at the margin (wide tables are tightened first).
        for (const w of r.warnings) console.error(`warning: ${w}`);
        // Typed figures are warnings; a contradiction with a record fails the preview.
        const check = checkArticles(r.view);
        for (const w of check.warnings) console.error(formatArticleProblem('warning', w));
        for (const e of check.errors) console.error(formatArticleProblem('error', e));
        if (check.errors.length) {
          console.error(
            `${check.errors.length} article error(s): a figure contradicts its record or cites none that exists; this draft cannot be released`,
          );
          process.exitCode = 1;
        }
      });
    });
}
