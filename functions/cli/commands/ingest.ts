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
    .description('validate a batch of CSV/JSON record files (and articles JSON), then store it')
    .argument('<files...>', 'CSV (zone,indicator,period,value,unit,yoy,share,source) or JSON files')
    .addOption(
      new Option(
        '--encoding <name>',
        "the files' encoding; default: UTF-8, or GB18030/GBK when the bytes can only be that",
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
