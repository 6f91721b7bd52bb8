import { Option, type Command } from 'commander';
import { INPUT_ENCODINGS, type InputEncoding } from '../../core/ingest-parse.ts';
import type { IngestSummary } from '../../app/ingest.ts';
import { ingestPaths } from '../../app/repository-data.ts';
import type { Cli } from '../context.ts';
import { progressReporter } from '../progress.ts';

export function describeIngest(r: IngestSummary): string {
  return (
    `已载入 ${r.files} 个文件中的 ${r.records} 条记录：新增 ${r.created}，修订 ${r.revised}，未变 ${r.unchanged}；` +
    `文章新增 ${r.articles.created}，修订 ${r.articles.revised}，未变 ${r.articles.unchanged}` +
    (r.periods.length ? `；数据期 ${r.periods.join('、')}` : '') +
    r.decodedAs
      .map((d) => `\n${d.file} 按 ${d.encoding.toUpperCase()} (GBK) 读取，不是 UTF-8`)
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
        const progress = progressReporter('载入 (ingest)');
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
