/**
 * `bulletin data <issue-id>`: the data behind a released issue — every printed figure with its
 * zone, indicator, period, value, unit, qualifier, revision, source and where it is printed —
 * as CSV (the file attached inside the PDF) or as an Excel workbook, written to a file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { NotFoundError } from '../../errors.ts';
import { dataFileNames } from '../../core/data-file.ts';
import { formatSize } from '../../core/display.ts';
import type { Cli } from '../context.ts';
import { outputPathIn } from '../output-path.ts';
import { verifiedBytes } from '../../app/verified-download.ts';

export function register(program: Command, cli: Cli): void {
  program
    .command('data')
    .description('导出某一期的数据：每个刊印数字及其园区、指标、期别、数值、单位、来源和刊印位置')
    .argument('<issue-id>', '期次编号（见 bulletin list）')
    .addOption(
      new Option('--format <format>', '文件格式：csv（UTF-8，Excel 可直接打开）或 xlsx')
        .choices(['csv', 'xlsx'])
        .default('csv'),
    )
    .option('--out <file>', '输出文件（默认 .local/out/<刊名-期次>-数据.<格式>）')
    .action((id: string, opts: { format: 'csv' | 'xlsx'; out?: string }) =>
      cli.withServices(async (s) => {
        const issue = await s.catalog.get(id);
        if (!issue) throw new NotFoundError('data', `no issue "${id}" (see bulletin list)`);
        const key = issue.dataKeys?.[opts.format];
        if (issue.status !== 'published' || !key)
          throw new NotFoundError(
            'data',
            `issue "${id}" has no data file (status ${issue.status}; issues published before data files existed have none)`,
          );
        // Checked against the sha256 the catalog recorded at publish time.
        const bytes = await verifiedBytes(s.archive, key, {
          sha256: issue.dataKeys?.sha256?.[opts.format],
        });
        const name = dataFileNames(issue.fileName ?? `${issue.id}.pdf`)[opts.format];
        const out = resolve(
          opts.out ??
            outputPathIn(join(cli.root, '.local', 'out'), name, `${issue.id}-data.${opts.format}`),
        );
        await mkdir(dirname(out), { recursive: true });
        await writeFile(out, bytes);
        cli.info(`${issue.title ?? issue.series} ${issue.id} · ${formatSize(bytes.byteLength)}`);
        console.log(out);
      }),
    );
}
