import { formatSize } from '../../core/display.ts';
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
          `${r.view.documentTitle} · 数据期 ${r.view.period} · ${r.pages} 页 · ${formatSize(r.pdf.byteLength)} · ` +
            `用时：组稿 ${t.composeMs.toFixed(0)} ms、HTML ${t.htmlMs.toFixed(0)} ms、PDF ${t.pdfMs.toFixed(0)} ms（排版 ${r.passes} 遍）`,
        );
        console.log(`HTML：${r.htmlPath}`);
        console.log(`PDF：${r.pdfPath}（${r.pages} 页，${r.pdf.byteLength} 字节）`);
        // What the PDF would clip at the margin (wide tables are tightened first).
        for (const w of r.warnings) console.error(`注意：${w}`);
        // Typed figures are warnings; a contradiction with a record fails the preview.
        const check = checkArticles(r.view);
        for (const w of check.warnings) console.error(formatArticleProblem('warning', w));
        for (const e of check.errors) console.error(formatArticleProblem('error', e));
        if (check.errors.length) {
          console.error(
            `文章有 ${check.errors.length} 处错误：数字与其记录不符，或引用的记录不存在；这样的稿件不能发布`,
          );
          process.exitCode = 1;
        }
      });
    });
}
