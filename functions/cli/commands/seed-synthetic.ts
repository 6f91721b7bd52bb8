/**
 * `bulletin seed-synthetic`: the synthetic scale dataset (178 zones × 37 indicators ×
 * 2010–2024) into its own tables and bucket, through the normal ingest path.
 */
import { InvalidArgumentError, type Command } from 'commander';
import {
  ALL_SYNTHETIC_ZONES,
  DEFAULT_SYNTHETIC_SEED,
  SYNTHETIC_STORE_ENV,
  seedSynthetic,
} from '../../app/synthetic.ts';
import type { Cli } from '../context.ts';
import { progressReporter } from '../progress.ts';
import { describeIngest } from './ingest.ts';

/**
 * Points the configuration at the synthetic stores (read by `loadConfig` when the services
 * start), so that no synthetic record ever reaches the real tables.
 */
export function useSyntheticStores(): void {
  Object.assign(process.env, SYNTHETIC_STORE_ENV);
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function register(program: Command, cli: Cli): void {
  program
    .command('seed-synthetic')
    .description(
      `store the synthetic scale dataset (zones × 37 indicators × 2010–2024) in the ` +
        `${SYNTHETIC_STORE_ENV.BULLETIN_RECORDS_TABLE} table; never touches the real data`,
    )
    .option('--seed <n>', 'random seed: the same seed gives the same data', positiveInt)
    .option('--zones <n>', `how many of the ${ALL_SYNTHETIC_ZONES} zones`, positiveInt)
    .action((opts: { seed?: number; zones?: number }) => {
      useSyntheticStores();
      return cli.withServices(async (s) => {
        const seed = opts.seed ?? DEFAULT_SYNTHETIC_SEED;
        const zones = Math.min(opts.zones ?? ALL_SYNTHETIC_ZONES, ALL_SYNTHETIC_ZONES);
        cli.info(`synthetic dataset: seed ${seed}, ${zones} zones → ${s.config.tables.records}`);
        const progress = progressReporter('ingest');
        const t0 = performance.now();
        let summary;
        try {
          summary = await seedSynthetic(
            { records: s.records },
            { seed, zones, onProgress: (d, t) => progress.update(d, t) },
          );
        } finally {
          progress.stop();
        }
        const seconds = (performance.now() - t0) / 1000;
        console.log(describeIngest(summary));
        cli.info(`${seconds.toFixed(1)} s, ${(summary.records / seconds).toFixed(0)} records/s`);
      });
    });
}
