/**
 * `bulletin data <issue-id>`: the data behind a released issue — every printed figure with its
 * zone, indicator, period, value, unit, qualifier, revision, source and where it is printed —
 * as CSV (the file attached inside the PDF) or as an Excel workbook, written to a file.
 * `bulletin data --as-of <date> --zone <zone> --indicator <code>`: one zone's indicator as it
 * stood at a date, every period with the date of its revision and the revisions since (CSV).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { ConfigError, NotFoundError } from '../../errors.ts';
import { dataFileNames } from '../../core/data-file.ts';
import { statusWord } from '../../core/lifecycle.ts';
import { formatSize } from '../../core/display.ts';
import type { Cli } from '../context.ts';
import { checkOutputFile, outputPathIn } from '../output-path.ts';
import { issueDataBytes } from '../../app/data-download.ts';
import { dataAsOf, dataAsOfCsv, parseAsOf } from '../../app/data-as-of.ts';
import { formatInstant } from '../../core/records-as-of.ts';
import type { Services } from '../../wiring/services.ts';

interface DataOptions {
  format: 'csv' | 'xlsx';
  out?: string;
  /** Overwrite an existing `--out` file. */
  force?: boolean;
  asOf?: string;
  zone?: string;
  indicator?: string;
}

/** Data as it stood at a date: one (zone, indicator), every period, as CSV. */
async function writeAsOf(cli: Cli, s: Services, id: string | undefined, opts: DataOptions) {
  if (id || !opts.asOf || !opts.zone || !opts.indicator || opts.format !== 'csv')
    throw new ConfigError(
      '按日期导出须同时给出 --as-of、--zone 与 --indicator（不带期次编号，格式为 csv）',
    );
  const timeZone = s.config.timeZone;
  const data = await dataAsOf(
    { records: s.records, reference: s.reference, timeZone },
    {
      zone: opts.zone,
      indicator: opts.indicator,
      asOf: parseAsOf(opts.asOf, timeZone, '--as-of'),
      label: opts.asOf,
    },
  );
  const bytes = dataAsOfCsv(data);
  const out = resolve(
    opts.out ?? outputPathIn(join(cli.root, '.local', 'out'), data.fileName, 'data-as-of.csv'),
  );
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, bytes);
  const revised = data.periods.filter((p) => p.stood && p.later.length).length;
  const after = data.periods.filter((p) => !p.stood).length;
  cli.info(
    `截至 ${formatInstant(data.asOf, timeZone)}：${data.rows.length}个期别${revised ? `，其中${revised}个此后有修订` : ''}${after ? `；另有${after}个期别此后才首次入库` : ''} · ${formatSize(bytes.byteLength)}`,
  );
  console.log(out);
}

export function register(program: Command, cli: Cli): void {
  program
    .command('data')
    .description('导出某一期的数据：每个刊印数字及其园区、指标、期别、数值、单位、来源和刊印位置')
    .argument('[issue-id]', '期次编号（见 bulletin list）')
    .option(
      '--as-of <日期>',
      '按某日的数据状态导出（2026-12-01，或带时区的时间）：需同时给出 --zone 与 --indicator',
    )
    .option('--zone <园区>', '园区代码，例如 national-htz（与 --as-of 同用）')
    .option('--indicator <指标>', '指标代码，例如 gdp（与 --as-of 同用）')
    .addOption(
      new Option('--format <format>', '文件格式：csv（UTF-8，Excel 可直接打开）或 xlsx')
        .choices(['csv', 'xlsx'])
        .default('csv'),
    )
    .option('--out <file>', '输出文件（默认 .local/out/<刊名-期次>-数据.<格式>）')
    .option('--force', '--out 的文件已存在时覆盖它')
    .action((id: string | undefined, opts: DataOptions) =>
      cli.withServices(async (s) => {
        if (opts.out) checkOutputFile(resolve(opts.out), opts);
        if (opts.asOf || opts.zone || opts.indicator) return writeAsOf(cli, s, id, opts);
        if (!id) throw new ConfigError('给出期次编号，或 --as-of、--zone 与 --indicator');
        const issue = await s.catalog.get(id);
        if (!issue) throw new NotFoundError('data', `没有这一期：${id}（bulletin list 列出全部）`);
        if (issue.status !== 'published' || !issue.dataKeys)
          throw new NotFoundError(
            'data',
            `${id} 这一期没有数据文件（${statusWord(issue.status)}；数据文件出现之前发布的各期没有）`,
          );
        // Checked against the sha256 the catalog recorded (the workbook: made on the first
        // download, then recorded).
        const bytes = await issueDataBytes(s, issue, opts.format);
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
