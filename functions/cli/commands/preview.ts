import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { checkArticles, formatArticleProblem } from '../../core/articles.ts';
import {
  currentPeriod,
  renderBulletin,
  renderRegionalReport,
  renderZoneProfile,
  type RenderedReport,
  type ReportKind,
} from '../../app/publish.ts';
import type { Cli } from '../context.ts';
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
      .description(
        'render a report to HTML and PDF in a folder, without numbering or publishing it',
      ),
  )
    .option('--out-dir <dir>', 'output folder', join(cli.root, '.local', 'preview'))
    .action((opts: PreviewOptions) => {
      checkKindOptions(opts);
      return cli.withServices(async (s) => {
        const deps = cli.publishDeps(s, resolve(opts.outDir));
        const date = new Date();
        let r: RenderedReport;
        if (opts.kind === 'zone-profile') {
          r = await renderZoneProfile(deps, {
            date,
            zone: opts.zone!,
            fileStem: `preview-zone-profile-${slug(opts.zone!)}`,
            ...(opts.period ? { period: opts.period } : {}),
          });
        } else if (opts.kind === 'regional-report') {
          r = await renderRegionalReport(deps, {
            date,
            region: opts.region!,
            fileStem: `preview-regional-report-${slug(opts.region!)}`,
            ...(opts.period ? { period: opts.period } : {}),
          });
        } else {
          const period = opts.period ?? (await currentPeriod(s.records));
          r = await renderBulletin(deps, {
            series: 'torch-bulletin',
            period,
            date,
            fileStem: `preview-torch-bulletin-${period}`,
          });
        }
        const t = r.timings;
        cli.info(
          `${r.view.documentTitle} · data period ${r.view.period} · ${r.pages} pages · ${r.pdf.byteLength} bytes · ` +
            `compose ${t.composeMs.toFixed(0)} ms, html ${t.htmlMs.toFixed(0)} ms, pdf ${t.pdfMs.toFixed(0)} ms (${r.passes} passes)`,
        );
        console.log(`HTML: ${r.htmlPath}`);
        console.log(`PDF:  ${r.pdfPath} (${r.pages} pages, ${r.pdf.byteLength} bytes)`);
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

/** A file-name-safe form of a zone or region name (Chinese is kept). */
function slug(text: string): string {
  return text.replace(/[^\p{L}\p{N}-]+/gu, '-').slice(0, 40);
}
