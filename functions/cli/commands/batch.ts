/**
 * `bulletin generate --kind zone-profile --all`: every zone's profile in one run, with one
 * shared browser and a page pool sized to the machine, a progress bar with rate and ETA, a
 * line per failed zone, and unchanged zones skipped (see functions/app/batch.ts).
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { loadPrintConfig } from '../../config.ts';
import { createChromiumRenderer } from '../../adapters/print/renderer.ts';
import { runZoneBatch } from '../../app/batch.ts';
import { syntheticReference } from '../../app/synthetic.ts';
import { positiveInt, type Cli } from '../context.ts';
import { progressReporter } from '../progress.ts';
import { useSyntheticStores } from './seed-synthetic.ts';

export interface AllZonesOptions {
  period?: string;
  /** Pages printing at once (the renderer's pool); default: one per CPU. */
  pages?: number;
  force?: boolean;
  /** The synthetic dataset (`bulletin seed-synthetic`) instead of the real data. */
  synthetic?: boolean;
}

/** Adds the options of the all-zones run to `generate`. */
export function allZonesOptions(command: Command): Command {
  return command
    .option('--all', 'zone-profile：一次生成全部国家高新区的园区画像（未变的跳过）')
    .option('--pages <页数>', '--all：同时打印的页面数（默认每个 CPU 一个）', positiveInt)
    .option('--force', '--all：未变的园区也重新生成')
    .option('--synthetic', '--all：用 `bulletin seed-synthetic` 的合成数据集');
}

/** Runs the all-zones batch and prints one line per failed zone and a summary. */
export async function generateAllZones(cli: Cli, opts: AllZonesOptions): Promise<void> {
  if (opts.synthetic) useSyntheticStores();
  const pages = opts.pages ?? availableParallelism();
  const renderer = createChromiumRenderer({ ...loadPrintConfig(), pagePoolSize: pages });
  try {
    await cli.withServices(async (s) => {
      const deps = {
        ...cli.publishDeps(s),
        renderer,
        reference: opts.synthetic ? syntheticReference() : s.reference,
        log: () => undefined,
      };
      const progress = progressReporter('zone profiles');
      let result;
      try {
        result = await runZoneBatch(deps, {
          // A job or two beyond the pages: composing and storing overlap printing.
          concurrency: pages + 2,
          ...(opts.period ? { period: opts.period } : {}),
          ...(opts.force ? { force: true } : {}),
          onProgress: (p) => progress.update(p.done, p.total, p),
        });
      } finally {
        progress.stop();
      }
      const { summary, timings, outcomes } = result;
      const noData = outcomes.filter((o) => o.note).length;
      for (const f of summary.failures) cli.info(`failed: ${f.zone}: ${f.error}`);
      console.log(
        `zone profiles: ${summary.total} zones, ${summary.rendered} rendered, ` +
          `${summary.skipped - noData} unchanged (skipped), ${noData} without data, ` +
          `${summary.failed} failed in ` +
          `${(summary.elapsedMs / 1000).toFixed(1)} s (plan ${(timings.planMs / 1000).toFixed(1)} s, ` +
          `render ${(timings.renderMs / 1000).toFixed(1)} s, ${summary.ratePerSecond}/s, ${pages} pages)`,
      );
      if (summary.failed > 0) process.exitCode = 1;
    });
  } finally {
    await renderer.close();
  }
}
