/**
 * `bulletin generate --kind zone-profile --all`: every zone's profile in one run, with one
 * shared browser and a page pool sized to the machine, a progress bar with rate and ETA, a
 * line per failed zone, and unchanged zones skipped (see functions/app/batch.ts).
 *
 * Ctrl-C: the first stops the run cleanly — no new zone is planned or rendered, the renders
 * already running finish and are published — then the terminal is given back, a partial
 * summary printed and the exit code is 130. A second Ctrl-C abandons the running renders at
 * once (same summary, from the counts so far). A re-run resumes: zones already published with
 * the same content are skipped as unchanged.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { loadPrintConfig } from '../../config.ts';
import { createChromiumRenderer } from '../../adapters/print/renderer.ts';
import { batchDetail, runZoneBatch, zoneJobsFor, type BatchProgress } from '../../app/batch.ts';
import { syntheticReference } from '../../app/synthetic.ts';
import { positiveInt, type Cli } from '../context.ts';
import { EXIT } from '../errors.ts';
import { progressReporter, type ProgressReporter } from '../progress.ts';
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
    .option(
      '--all',
      'zone-profile：一次生成全部国家高新区的园区画像（未变的跳过；Ctrl-C 可中断，重跑续做）',
    )
    .option('--pages <页数>', '--all：同时打印的页面数（默认每个 CPU 一个）', positiveInt)
    .option('--force', '数据未变也生成新稿件（--all：每个园区都重新生成）')
    .option('--synthetic', '--all：用 `bulletin seed-synthetic` 的合成数据集');
}

const LABEL = '园区画像 (zone profiles)';

/**
 * The counts of a run in one line; `notStarted` when it was interrupted; `unchangedBy`: how the
 * unchanged zones were found so (nothing written since, same inputs, same print).
 */
export function batchSummaryLine(counts: {
  rendered: number;
  unchanged: number;
  noData: number;
  failed: number;
  notStarted?: number;
  unchangedBy?: { data: number; inputs: number; printed: number };
}): string {
  const total =
    counts.rendered + counts.unchanged + counts.noData + counts.failed + (counts.notStarted ?? 0);
  const by = counts.unchangedBy;
  const how =
    by && counts.unchanged > 0
      ? `（数据未写入 ${by.data} · 输入相同 ${by.inputs} · 排版后相同 ${by.printed}）`
      : '';
  return (
    `${LABEL}：共 ${total} 个园区，生成 ${counts.rendered}，未变（跳过）${counts.unchanged}${how}，` +
    `无数据 ${counts.noData}，失败 ${counts.failed}` +
    (counts.notStarted !== undefined ? `，未开始 ${counts.notStarted}` : '')
  );
}

const RESUME = '再次运行同一命令即可续做：已发布的园区内容未变，会作为“未变”跳过。';

/** Runs the all-zones batch and prints one line per failed zone and a summary. */
export async function generateAllZones(cli: Cli, opts: AllZonesOptions): Promise<void> {
  if (opts.synthetic) useSyntheticStores();
  const pages = opts.pages ?? availableParallelism();
  // Ctrl-C is handled here: puppeteer's own handler would kill Chromium and exit at once.
  const renderer = createChromiumRenderer({
    ...loadPrintConfig(),
    pagePoolSize: pages,
    handleSIGINT: false,
  });
  const stop = new AbortController();
  let progress: ProgressReporter | undefined;
  let last: BatchProgress | undefined;
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts += 1;
    if (interrupts === 1) {
      stop.abort();
      const text = 'Ctrl-C：不再开始新的园区，等进行中的完成（再按 Ctrl-C 放弃）';
      if (progress) progress.note(text);
      else cli.info(text);
      return;
    }
    // Second Ctrl-C: abandon the running renders (their zones are done again by a re-run).
    progress?.stop();
    console.log(
      last
        ? `${LABEL}：共 ${last.total} 个园区，生成 ${last.rendered}，未变（跳过）${last.skipped - last.noData}，无数据 ${last.noData}，` +
            `失败 ${last.failed}，放弃（进行中或未开始）${last.total - last.done}（第二次 Ctrl-C：已放弃进行中的生成）`
        : `${LABEL}：已中断，尚未开始生成。`,
    );
    console.log(RESUME);
    process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onInterrupt);
  try {
    await cli.withServices(async (s) => {
      const deps = {
        ...cli.publishDeps(s),
        renderer,
        reference: opts.synthetic ? syntheticReference() : s.reference,
        log: () => undefined,
      };
      progress = progressReporter(LABEL, process.stderr, {
        handlesInterrupt: true,
      });
      let result;
      try {
        result = await runZoneBatch(deps, {
          // Composing and storing overlap printing.
          concurrency: zoneJobsFor(pages),
          ...(opts.period ? { period: opts.period } : {}),
          ...(opts.force ? { force: true } : {}),
          signal: stop.signal,
          onProgress: (p) => {
            last = p;
            const detail = batchDetail(p);
            progress!.update(p.done, p.total, { ...p, ...(detail ? { detail } : {}) });
          },
        });
      } finally {
        progress.stop();
      }
      const { summary, timings, outcomes, notStarted } = result;
      const noData = outcomes.filter((o) => o.note).length;
      for (const f of summary.failures) cli.info(`失败：${f.zone}：${f.error}`);
      const interrupted = stop.signal.aborted;
      console.log(
        batchSummaryLine({
          rendered: summary.rendered,
          unchanged: summary.skipped - noData,
          noData,
          failed: summary.failed,
          ...(interrupted ? { notStarted: notStarted.length } : {}),
          unchangedBy: {
            data: outcomes.filter((o) => o.skippedBy === 'data').length,
            inputs: outcomes.filter((o) => o.skippedBy === 'inputs').length,
            printed: outcomes.filter((o) => o.skippedBy === 'printed').length,
          },
        }) +
          `；用时 ${(summary.elapsedMs / 1000).toFixed(1)} s（计划 ${(timings.planMs / 1000).toFixed(1)} s，` +
          `生成 ${(timings.renderMs / 1000).toFixed(1)} s，${summary.ratePerSecond}/s，${pages} 个页面）` +
          (interrupted ? '（已中断 Ctrl-C）' : ''),
      );
      if (interrupted) {
        console.log(RESUME);
        process.exitCode = EXIT.interrupted;
      } else if (summary.failed > 0) process.exitCode = EXIT.failed;
    });
  } finally {
    process.off('SIGINT', onInterrupt);
    await renderer.close();
  }
}
