import { Option, type Command } from 'commander';
import { INPUT_ENCODINGS, type InputEncoding } from '../../core/ingest-parse.ts';
import type { IngestSummary } from '../../app/ingest.ts';
import { ingestPaths } from '../../app/repository-data.ts';
import type { Cli } from '../context.ts';
import { progressReporter } from '../progress.ts';

export function describeIngest(r: IngestSummary): string {
  return (
    `ingested ${r.records} records from ${r.files} file(s): ${r.created} new, ${r.revised} revised, ${r.unchanged} unchanged; ` +
    `articles ${r.articles.created} new, ${r.articles.revised} revised, ${r.articles.unchanged} unchanged` +
    (r.periods.length ? `; periods ${r.periods.join(', ')}` : '') +
    r.decodedAs
      .map((d) => `\nread ${d.file} as ${d.encoding.toUpperCase()} (GBK), not UTF-8`)
      .join('')
  );
}

export function register(program: Command, cli: Cli): void {
  program
    .command('ingest')
    .description(
      '校验一批 CSV/JSON 指标记录文件（及编辑稿件 articles JSON）：整批无误才写入，否则一条不写',
    )
    .argument(
      '<files...>',
      'CSV 或 JSON 记录文件（CSV 的列：zone, indicator, period, value, unit, yoy, share, qualifier, source，次序不限）',
    )
    .addOption(
      new Option(
        '--encoding <编码>',
        '文件编码 (encoding)；默认 UTF-8，字节只可能是 GB18030/GBK 时按其读取',
      ).choices([...INPUT_ENCODINGS]),
    )
    .action((files: string[], opts: { encoding?: InputEncoding }) =>
      cli.withServices(async (s) => {
        const progress = progressReporter('ingest');
        try {
          console.log(
            describeIngest(await ingestPaths(s, files, { onProgress: progress.update, ...opts })),
          );
        } finally {
          progress.stop();
        }
      }),
    );
}
