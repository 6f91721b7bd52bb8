/**
 * Ctrl-C on a command that triggers a report (`bulletin generate`): it says, in Chinese, what
 * was interrupted and what it leaves — read from the stores, not guessed — and exits with 130.
 * Nothing is half-written: the catalog's writes are single conditional writes, files no entry
 * points at are never served (and are swept), and a run or a release cut off holds its lease
 * until it runs out, then shows as 已中断 / 发布中断 and is retried or resumed without a second
 * number. Chromium is killed as the process exits (puppeteer's exit hook) and the embedded
 * stores stop when their owner is gone (local/stack-host.ts).
 */
import { STATUS_WORDS, type Draft } from '../core/lifecycle.ts';
import { formatBeijing } from '../core/time.ts';
import type { Run } from '../app/ports.ts';
import type { Services } from '../wiring/services.ts';
import { EXIT } from './errors.ts';

/** At most this long to read what the run left before exiting anyway. */
const DESCRIBE_MS = 3000;

/** What a run of `slotKey` left, in lines for people. */
export function interruptedLines(
  title: string,
  run: Run | undefined,
  draft: Draft | undefined,
): string[] {
  if (!run) return [`已中断（Ctrl-C）：${title} 尚未开始运行，没有写入任何内容。`];
  const lease = run.leaseUntil ? formatBeijing(run.leaseUntil) : '租约到期';
  const lines = [`已中断（Ctrl-C）：${title}，运行 ${run.runId} 未完成。`];
  if (!draft)
    lines.push('尚未存下稿件：没有写入一半的内容（已上传而未登记的文件不会被任何页面引用）。');
  else if (draft.status === 'releasing')
    lines.push(
      `稿件 ${draft.id} 的发布被打断：${draft.attemptTotal !== undefined ? `已为它预留总第 ${draft.attemptTotal} 期` : '尚未取得期号'}，读者看不到半成品；` +
        `${lease}之后可在编辑部“待审稿件”中继续发布，不会重复编号。`,
    );
  else if (draft.status === 'published' && draft.issueId)
    lines.push(`稿件 ${draft.id} 已发布为 ${draft.issueId}（发布已完成）。`);
  else lines.push(`稿件 ${draft.id} 已完整存好（${STATUS_WORDS[draft.status] ?? draft.status}）。`);
  lines.push(
    `运行 ${run.runId} 在 ${lease}后显示为“已中断”：可用 bulletin retry ${run.runId} 或在编辑部“运行记录”中重试，也可再次运行同一命令。`,
  );
  return lines;
}

/**
 * Handles Ctrl-C for a report command while it runs: `attach` gives it the services once they
 * are up (before that nothing has been written). Call `dispose` when the command ends.
 * The renderer must not handle SIGINT itself (puppeteer would exit at once, silently).
 */
export function interruptOnCtrlC(opts: {
  /** The work in words, with the services once attached (a series' title is in the stores). */
  title: (s?: Services) => string;
  slotKey: string;
}): {
  attach(s: Services): void;
  dispose(): void;
} {
  let services: Services | undefined;
  let handling = false;
  const describe = async (): Promise<string[]> => {
    if (!services) return interruptedLines(opts.title(), undefined, undefined);
    const s = services;
    const run = (await s.cycle.listRuns({ limit: 50 })).find((r) => r.slotKey === opts.slotKey);
    const draft =
      run?.draftId !== undefined
        ? await s.cycle.getDraft(run.draftId)
        : run
          ? (await s.cycle.openDrafts()).find((d) => d.slotKey === opts.slotKey)
          : undefined;
    return interruptedLines(opts.title(s), run, draft);
  };
  const onSignal = () => {
    // A second Ctrl-C while the state is read: leave at once.
    if (handling) process.exit(EXIT.interrupted);
    handling = true;
    const fallback = [
      `已中断（Ctrl-C）：${opts.title(services)} 未完成；读取运行状态超时。bulletin runs 列出运行，失败或中断的可用 bulletin retry 重试。`,
    ];
    void Promise.race([
      describe().catch(() => fallback),
      new Promise<string[]>((r) => setTimeout(() => r(fallback), DESCRIBE_MS).unref()),
    ]).then((lines) => {
      process.stderr.write(`\n${lines.join('\n')}\n`);
      process.exit(EXIT.interrupted);
    });
  };
  process.on('SIGINT', onSignal);
  return {
    attach(s) {
      services = s;
    },
    dispose() {
      process.off('SIGINT', onSignal);
    },
  };
}
