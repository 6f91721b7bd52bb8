/**
 * `bulletin seed-synthetic`: the synthetic scale dataset (178 zones × 37 indicators ×
 * 2010–2024) into its own tables and bucket, through the normal ingest path.
 */
import type { Command } from 'commander';
import {
  ALL_SYNTHETIC_ZONES,
  DEFAULT_SYNTHETIC_SEED,
  SYNTHETIC_STORE_ENV,
  seedSynthetic,
} from '../../app/synthetic.ts';
import { positiveInt, type Cli } from '../context.ts';
import { progressReporter } from '../progress.ts';
import { describeIngest } from './ingest.ts';

/**
 * Points the configuration at the synthetic stores (read by `loadConfig` when the services
 * start), so that no synthetic record ever reaches the real tables.
 */
export function useSyntheticStores(): void {
  Object.assign(process.env, SYNTHETIC_STORE_ENV);
}

export function register(program: Command, cli: Cli): void {
  program
    .command('seed-synthetic')
    .description(
      `生成规模测试用的合成数据集（园区 × 37 项指标 × 2010–2024），写入 ` +
        `${SYNTHETIC_STORE_ENV.BULLETIN_RECORDS_TABLE} 表；不触碰真实数据`,
    )
    .option('--seed <种子>', '随机种子 (seed)：同一种子生成同样的数据', positiveInt)
    .option('--zones <个数>', `取 ${ALL_SYNTHETIC_ZONES} 个园区中的前几个`, positiveInt)
    .action((opts: { seed?: number; zones?: number }) => {
      useSyntheticStores();
      return cli.withServices(async (s) => {
        const seed = opts.seed ?? DEFAULT_SYNTHETIC_SEED;
        const zones = Math.min(opts.zones ?? ALL_SYNTHETIC_ZONES, ALL_SYNTHETIC_ZONES);
        cli.info(
          `合成数据集 (synthetic)：种子 ${seed}，${zones} 个园区 → 表 ${s.config.tables.records}`,
        );
        const progress = progressReporter('载入 (ingest)');
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
        cli.info(
          `用时 ${seconds.toFixed(1)} 秒，每秒 ${(summary.records / seconds).toFixed(0)} 条记录`,
        );
      });
    });
}
