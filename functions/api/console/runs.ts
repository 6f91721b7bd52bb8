/**
 * 运行记录: every trigger (schedule, API, CLI, console, retry) with its outcome and error, newest
 * first, with retry where it applies (failed or interrupted); the all-zones runs grouped, each
 * zone's outcome listed. Also 操作记录 (the whole record of who did what) and 账号 (accounts).
 */
import { ACTION_LABELS, ROLE_LABELS } from '../../core/desk.ts';
import { listRuns, retryRun } from '../../app/lifecycle.ts';
import { operatorJobs } from '../../app/requests.ts';
import type { RunOutcome } from '../../app/ports.ts';
import type { ConsolePage } from './kit.ts';

const OUTCOME: Record<RunOutcome | 'interrupted', { label: string; tone: string }> = {
  running: { label: '运行中', tone: 'amber' },
  drafted: { label: '已生成稿件', tone: 'grey' },
  released: { label: '已发布', tone: 'green' },
  scheduled: { label: '定时发布', tone: 'grey' },
  unchanged: { label: '无变化', tone: 'grey' },
  empty: { label: '无数据', tone: 'grey' },
  failed: { label: '失败', tone: 'red' },
  discarded: { label: '已弃用', tone: 'grey' },
  interrupted: { label: '已中断', tone: 'red' },
};

const ALL_ZONES = 'all-zones batch';

/** A retry's trigger names the run it retried (`重试 <run id>`, app/lifecycle.ts retryRun). */
const RETRY_OF = /^重试 (\S+)$/;

/**
 * Each retried run → the newest run that retried it: a run retried is not offered again (its
 * retry is, when that one failed too).
 */
function retriesOf(runs: { runId: string; trigger: string }[]): Map<string, string> {
  const out = new Map<string, string>();
  // Newest first: the first retry met is the latest.
  for (const r of runs) {
    const of = RETRY_OF.exec(r.trigger)?.[1];
    if (of && !out.has(of)) out.set(of, r.runId);
  }
  return out;
}

/** A request's parameters in words (`区域：长三角`); another one keeps its name. */
const PARAM_WORDS: Record<string, string> = {
  region: '区域',
  zone: '园区',
  period: '数据期',
  report: '报告',
};

/**
 * A run's outcome as the console says it: the lifecycle's hint for the terminal (审阅后用 bulletin
 * release … 发布) becomes where to do it here, the draft's link beside it.
 */
const inConsole = (detail: string) =>
  detail.replace(
    /待审：审阅后用 bulletin release \S+ 发布(（或 bulletin discard \S+ 弃用）)?/,
    '待审：在“待审稿件”中审阅后发布或弃用',
  );

export const runsPage: ConsolePage = {
  nav: { path: '/console/runs', label: '运行记录' },
  mount(app, kit) {
    const L = kit.deps.lifecycle;
    app.get('/console/runs', async (c) => {
      const runs = await listRuns(L, { limit: 300 });
      const single = runs.filter((r) => r.trigger !== ALL_ZONES).slice(0, 100);
      const batches = new Map<string, typeof runs>();
      for (const r of runs.filter((x) => x.trigger === ALL_ZONES)) {
        const id = r.slotKey.split('/').pop() ?? r.slotKey;
        batches.set(id, [...(batches.get(id) ?? []), r]);
      }
      const done = c.req.query('done');
      const retries = retriesOf(runs);
      // A run cut off has not recorded its draft: the open draft of its slot is that one.
      const openBySlot = new Map((await L.catalog.openDrafts()).map((d) => [d.slotKey, d.id]));
      return kit.page(c, 'runs', {
        pageTitle: '运行记录',
        runs: single.map((r) => ({
          ...r,
          ...(r.detail ? { detail: inConsole(r.detail) } : {}),
          ...(r.state === 'interrupted' && !r.detail
            ? {
                detail: retries.has(r.runId)
                  ? '运行它的进程已退出（例如 Ctrl-C 或被终止）。'
                  : '运行它的进程已退出（例如 Ctrl-C 或被终止），租约已到期：重试从中断处继续，不会重复编号。',
                draftId: r.draftId ?? openBySlot.get(r.slotKey),
              }
            : {}),
          outcomeLabel: OUTCOME[r.state].label,
          tone: OUTCOME[r.state].tone,
          // Still running: until when its lease holds (then, its process gone, 已中断).
          leaseUntil:
            r.state === 'running' && r.leaseUntil ? new Date(r.leaseUntil).toISOString() : '',
          retriedBy: retries.get(r.runId),
          retryOf: RETRY_OF.exec(r.trigger)?.[1],
          retryable: (r.state === 'failed' || r.state === 'interrupted') && !retries.has(r.runId),
          report: kit.deps.reference.seriesById(r.series)?.title ?? r.kind,
          params: Object.entries(r.params)
            // The kind and the series are the 报告 column already (series=torch-bulletin read as code).
            .filter(([k]) => k !== 'kind' && k !== 'series')
            .map(([k, v]) => {
              const value = k === 'zone' ? (kit.deps.reference.zone(v)?.name ?? v) : v;
              return PARAM_WORDS[k] ? `${PARAM_WORDS[k]}：${value}` : `${k}=${value}`;
            })
            .join('，'),
        })),
        batches: [...batches].map(([id, zones]) => {
          const count = (o: string) => zones.filter((z) => z.state === o).length;
          return {
            id,
            startedAt: zones.map((z) => z.startedAt).sort()[0],
            total: zones.length,
            released: count('released'),
            failed: count('failed') + count('interrupted'),
            other: zones.length - count('released') - count('failed') - count('interrupted'),
            zones: zones.map((z) => ({
              zone: z.params['zone'] ?? z.slotKey,
              outcomeLabel: OUTCOME[z.state].label,
              tone: OUTCOME[z.state].tone,
              detail: z.detail,
              issueId: z.issueId,
            })),
          };
        }),
        ...(done === 'retried' ? { banner: `已重试：${c.req.query('outcome') ?? ''}` } : {}),
        ...(done === 'retry-queued' ? { banner: '重试已排队，稍后刷新查看结果。' } : {}),
      });
    });

    app.post('/console/runs/:id/retry', kit.allow('retry'), async (c) => {
      const runId = c.req.param('id');
      // A page left open (or without JavaScript) may still show 重试 on a run retried since.
      const retriedBy = retriesOf(await listRuns(L, { limit: 300 })).get(runId);
      if (retriedBy)
        return kit.page(
          c,
          'error',
          {
            pageTitle: '已重试过',
            message: `运行 ${runId} 已重试过（运行 ${retriedBy}）：如需再试，请重试那一次。`,
            back: '/console/runs',
          },
          409,
        );
      if (kit.deps.offload) {
        await kit.deps.offload(operatorJobs.retry(runId));
        await kit.record(c, { action: 'retry', target: runId, detail: '已排队' });
        return kit.done(c, '/console/runs', 'retry-queued');
      }
      const r = await retryRun(L, runId);
      const label = OUTCOME[r.outcome].label;
      await kit.record(c, {
        action: 'retry',
        target: runId,
        related: [r.run.runId, ...(r.draft ? [r.draft.id] : []), ...(r.issue ? [r.issue.id] : [])],
        // The message starts with the outcome when it is one (已发布 …): not said twice.
        detail: r.message.startsWith(label) ? r.message : `${label}：${r.message}`,
      });
      return kit.done(c, `/console/runs?outcome=${encodeURIComponent(label)}`, 'retried');
    });
  },
};

export const recordPage: ConsolePage = {
  nav: { path: '/console/record', label: '操作记录' },
  mount(app, kit) {
    app.get('/console/record', async (c) => {
      const record = (await kit.deps.desk.records({ limit: 200 })).map((r) => ({
        ...r,
        actionLabel: ACTION_LABELS[r.action],
      }));
      return kit.page(c, 'record', { pageTitle: '操作记录', record });
    });
  },
};

export const accountsPage: ConsolePage = {
  nav: { path: '/console/accounts', label: '账号', shows: 'accounts' },
  mount(app, kit) {
    app.get('/console/accounts', kit.allow('accounts'), async (c) => {
      const accounts = (await kit.deps.desk.listAccounts()).map((a) => ({
        name: a.name,
        role: ROLE_LABELS[a.role],
        createdAt: a.createdAt,
        createdBy: a.createdBy,
      }));
      return kit.page(c, 'accounts', { pageTitle: '账号', accounts });
    });
  },
};
