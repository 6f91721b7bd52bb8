/**
 * 待审稿件: the open drafts; one draft with what it changes against the last issue of its report,
 * its PDF inline, and release (now, or at a Beijing time: checked on a page before it happens),
 * or discard with a reason. Opening a draft or its PDF is noted in the pre-release access record.
 */
import { z } from 'zod';
import { parseDraftId, parseIssueId, releaseState, type Draft } from '../../core/lifecycle.ts';
import { correctionValues } from '../../core/lifecycle.ts';
import { formatIssueLine } from '../../core/format.ts';
import {
  discardDraft,
  listRuns,
  releaseDraft,
  retryRun,
  scheduleRelease,
} from '../../app/lifecycle.ts';
import { overdueNote } from '../../app/embargo.ts';
import { draftPaths, draftWebEditionBytes, reviewDraft } from '../../app/draft-review.ts';
import { operatorJobs } from '../../app/requests.ts';
import { noteDraftAccess } from '../../app/desk.ts';
import type { ConsoleContext, ConsoleKit, ConsolePage } from './kit.ts';
import { formatBeijing } from '../../core/time.ts';

const STATUS: Record<Draft['status'], string> = {
  draft: '待审',
  scheduled: '定时发布',
  releasing: '发布中',
  published: '已发布',
  discarded: '已弃用',
  superseded: '已被新稿取代',
};

const OPEN = new Set<Draft['status']>(['draft', 'scheduled', 'releasing']);

/** The status in words: 发布中断 for a release whose process is gone. */
const statusOf = (d: Draft, now: Date) =>
  releaseState(d, now) === 'interrupted' ? '发布中断' : STATUS[d.status];

/**
 * Pages in words: the draft's, or (a draft released without review prints no draft) the
 * numbered issue an interrupted release already wrote, or why there is none yet.
 */
async function pagesOf(L: ConsoleKit['deps']['lifecycle'], d: Draft): Promise<string> {
  if (d.pages) return String(d.pages);
  const tried =
    d.attemptTotal !== undefined
      ? await L.catalog.issueByTotal(d.series, d.attemptTotal)
      : undefined;
  if (tried?.draftId === d.id && tried.pages) return `${tried.pages}（已印出的 ${tried.id}）`;
  return d.immediate ? '未打印样稿（该刊无需审核，发布时打印）' : '—';
}

/** `2026-12-06` and `09:30` (Beijing time) → the instant; undefined when not a real time. */
export function beijingInstant(date: string, time: string): Date | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(date.trim());
  const t = /^(\d{1,2})[:：](\d{2})$/.exec(time.trim());
  if (!m || !t) return undefined;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], t[1], t[2]].map(Number) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59) return undefined;
  const at = new Date(Date.UTC(y!, mo! - 1, d!, h! - 8, mi!));
  // 2026-02-30 rolls over: refuse it rather than release on another day.
  return new Date(at.getTime() + 8 * 3600_000).getUTCDate() === d ? at : undefined;
}

const releaseForm = z
  .object({
    when: z.enum(['now', 'at'], { message: '请选择立即发布或定时发布' }),
    date: z.string().optional(),
    time: z.string().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.when !== 'at') return;
    if (!beijingInstant(v.date ?? '', v.time ?? ''))
      ctx.addIssue({
        code: 'custom',
        path: ['date'],
        message: '请输入有效的发布日期和时间（北京时间），例如 2026-12-06 和 09:30',
      });
  });

const discardForm = z.object({
  reason: z.string().trim().min(1, '请写明弃用原因').max(500, '弃用原因不超过 500 字'),
});

const DONE: Record<string, string> = {
  released: '稿件已发布。',
  scheduled: '已定时发布：到时自动发布。',
  discarded: '稿件已弃用。',
  queued: '发布已排队，稍后在“已发布”中可见。',
  correction: '修订版稿件已生成：请核对勘误后发布。',
};

export const draftsPage: ConsolePage = {
  nav: { path: '/console/drafts', label: '待审稿件' },
  mount(app, kit) {
    const L = kit.deps.lifecycle;

    const load = async (c: ConsoleContext) => {
      const id = c.req.param('id') ?? '';
      const draft = parseDraftId(id) ? await L.catalog.getDraft(id) : undefined;
      return draft;
    };
    const notFound = (c: ConsoleContext) =>
      kit.page(
        c,
        'error',
        {
          pageTitle: '未找到稿件',
          message: '没有这份稿件，或其编号有误。',
          back: '/console/drafts',
        },
        404,
      );

    app.get('/console/drafts', async (c) => {
      const drafts = await L.catalog.openDrafts();
      const rows = await Promise.all(
        drafts.map(async (d) => {
          const run = d.runId ? await L.catalog.getRun(d.runId) : undefined;
          return {
            id: d.id,
            title: d.correctionOf ? `${d.title}（${d.correctionOf} 修订版）` : d.title,
            series: kit.deps.reference.seriesById(d.series)?.title ?? d.series,
            period: d.period,
            pages: await pagesOf(L, d),
            madeBy: run?.trigger ?? '',
            createdAt: d.createdAt,
            status: statusOf(d, kit.now()),
            interrupted: releaseState(d, kit.now()) === 'interrupted',
            releaseAt: d.releaseAt,
            overdue: overdueNote(d, kit.now(), kit.deps.timeZone),
          };
        }),
      );
      const done = c.req.query('done');
      return kit.page(c, 'drafts', {
        pageTitle: '待审稿件',
        drafts: rows,
        ...(done && DONE[done] ? { banner: DONE[done], bannerIssue: c.req.query('issue') } : {}),
        ...(done === 'scheduled' ? await scheduledBanner(c.req.query('draft')) : {}),
        ...(done === 'released' ? await releasedBanner(c.req.query('issue')) : {}),
      });
    });

    /** 已发布 names the issue, its number and (a 修订版) its edition, with a link to it. */
    const releasedBanner = async (id: string | undefined) => {
      const parsed = id ? parseIssueId(id) : undefined;
      const issue = parsed ? await L.catalog.issueByTotal(parsed.series, parsed.total) : undefined;
      if (!issue) return {};
      const edition = issue.edition && issue.edition > 1 ? ` 第 ${issue.edition} 版（修订版）` : '';
      return {
        banner: `稿件已发布：${issue.title} ${formatIssueLine(issue.year, issue.number, issue.total)}${edition}。`,
        bannerIssue: issue.id,
      };
    };

    /** 已定时发布 names the draft and the Beijing time it goes public (as stored, not as posted). */
    const scheduledBanner = async (id: string | undefined) => {
      const d = id && parseDraftId(id) ? await L.catalog.getDraft(id) : undefined;
      if (d?.status !== 'scheduled' || !d.releaseAt) return {};
      return {
        banner: `已定时发布：${d.title}（稿件 ${d.id}）将于 ${formatBeijing(d.releaseAt)} 自动发布。`,
      };
    };

    const detail = async (c: ConsoleContext, extra: object = {}, status: 200 | 400 = 200) => {
      const d = await load(c);
      if (!d) return notFound(c);
      const open = OPEN.has(d.status);
      if (open) await noteDraftAccess(kit.deps.desk, d.id, c.get('person').name, kit.now());
      const run = d.runId ? await L.catalog.getRun(d.runId) : undefined;
      // What changed is for reviewing: a draft released or discarded is compared with nothing
      // (the latest issue may be its own, or one released after it).
      const review = open ? await reviewDraft(L.catalog, d) : undefined;
      const last = review?.last;
      const paths = draftPaths(d.id);
      return kit.page(
        c,
        'draft',
        {
          pageTitle: d.correctionOf ? `${d.title} 修订版稿件` : `${d.title} 稿件`,
          draft: {
            ...d,
            pages: await pagesOf(L, d),
            pageCount: d.pages,
            statusLabel: statusOf(d, kit.now()),
            series: kit.deps.reference.seriesById(d.series)?.title ?? d.series,
            madeBy: run?.trigger,
          },
          open,
          // An interrupted release is resumed, not released anew; one under way is waited for.
          releasing: releaseState(d, kit.now()),
          leaseUntil:
            d.status === 'releasing' && d.leaseUntil ? new Date(d.leaseUntil).toISOString() : '',
          pdf: open && d.s3Key ? paths.pdf : undefined,
          web: open && d.webKey ? paths.web : undefined,
          ...(last
            ? {
                last: {
                  id: last.id,
                  line: formatIssueLine(last.year, last.number, last.total),
                  period: last.period,
                  pages: last.pages,
                },
              }
            : {}),
          changes: review?.figures && {
            ...review.figures,
            // Where the draft prints each changed figure: its pages and the articles printing it.
            changed: review.figures.changed.map((f) => ({
              ...f,
              where: (f.where ?? []).map(
                (p) => `${p.pages.length ? `第 ${p.pages.join('、')} 页 ` : ''}《${p.title}》`,
              ),
            })),
          },
          articles: review?.articles,
          corrections: d.corrections?.map((l) => ({
            printedAs: l.printedAs,
            ...correctionValues(l),
            source: l.source,
          })),
          access: await kit.deps.desk.accessOf(d.id),
          ...(DONE[c.req.query('done') ?? ''] ? { banner: DONE[c.req.query('done')!] } : {}),
          ...extra,
        },
        status,
      );
    };

    app.get('/console/drafts/:id', (c) => detail(c));

    /** The draft PDF inline (not a redirect to the archive: it frames from this site). */
    app.get('/console/drafts/:id/pdf', async (c) => {
      const d = await load(c);
      if (!d?.s3Key || !OPEN.has(d.status)) return notFound(c);
      await noteDraftAccess(kit.deps.desk, d.id, c.get('person').name, kit.now());
      const bytes = await L.archive.get(d.s3Key);
      if (!bytes) return notFound(c);
      c.header('Content-Type', 'application/pdf');
      c.header('Content-Disposition', `inline; filename="${d.id}.pdf"`);
      c.header('Cache-Control', 'no-store');
      return c.body(new Uint8Array(bytes).buffer as ArrayBuffer);
    });

    /**
     * The draft's web edition (console only: no reader route serves a draft), noted in the
     * pre-release access record like the draft and its PDF.
     */
    app.get('/console/drafts/:id/web', async (c) => {
      const d = await load(c);
      if (!d?.webKey || !OPEN.has(d.status)) return notFound(c);
      await noteDraftAccess(kit.deps.desk, d.id, c.get('person').name, kit.now());
      const bytes = await draftWebEditionBytes(L.archive, d);
      if (!bytes) return notFound(c);
      c.header('Cache-Control', 'no-store');
      c.header('X-Robots-Tag', 'noindex');
      // The page is self-contained (its style inline, its charts SVG): nothing from elsewhere,
      // no script, framed by nobody.
      c.header(
        'Content-Security-Policy',
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
      );
      return c.html(new TextDecoder().decode(bytes));
    });

    /** Check your answers: what the release will do, before it happens. */
    app.post('/console/drafts/:id/release/check', kit.allow('release'), async (c) => {
      const d = await load(c);
      if (!d) return notFound(c);
      const form = await kit.form(c, releaseForm);
      if ('errors' in form) return detail(c, { errors: form.errors }, 400);
      const at =
        form.data.when === 'at' ? beijingInstant(form.data.date!, form.data.time!) : undefined;
      if (at && at.getTime() <= kit.now().getTime())
        return detail(
          c,
          {
            errors: [
              { field: 'date', message: `发布时间 ${formatBeijing(at)} 已过，请选择将来的时间` },
            ],
          },
          400,
        );
      return kit.page(c, 'release-check', {
        pageTitle: '确认发布',
        draft: { ...d, series: kit.deps.reference.seriesById(d.series)?.title ?? d.series },
        when: form.data.when,
        dateText: form.data.date,
        timeText: form.data.time,
        at: at?.toISOString(),
      });
    });

    app.post('/console/drafts/:id/release', kit.allow('release'), async (c) => {
      const d = await load(c);
      if (!d) return notFound(c);
      const form = await kit.form(c, releaseForm);
      if ('errors' in form) return detail(c, { errors: form.errors }, 400);
      const who = c.get('person').name;
      const at =
        form.data.when === 'at' ? beijingInstant(form.data.date!, form.data.time!) : undefined;
      if (at) {
        if (at.getTime() <= kit.now().getTime())
          return detail(
            c,
            {
              errors: [
                { field: 'date', message: `发布时间 ${formatBeijing(at)} 已过，请选择将来的时间` },
              ],
            },
            400,
          );
        await scheduleRelease(L, d.id, { at, by: who });
        await kit.record(c, {
          action: 'schedule',
          target: d.id,
          detail: `定时发布于 ${formatBeijing(at)}`,
        });
        return kit.done(c, `/console/drafts?draft=${encodeURIComponent(d.id)}`, 'scheduled');
      }
      if (kit.deps.offload) {
        await kit.deps.offload(operatorJobs.release(d.id, who));
        await kit.record(c, { action: 'release', target: d.id, detail: '已排队发布' });
        return kit.done(c, '/console/drafts', 'queued');
      }
      const issue = await releaseDraft(L, d.id, { by: who });
      await kit.record(c, {
        action: 'release',
        target: d.id,
        related: [issue.id],
        detail: `${issue.id} ${formatIssueLine(issue.year, issue.number, issue.total)}`,
      });
      return kit.done(c, `/console/drafts?issue=${issue.id}`, 'released');
    });

    /**
     * Resumes an interrupted release (its process gone, its lease run out): released where it
     * stopped, with the number it had taken if it had one. A draft made to be released at once
     * resumes through its run (a retry of it: 运行记录 shows the run retried).
     */
    app.post('/console/drafts/:id/resume', kit.allow('release'), async (c) => {
      const d = await load(c);
      if (!d) return notFound(c);
      if (releaseState(d, kit.now()) !== 'interrupted')
        return detail(
          c,
          {
            errors: [
              {
                field: 'resume',
                message: `稿件 ${d.id} 没有中断的发布（${statusOf(d, kit.now())}）`,
              },
            ],
          },
          400,
        );
      const who = c.get('person').name;
      if (kit.deps.offload) {
        await kit.deps.offload(operatorJobs.release(d.id, who));
        await kit.record(c, { action: 'release', target: d.id, detail: '继续中断的发布：已排队' });
        return kit.done(c, '/console/drafts', 'queued');
      }
      const run =
        d.immediate && d.runId
          ? (await listRuns(L, { limit: 300 })).find((r) => r.runId === d.runId)
          : undefined;
      const issue =
        run?.state === 'interrupted'
          ? (await retryRun(L, run.runId)).issue
          : await releaseDraft(L, d.id, { by: who });
      if (!issue) throw new Error(`稿件 ${d.id} 继续发布后没有得到期号`);
      await kit.record(c, {
        action: 'release',
        target: d.id,
        related: [issue.id, ...(run ? [run.runId] : [])],
        detail: `继续中断的发布：${issue.id} ${formatIssueLine(issue.year, issue.number, issue.total)}`,
      });
      return kit.done(c, `/console/drafts?issue=${issue.id}`, 'released');
    });

    app.post('/console/drafts/:id/discard', kit.allow('discard'), async (c) => {
      const d = await load(c);
      if (!d) return notFound(c);
      const form = await kit.form(c, discardForm);
      if ('errors' in form)
        return detail(c, { errors: form.errors.map((e) => ({ ...e, field: 'reason' })) }, 400);
      await discardDraft(L, d.id, { by: c.get('person').name, reason: form.data.reason });
      await kit.record(c, { action: 'discard', target: d.id, detail: form.data.reason });
      return kit.done(c, '/console/drafts', 'discarded');
    });
  },
};
