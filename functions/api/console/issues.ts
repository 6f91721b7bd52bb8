/**
 * 已发布: every issue of every series with its editions; one issue with its facts, its editions,
 * the record of who did what to it and who read its drafts before release. Withdraw (a reason,
 * then a check page) and correct (the corrections view old → new, then the 修订版 draft).
 */
import { z } from 'zod';
import { formatIssueLine } from '../../core/format.ts';
import { parseIssueId } from '../../core/lifecycle.ts';
import { correctionValues } from '../../core/lifecycle.ts';
import { ACTION_LABELS } from '../../core/desk.ts';
import type { Issue } from '../../core/model.ts';
import { correctIssue, withdrawIssue } from '../../app/lifecycle.ts';
import {
  ASPECT_NAMES,
  changedFigures,
  correctionQueue,
  dismissCorrection,
} from '../../app/corrections.ts';
import { EDITION_KINDS, type CorrectionLine } from '../../core/model.ts';
import { operatorJobs } from '../../app/requests.ts';
import type { ConsoleContext, ConsoleKit, ConsolePage } from './kit.ts';

/** A changed figure as the console shows it: where printed, what (value, growth …), old → new. */
const lineView = (l: CorrectionLine) => ({
  printedAs: l.printedAs,
  // The pages of the issue that print it (its edition's map), when it has one.
  pagesText: l.pages?.length ? `印于第 ${l.pages.join('、')} 页` : '',
  aspect: ASPECT_NAMES[l.aspect ?? 'value'],
  ...correctionValues(l),
  source: l.source,
});

const correctForm = z
  .object({
    kind: z.enum(EDITION_KINDS, { message: '请选择修订或更正' }),
    cause: z.string().trim().max(500, '原因不超过 500 字').optional(),
    effect: z.string().trim().max(500, '影响不超过 500 字').optional(),
    pages: z
      .string()
      .trim()
      .regex(/^(\d{1,3}([,，、\s]+\d{1,3})*)?$/, '页码用逗号分隔，例如 2, 3')
      .optional(),
  })
  .refine((v) => v.kind !== '更正' || (v.cause ?? '').length > 0, {
    path: ['cause'],
    message: '更正须写明原因（本刊印错了什么）',
  });

const dismissForm = z.object({
  reason: z.string().trim().min(1, '请写明驳回理由').max(500, '理由不超过 500 字'),
});

const withdrawForm = z.object({
  reason: z.string().trim().min(1, '请写明撤回原因').max(500, '撤回原因不超过 500 字'),
});

const DONE: Record<string, string> = {
  withdrawn: '已撤回：往期查阅与订阅源不再列出此期，期号不再使用。',
  'correction-queued': '勘误已排队，修订版稿件稍后出现在“待审稿件”中。',
  corrected: '修订版已发布：该刊无需审核，修订版生成后即发布。',
};

/** The record of an id as rows for people. */
export async function recordRows(kit: ConsoleKit, target: string) {
  return (await kit.deps.desk.records({ target, limit: 100 })).map((r) => ({
    ...r,
    actionLabel: ACTION_LABELS[r.action],
  }));
}

const issueLine = (i: Issue) => formatIssueLine(i.year, i.number, i.total);

export const issuesPage: ConsolePage = {
  nav: { path: '/console/issues', label: '已发布' },
  mount(app, kit) {
    const L = kit.deps.lifecycle;
    const load = async (c: ConsoleContext) => {
      const parsed = parseIssueId(c.req.param('id') ?? '');
      return parsed ? L.catalog.issueByTotal(parsed.series, parsed.total) : undefined;
    };
    const notFound = (c: ConsoleContext) =>
      kit.page(
        c,
        'error',
        { pageTitle: '未找到此期', message: '没有这一期，或其编号有误。', back: '/console/issues' },
        404,
      );

    app.get('/console/issues', async (c) => {
      const series = await Promise.all(
        kit.deps.reference.series.map(async (s) => ({
          id: s.id,
          title: s.title,
          issues: (await L.catalog.allIssues(s.id)).slice(0, 200).map((i) => ({
            id: i.id,
            line: issueLine(i),
            title: i.title,
            period: i.period,
            edition: i.edition ?? 1,
            revised: (i.edition ?? 1) > 1,
            withdrawn: i.status === 'withdrawn',
            publishedAt: i.publishedAt,
            releasedBy: i.releasedBy,
          })),
        })),
      );
      return kit.page(c, 'issues', {
        pageTitle: '已发布',
        series: series.filter((s) => s.issues.length),
      });
    });

    const detail = async (
      c: ConsoleContext,
      issue: Issue,
      extra: object = {},
      status: 200 | 400 = 200,
    ) => {
      const editions = issue.editions?.length
        ? issue.editions
        : issue.draftId
          ? [
              {
                edition: 1,
                releasedAt: issue.publishedAt ?? issue.createdAt,
                releasedBy: issue.releasedBy ?? '',
                draftId: issue.draftId,
                pages: issue.pages ?? 0,
              },
            ]
          : [];
      const access = await Promise.all(
        editions.map(async (e) => ({
          edition: e.edition,
          draftId: e.draftId,
          readers: await kit.deps.desk.accessOf(e.draftId),
        })),
      );
      const ids = [issue.id, ...editions.map((e) => e.draftId)];
      const seen = new Set<string>();
      const record = (await Promise.all(ids.map((id) => recordRows(kit, id))))
        .flat()
        .filter((r) => {
          const key = `${r.at}|${r.who}|${r.action}|${r.target}`;
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        })
        .sort((a, b) => b.at.localeCompare(a.at));
      const done = c.req.query('done');
      return kit.page(
        c,
        'issue',
        {
          pageTitle: `${issue.title ?? issue.series} ${issueLine(issue)}`,
          issue: {
            ...issue,
            line: issueLine(issue),
            series: kit.deps.reference.seriesById(issue.series)?.title ?? issue.series,
            withdrawnState: issue.status === 'withdrawn',
          },
          editions: editions.map((e) => ({
            ...e,
            download: `/bulletins/${issue.id}/download?edition=${e.edition}`,
            corrections:
              'corrections' in e
                ? e.corrections?.map((l) => ({ printedAs: l.printedAs, ...correctionValues(l) }))
                : undefined,
          })),
          web: issue.webKey ? `/bulletins/${issue.id}/web` : undefined,
          access,
          record,
          published: issue.status === 'published',
          ...(done && DONE[done] ? { banner: DONE[done] } : {}),
          ...extra,
        },
        status,
      );
    };

    const correctView = async (
      c: ConsoleContext,
      issue: Issue,
      extra: object = {},
      status: 200 | 400 = 200,
    ) =>
      kit.page(
        c,
        'correct',
        {
          pageTitle: `勘误：${issue.title ?? issue.series} ${issueLine(issue)}`,
          issue: { ...issue, line: issueLine(issue) },
          changes:
            issue.status === 'published' ? (await changedFigures(L, issue.id)).map(lineView) : [],
          edition: (issue.edition ?? 1) + 1,
          noReview: kit.deps.reference.seriesById(issue.series)?.review === 'none',
          ...extra,
        },
        status,
      );

    app.get('/console/issues/:id', async (c) => {
      const issue = await load(c);
      return issue ? detail(c, issue) : notFound(c);
    });

    app.post('/console/issues/:id/withdraw/check', kit.allow('withdraw'), async (c) => {
      const issue = await load(c);
      if (!issue) return notFound(c);
      const form = await kit.form(c, withdrawForm);
      if ('errors' in form)
        return detail(
          c,
          issue,
          { errors: form.errors.map((e) => ({ ...e, field: 'reason' })) },
          400,
        );
      return kit.page(c, 'withdraw-check', {
        pageTitle: '确认撤回',
        issue: { ...issue, line: issueLine(issue) },
        reason: form.data.reason,
      });
    });

    app.post('/console/issues/:id/withdraw', kit.allow('withdraw'), async (c) => {
      const issue = await load(c);
      if (!issue) return notFound(c);
      const form = await kit.form(c, withdrawForm);
      if ('errors' in form)
        return detail(
          c,
          issue,
          { errors: form.errors.map((e) => ({ ...e, field: 'reason' })) },
          400,
        );
      await withdrawIssue(L, issue.id, { by: c.get('person').name, reason: form.data.reason });
      await kit.record(c, { action: 'withdraw', target: issue.id, detail: form.data.reason });
      return kit.done(c, `/console/issues/${issue.id}`, 'withdrawn');
    });

    /** The corrections view: what changed behind this issue since its release. */
    app.get('/console/issues/:id/correct', async (c) => {
      const issue = await load(c);
      if (!issue) return notFound(c);
      return correctView(c, issue);
    });

    app.post('/console/issues/:id/correct', kit.allow('correct'), async (c) => {
      const issue = await load(c);
      if (!issue) return notFound(c);
      const form = await kit.form(c, correctForm);
      if ('errors' in form) return correctView(c, issue, { errors: form.errors }, 400);
      const pages = (form.data.pages ?? '')
        .split(/[,，、\s]+/)
        .filter(Boolean)
        .map(Number);
      const label = {
        kind: form.data.kind,
        ...(form.data.cause ? { cause: form.data.cause } : {}),
        ...(form.data.effect ? { effect: form.data.effect } : {}),
        ...(pages.length ? { pages } : {}),
      };
      const who = c.get('person').name;
      if (kit.deps.offload) {
        await kit.deps.offload(operatorJobs.correct(issue.id, who, label));
        await kit.record(c, { action: 'correct', target: issue.id, detail: '已排队' });
        return kit.done(c, `/console/issues/${issue.id}`, 'correction-queued');
      }
      const r = await correctIssue(L, issue.id, { by: who, trigger: `编辑部（${who}）`, ...label });
      await kit.record(c, {
        action: 'correct',
        target: issue.id,
        ...(r.draft ? { related: [r.draft.id] } : {}),
        detail: r.draft
          ? `修订版稿件 ${r.draft.id}（第 ${r.draft.edition} 版）${r.outcome === 'released' ? '，该刊无需审核，已发布' : ''}`
          : r.message,
      });
      // A series without review releases its 修订版 at once: the issue says so, not the draft.
      if (r.outcome === 'released') return kit.done(c, `/console/issues/${issue.id}`, 'corrected');
      return r.draft
        ? kit.done(c, `/console/drafts/${r.draft.id}`, 'correction')
        : kit.done(c, `/console/issues/${issue.id}`, 'correction-queued');
    });
  },
};

/** 勘误: every released issue whose printed figures differ from the records now. */
export const correctionsPage: ConsolePage = {
  nav: { path: '/console/corrections', label: '勘误' },
  mount(app, kit) {
    app.get('/console/corrections', async (c) => {
      const queue = await correctionQueue(kit.deps.lifecycle, kit.deps.series);
      const issues = queue.map((e) => ({ ...e, changes: e.changes.map(lineView) }));
      const done = c.req.query('done');
      return kit.page(c, 'corrections', {
        pageTitle: '勘误',
        issues,
        ...(done === 'dismissed'
          ? { banner: '已驳回：理由已记录并显示；此后数据再有修订，此期会重新列出。' }
          : {}),
      });
    });

    app.post('/console/corrections/:id/dismiss', kit.allow('correct'), async (c) => {
      const form = await kit.form(c, dismissForm);
      const id = c.req.param('id');
      if ('errors' in form) {
        const queue = await correctionQueue(kit.deps.lifecycle, kit.deps.series);
        return kit.page(
          c,
          'corrections',
          {
            pageTitle: '勘误',
            issues: queue.map((e) => ({ ...e, changes: e.changes.map(lineView) })),
            errors: form.errors.map((e) => ({ ...e, field: `reason-${id}` })),
          },
          400,
        );
      }
      await dismissCorrection(kit.deps.lifecycle, id, {
        by: c.get('person').name,
        reason: form.data.reason,
      });
      await kit.record(c, {
        action: 'correct',
        target: id,
        detail: `驳回更正：${form.data.reason}`,
      });
      return kit.done(c, '/console/corrections', 'dismissed');
    });
  },
};
