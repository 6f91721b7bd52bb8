import type { Command } from 'commander';
import type { IngestSummary } from '../../app/ingest.ts';
import { ingestPaths } from '../../app/repository-data.ts';
import type { Cli } from '../context.ts';
import { progressReporter } from '../progress.ts';

export function describeIngest(r: IngestSummary): string {
  return (
    `ingested ${r.records} records from ${r.files} file(s): ${r.created} new, ${r.revised} revised, ${r.unchanged} unchanged; ` +
    `articles ${r.articles.created} new, ${r.articles.revised} revised, ${r.articles.unchanged} unchanged` +
    (r.periods.length ? `; periods ${r.periods.join(', ')}` : '')
  );
}

export function register(program: Command, cli: Cli): void {
  program
    .command('ingest')
    .description('validate a batch of CSV/JSON record files (and articles JSON), then store it')
    .argument('<files...>', 'CSV (zone,indicator,period,value,unit,yoy,share,source) or JSON files')
    .action((files: string[]) =>
      cli.withServices(async (s) => {
        const progress = progressReporter('ingest');
        try {
          console.log(describeIngest(await ingestPaths(s, files, { onProgress: progress.update })));
        } finally {
          progress.stop();
        }
      }),
    );
}
