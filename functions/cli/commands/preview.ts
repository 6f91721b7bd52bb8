import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { currentPeriod, renderBulletin } from '../../app/publish.ts';
import { periodArg, type Cli } from '../context.ts';

export function register(program: Command, cli: Cli): void {
  program
    .command('preview')
    .description('render a report to HTML and PDF without numbering or publishing it')
    .addOption(
      new Option('--kind <kind>', 'report kind')
        .choices(['torch-bulletin'])
        .default('torch-bulletin'),
    )
    .option('--period <period>', 'data period', periodArg)
    .option('--out-dir <dir>', 'output folder', join(cli.root, '.local', 'preview'))
    .action((opts: { period?: string; outDir: string }) =>
      cli.withServices(async (s) => {
        const period = opts.period ?? (await currentPeriod(s.records));
        const r = await renderBulletin(cli.publishDeps(s, resolve(opts.outDir)), {
          series: 'torch-bulletin',
          period,
          date: new Date(),
          fileStem: `preview-torch-bulletin-${period}`,
        });
        console.log(`HTML: ${r.htmlPath}`);
        console.log(`PDF:  ${r.pdfPath} (${r.pages} pages, ${r.pdf.byteLength} bytes)`);
      }),
    );
}
