import type { Command } from 'commander';
import { NATIONAL_HTZ } from '../../core/model.ts';
import type { Cli } from '../context.ts';
import { generateBulletin, printOutcome } from './generate.ts';
import { defaultDataFiles, ingestPaths } from './ingest.ts';

export function register(program: Command, cli: Cli): void {
  program
    .command('start')
    .description('bootstrap, load data/ when the store is empty, and publish the current bulletin')
    .action(() =>
      cli.withServices(async (s) => {
        if (!(await s.records.latestPeriodOf(NATIONAL_HTZ, 'gdp'))) {
          const files = await defaultDataFiles(cli.root);
          cli.info(`loading ${files.length} files from data/ …`);
          const r = await ingestPaths(s, files);
          cli.info(
            `stored ${r.records} records (${r.created} new) and ${r.articles.created} articles`,
          );
        }
        printOutcome(cli, s, await generateBulletin(cli, s, {}));
      }),
    );
}
