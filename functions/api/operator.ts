/**
 * The operator's side of the editorial cycle for scripts, behind the machine token: a JSON API
 * under `/operator/api/…` (Bearer token) calling the same use cases as the CLI and the console
 * (`app/lifecycle.ts`); each action is recorded (who: the principal, or `by`; via `api`). People
 * use the console (`/console`, named accounts, its own login throttling); the old page's
 * addresses (`/operator`, `/operator/drafts/{id}`) lead there.
 *
 * JSON: `GET /operator/api/drafts` · `GET /operator/api/drafts/{id}` ·
 * `GET /operator/api/drafts/{id}/pdf` (302 to a presigned URL) ·
 * `POST /operator/api/drafts/{id}/release` `{at?, by?}` · `POST /operator/api/drafts/{id}/discard`
 * `{reason?, by?}` · `POST /operator/api/issues/{id}/withdraw` `{reason, by?}` ·
 * `POST /operator/api/issues/{id}/correct` · `GET /operator/api/corrections` ·
 * `GET /operator/api/runs` · `POST /operator/api/runs/{id}/retry`.
 */
import type { RateLimits } from './rate-limits.ts';
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { editionLabelOf, type Draft } from '../core/lifecycle.ts';
import type { DeskRecord } from '../core/desk.ts';
import type { DeskStore } from '../app/ports.ts';
import { correctionRequestSchema, operatorJobs, type OperatorJob } from '../app/requests.ts';
import { correctionQueue, dismissCorrection } from '../app/corrections.ts';
import { releaseTimeDecision } from '../app/embargo.ts';
import { draftForPeople } from '../app/sealed-release.ts';
import {
  correctIssue,
  discardDraft,
  formatNumbering,
  listRuns,
  releaseDraft,
  retryRun,
  scheduleRelease,
  withdrawIssue,
  type LifecycleDeps,
} from '../app/lifecycle.ts';

export interface OperatorDeps {
  lifecycle: LifecycleDeps;
  /** The principal of a request with the operator's Bearer token, or undefined. */
  authenticate(req: Request): Promise<string | undefined>;
  /** Every series id (for the corrections check). */
  series: string[];
  presignTtlSeconds: number;
  timeZone: string;
  /**
   * Hands work that prints (a release now, a correction, a retry) to the function that has the
   * browser (on AWS: the report queue); the API answers 202. Absent: done here (`bulletin serve`).
   */
  offload?(job: OperatorJob): Promise<void>;
  /** Redirect the old page's addresses to the console; default true. Off on AWS: the API only. */
  page?: boolean;
  /** Kept for the API's shape; the console throttles its own logins (app/desk.ts). */
  limits?: RateLimits;
  /** Where actions are recorded (who, when, what). */
  desk?: DeskStore;
}

const releaseBody = z.strictObject({
  at: z
    .string()
    .regex(/(Z|[+-]\d{2}:?\d{2})$/, '应为带时区偏移的 ISO 时间，例如 2026-12-01T09:30+08:00')
    .refine((s) => !Number.isNaN(Date.parse(s)), '应为有效的时间')
    .optional(),
  /** Release at once when `at` has passed (otherwise a past time is refused). */
  now: z.union([z.boolean(), z.enum(['on', 'true'])]).optional(),
  by: z.string().min(1).max(80).optional(),
});
/** What a release request asks: an embargo, or now (a past time refused unless `now`). */
const releaseAsked = (
  L: LifecycleDeps,
  id: string,
  b: z.infer<typeof releaseBody>,
): 'schedule' | 'now' =>
  releaseTimeDecision(L, id, {
    at: b.at ? new Date(b.at) : undefined,
    releaseNowIfPast: b.now === true || b.now === 'on' || b.now === 'true',
    source: 'release',
  });
const discardBody = z.strictObject({
  reason: z.string().max(500).optional(),
  by: z.string().min(1).max(80).optional(),
});
const withdrawBody = z.strictObject({
  reason: z.string().min(1).max(500),
  by: z.string().min(1).max(80).optional(),
  /** The issue that replaces the withdrawn one, if any. */
  replacedBy: z.string().min(1).max(100).optional(),
});
const correctBody = correctionRequestSchema.extend({
  by: z.string().min(1).max(80).optional(),
});
const dismissBody = z.strictObject({
  reason: z.string().trim().min(1).max(500),
  by: z.string().min(1).max(80).optional(),
});

/** A draft as the operator sees it (no printed-record list). */
function draftJson(d: Draft) {
  const { printed: _p, releaseOwner: _o, leaseUntil: _l, attemptTotal: _a, ...rest } = d;
  return draftForPeople(rest);
}

/** Adds the operator routes to the API app. */
export function mountOperator(app: Hono, deps: OperatorDeps): void {
  const L = deps.lifecycle;

  const principalOf = (c: Context) => deps.authenticate(c.req.raw);
  /** The record of who did what (when the desk store is wired). */
  const record = async (
    c: Context,
    entry: Omit<DeskRecord, 'at' | 'who' | 'via'>,
    given?: string,
  ) => deps.desk?.record({ ...entry, at: new Date().toISOString(), who: by(c, given), via: 'api' });

  const body = async <T>(c: Context, schema: z.ZodType<T>): Promise<T> => {
    const type = c.req.header('content-type') ?? '';
    let raw: unknown = {};
    if (type.includes('application/json')) raw = await c.req.json().catch(() => null);
    else if (type.includes('form')) {
      const form = await c.req.parseBody();
      raw = Object.fromEntries(Object.entries(form).filter(([, v]) => v !== ''));
    }
    const parsed = schema.safeParse(raw ?? {});
    if (!parsed.success) {
      throw new ValidationError(
        'operator',
        parsed.error.issues.map((i) => ({
          file: '请求体 (request body)',
          location: `$.${i.path.join('.')}`,
          field: i.path.join('.'),
          message: i.message,
        })),
      );
    }
    return parsed.data;
  };

  // ── JSON API ──
  app.use('/operator/api/*', async (c, next) => {
    const who = await principalOf(c);
    if (!who) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json({ error: '需要身份验证：请发送 Authorization: Bearer <token>' }, 401);
    }
    c.set('principal' as never, who as never);
    c.header('Cache-Control', 'no-store');
    // Query parameters no route reads are refused (SECURITY.md), like unknown body fields.
    const allowed = c.req.path === '/operator/api/runs' ? ['limit'] : [];
    const unknown = Object.keys(c.req.query()).filter((k) => !allowed.includes(k));
    const limit = c.req.query('limit');
    if (unknown.length || (limit !== undefined && !/^[1-9]\d{0,2}$/.test(limit)))
      return c.json(
        {
          error: '查询参数 (query parameters) 无效',
          problems: [
            ...unknown.map((k) => ({ field: k, message: '未知的查询参数' })),
            ...(limit !== undefined && !/^[1-9]\d{0,2}$/.test(limit)
              ? [{ field: 'limit', message: '1 到 999 之间的整数' }]
              : []),
          ],
        },
        400,
      );
    await next();
  });
  const by = (c: Context, given?: string) => given ?? (c.get('principal' as never) as string);

  app.get('/operator/api/drafts', async (c) =>
    c.json({ drafts: (await L.catalog.openDrafts()).map(draftJson) }),
  );
  app.get('/operator/api/drafts/:id', async (c) => {
    const d = await L.catalog.getDraft(c.req.param('id'));
    return d ? c.json(draftJson(d)) : c.json({ error: `没有稿件 ${c.req.param('id')}` }, 404);
  });
  app.get('/operator/api/drafts/:id/pdf', async (c) => downloadDraft(c));
  app.post('/operator/api/drafts/:id/release', async (c) => {
    const b = await body(c, releaseBody);
    const id = c.req.param('id');
    if (releaseAsked(L, id, b) === 'schedule') {
      const d = await scheduleRelease(L, id, { at: new Date(b.at!), by: by(c, b.by) });
      await record(c, { action: 'schedule', target: id, detail: b.at }, b.by);
      return c.json({ draft: draftJson(d) }, 202);
    }
    if (deps.offload) {
      await deps.offload(operatorJobs.release(id, by(c, b.by)));
      await record(c, { action: 'release', target: id, detail: 'queued' }, b.by);
      return c.json({ queued: 'release', draftId: id }, 202);
    }
    const issue = await releaseDraft(L, id, { by: by(c, b.by) });
    await record(c, { action: 'release', target: id, related: [issue.id], detail: issue.id }, b.by);
    return c.json({ issue: { id: issue.id, issueLine: formatNumbering(issue) } });
  });
  app.post('/operator/api/drafts/:id/discard', async (c) => {
    const b = await body(c, discardBody);
    const d = await discardDraft(L, c.req.param('id'), {
      by: by(c, b.by),
      ...(b.reason ? { reason: b.reason } : {}),
    });
    await record(
      c,
      { action: 'discard', target: d.id, ...(b.reason ? { detail: b.reason } : {}) },
      b.by,
    );
    return c.json({ draft: draftJson(d) });
  });
  app.post('/operator/api/issues/:id/withdraw', async (c) => {
    const b = await body(c, withdrawBody);
    const i = await withdrawIssue(L, c.req.param('id'), {
      by: by(c, b.by),
      reason: b.reason,
      ...(b.replacedBy ? { replacedBy: b.replacedBy } : {}),
    });
    await record(c, { action: 'withdraw', target: i.id, detail: b.reason }, b.by);
    return c.json({ issue: { id: i.id, status: i.status, withdrawn: i.withdrawn } });
  });
  app.post('/operator/api/issues/:id/correct', async (c) => {
    const { by: given, ...label } = await body(c, correctBody);
    // Refused here (400/409) rather than in the queued job: a 更正 without its cause.
    editionLabelOf([], label);
    if (deps.offload) {
      await deps.offload(operatorJobs.correct(c.req.param('id'), by(c, given), label));
      await record(c, { action: 'correct', target: c.req.param('id'), detail: 'queued' }, given);
      return c.json({ queued: 'correct', issueId: c.req.param('id') }, 202);
    }
    const r = await correctIssue(L, c.req.param('id'), {
      by: by(c, given),
      trigger: 'api',
      ...label,
    });
    await record(
      c,
      {
        action: 'correct',
        target: c.req.param('id'),
        ...(r.draft ? { related: [r.draft.id] } : {}),
        detail: r.message,
      },
      given,
    );
    return c.json(
      {
        outcome: r.outcome,
        message: r.message,
        runId: r.run.runId,
        ...(r.draft ? { draft: draftJson(r.draft) } : {}),
      },
      202,
    );
  });
  app.get('/operator/api/corrections', async (c) =>
    c.json({ corrections: await correctionQueue(L, deps.series) }),
  );
  app.post('/operator/api/issues/:id/dismiss-correction', async (c) => {
    const b = await body(c, dismissBody);
    const entry = await dismissCorrection(L, c.req.param('id'), {
      by: by(c, b.by),
      reason: b.reason,
    });
    return c.json({ correction: entry });
  });
  app.get('/operator/api/runs', async (c) =>
    c.json({ runs: await listRuns(L, { limit: Number(c.req.query('limit') ?? 50) || 50 }) }),
  );
  app.post('/operator/api/runs/:id/retry', async (c) => {
    if (deps.offload) {
      await deps.offload(operatorJobs.retry(c.req.param('id')));
      await record(c, { action: 'retry', target: c.req.param('id'), detail: 'queued' });
      return c.json({ queued: 'retry', runId: c.req.param('id') }, 202);
    }
    const r = await retryRun(L, c.req.param('id'));
    await record(c, { action: 'retry', target: c.req.param('id'), detail: r.message });
    return c.json({ outcome: r.outcome, message: r.message, runId: r.run.runId }, 202);
  });

  async function downloadDraft(c: Context) {
    const d = await L.catalog.getDraft(c.req.param('id') ?? '');
    if (!d?.s3Key) return c.json({ error: `稿件 ${c.req.param('id')} 没有样稿 PDF` }, 404);
    const url = await L.archive.presignDownload(d.s3Key, {
      fileName: d.fileName ?? `${d.id}.pdf`,
      ttlSeconds: Math.min(deps.presignTtlSeconds, 900),
    });
    c.header('Cache-Control', 'no-store');
    return c.redirect(url, 302);
  }

  // ── The page moved to the console (`/console`, named accounts): its old addresses lead there.
  if (deps.page === false) return;
  app.get('/operator', (c) => c.redirect('/console', 301));
  app.get('/operator/corrections', (c) => c.redirect('/console/corrections', 301));
  app.get('/operator/drafts/:id', (c) =>
    c.redirect(`/console/drafts/${encodeURIComponent(c.req.param('id'))}`, 301),
  );
}
