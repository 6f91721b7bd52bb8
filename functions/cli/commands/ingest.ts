import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ingestFiles, type IngestSummary } from '../../app/ingest.ts';
import type { Services } from '../../wiring/services.ts';
import { readInputs, type Cli } from '../context.ts';
import { progressReporter } from '../progress.ts';

/** Validates and stores files, with a progress bar. */
export async function ingestPaths(s: Services, paths: string[]): Promise<IngestSummary> {
  const files = await readInputs(paths);
  const progress = progressReporter('ingest');
  try {
    return await ingestFiles({ records: s.records, reference: s.reference }, files, {
      onProgress: (d, t) => progress.update(d, t),
    });
  } finally {
    progress.stop();
  }
}

/** The repository's own data: every CSV under data/records and the sample articles. */
export async function defaultDataFiles(root: string): Promise<string[]> {
  const dir = join(root, 'data', 'records');
  const csv = (await readdir(dir))
    .filter((f) => f.endsWith('.csv'))
    .sort()
    .map((f) => join(dir, f));
  return [...csv, join(root, 'data', 'articles.json')];
}

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
        console.log(describeIngest(await ingestPaths(s, files)));
      }),
    );
}
