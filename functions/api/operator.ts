/**
 * The operator's side of the editorial cycle, behind the operator token: a JSON API under
 * `/operator/api/…` (Bearer token) and a small server-rendered page under `/operator`
 * (the token once in a login form → an HttpOnly, SameSite=Strict cookie), both calling the same
 * use cases as the CLI (`app/lifecycle.ts`).
 *
 * JSON: `GET /operator/api/drafts` · `GET /operator/api/drafts/{id}` ·
 * `GET /operator/api/drafts/{id}/pdf` (302 to a presigned URL) ·
 * `POST /operator/api/drafts/{id}/release` `{at?, by?}` · `POST /operator/api/drafts/{id}/discard`
 * `{reason?, by?}` · `POST /operator/api/issues/{id}/withdraw` `{reason, by?}` ·
 * `POST /operator/api/issues/{id}/correct` · `GET /operator/api/corrections` ·
 * `GET /operator/api/runs` · `POST /operator/api/runs/{id}/retry`.
 */
import { clientOf, type RateLimits } from './rate-limits.ts';
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { formatBeijing } from '../core/time.ts';
import { correctionValues, editionLabelOf, statusWord, type Draft } from '../core/lifecycle.ts';
import { correctionRequestSchema, operatorJobs, type OperatorJob } from '../app/requests.ts';
import { ASPECT_NAMES, correctionQueue, dismissCorrection } from '../app/corrections.ts';
import { overdueNote, releaseTimeDecision } from '../app/embargo.ts';
import { formatZoned } from '../core/display.ts';
import {
  correctIssue,
  discardDraft,
  formatNumbering,
  listRuns,
  nowOf,
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
  /** Mount the HTML page (`/operator`, cookie login); default true. Off on AWS: the API only. */
  page?: boolean;
  /** Limits login attempts per client (429 with Retry-After); default: none. */
  limits?: RateLimits;
}

const COOKIE = 'bulletin_operator';
const DRAFT_ID = /^[a-z0-9][a-z0-9-]{0,80}-d[0-9a-f]{10}$/;

const releaseBody = z.strictObject({
  at: z
    .string()
    .regex(/(Z|[+-]\d{2}:?\d{2})$/, 'an ISO time with its offset, e.g. 2026-12-01T09:30+08:00')
    .refine((s) => !Number.isNaN(Date.parse(s)), 'a valid time')
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
  return rest;
}

/** Adds the operator routes to the API app. */
export function mountOperator(app: Hono, deps: OperatorDeps): void {
  const L = deps.lifecycle;

  /** Bearer header, or the page's cookie turned into one. */
  async function principalOf(c: Context): Promise<string | undefined> {
    const viaHeader = await deps.authenticate(c.req.raw);
    if (viaHeader) return viaHeader;
    const token = getCookie(c, COOKIE);
    if (!token) return undefined;
    return deps.authenticate(
      new Request(c.req.url, { headers: { authorization: `Bearer ${token}` } }),
    );
  }

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
          file: 'request body',
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
      return c.json({ error: 'authentication required: send Authorization: Bearer <token>' }, 401);
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
          error: 'invalid query parameters',
          problems: [
            ...unknown.map((k) => ({ field: k, message: 'unknown query parameter' })),
            ...(limit !== undefined && !/^[1-9]\d{0,2}$/.test(limit)
              ? [{ field: 'limit', message: 'a whole number from 1 to 999' }]
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
    return d ? c.json(draftJson(d)) : c.json({ error: `no draft ${c.req.param('id')}` }, 404);
  });
  app.get('/operator/api/drafts/:id/pdf', async (c) => downloadDraft(c));
  app.post('/operator/api/drafts/:id/release', async (c) => {
    const b = await body(c, releaseBody);
    const id = c.req.param('id');
    if (releaseAsked(L, id, b) === 'schedule') {
      const d = await scheduleRelease(L, id, { at: new Date(b.at!), by: by(c, b.by) });
      return c.json({ draft: draftJson(d) }, 202);
    }
    if (deps.offload) {
      await deps.offload(operatorJobs.release(id, by(c, b.by)));
      return c.json({ queued: 'release', draftId: id }, 202);
    }
    const issue = await releaseDraft(L, id, { by: by(c, b.by) });
    return c.json({ issue: { id: issue.id, issueLine: formatNumbering(issue) } });
  });
  app.post('/operator/api/drafts/:id/discard', async (c) => {
    const b = await body(c, discardBody);
    const d = await discardDraft(L, c.req.param('id'), {
      by: by(c, b.by),
      ...(b.reason ? { reason: b.reason } : {}),
    });
    return c.json({ draft: draftJson(d) });
  });
  app.post('/operator/api/issues/:id/withdraw', async (c) => {
    const b = await body(c, withdrawBody);
    const i = await withdrawIssue(L, c.req.param('id'), {
      by: by(c, b.by),
      reason: b.reason,
      ...(b.replacedBy ? { replacedBy: b.replacedBy } : {}),
    });
    return c.json({ issue: { id: i.id, status: i.status, withdrawn: i.withdrawn } });
  });
  app.post('/operator/api/issues/:id/correct', async (c) => {
    const { by: given, ...label } = await body(c, correctBody);
    // Refused here (400/409) rather than in the queued job: a 更正 without its cause.
    editionLabelOf([], label);
    if (deps.offload) {
      await deps.offload(operatorJobs.correct(c.req.param('id'), by(c, given), label));
      return c.json({ queued: 'correct', issueId: c.req.param('id') }, 202);
    }
    const r = await correctIssue(L, c.req.param('id'), {
      by: by(c, given),
      trigger: 'api',
      ...label,
    });
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
      return c.json({ queued: 'retry', runId: c.req.param('id') }, 202);
    }
    const r = await retryRun(L, c.req.param('id'));
    return c.json({ outcome: r.outcome, message: r.message, runId: r.run.runId }, 202);
  });

  async function downloadDraft(c: Context) {
    const d = await L.catalog.getDraft(c.req.param('id') ?? '');
    if (!d?.s3Key) return c.json({ error: `no draft PDF for ${c.req.param('id')}` }, 404);
    const url = await L.archive.presignDownload(d.s3Key, {
      fileName: d.fileName ?? `${d.id}.pdf`,
      ttlSeconds: Math.min(deps.presignTtlSeconds, 900),
    });
    c.header('Cache-Control', 'no-store');
    return c.redirect(url, 302);
  }

  // ── The page ──
  if (deps.page === false) return;
  const page = (title: string, content: unknown) =>
    html`<!doctype html>
      <html lang="zh-CN">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          <title>${title} · 编辑部</title>
          <style>
            body {
              font:
                15px/1.6 system-ui,
                'PingFang SC',
                'Noto Sans SC',
                sans-serif;
              max-width: 60rem;
              margin: 0 auto;
              padding: 1rem;
              color: #1d1d1f;
            }
            h1 {
              color: #c00000;
              font-size: 1.4rem;
              border-bottom: 3px double #c00000;
              padding-bottom: 0.3rem;
            }
            table {
              border-collapse: collapse;
              width: 100%;
            }
            td,
            th {
              border-bottom: 1px solid #ddd;
              padding: 0.4rem;
              text-align: left;
              vertical-align: top;
            }
            a {
              color: #c00000;
            }
            .muted {
              color: #666;
            }
            .overdue {
              color: #b00000;
              font-weight: 700;
            }
            .note {
              background: #fff6e5;
              padding: 0.5rem;
              border-left: 3px solid #e0a000;
            }
            form.inline {
              display: inline;
            }
            button {
              font: inherit;
              padding: 0.3rem 0.8rem;
              margin: 0.2rem 0;
            }
            .release {
              background: #c00000;
              color: #fff;
              border: 0;
              border-radius: 3px;
            }
            @media (max-width: 600px) {
              td:nth-child(n + 4),
              th:nth-child(n + 4) {
                display: none;
              }
            }
          </style>
        </head>
        <body>
          <h1>${title}</h1>
          ${content}
        </body>
      </html>`;

  const loginPage = (c: Context, message?: string) =>
    c.html(
      page(
        '编辑部登录',
        html`${message ? html`<p class="note">${message}</p>` : ''}
          <form method="post" action="/operator/login">
            <label
              >操作令牌（operator token）<br /><input
                type="password"
                name="token"
                autocomplete="off"
                required
                size="40"
            /></label>
            <button type="submit">登录</button>
          </form>`,
      ),
      message ? 401 : 200,
    );

  app.post('/operator/login', async (c) => {
    const wait = deps.limits ? await deps.limits.take('loginPerClient', clientOf(c)) : {};
    if (wait.retryAfter) {
      c.header('Retry-After', String(wait.retryAfter));
      return c.text(`登录尝试过于频繁，请 ${wait.retryAfter} 秒后再试。`, 429);
    }
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token : '';
    const ok = await deps.authenticate(
      new Request(c.req.url, { headers: { authorization: `Bearer ${token}` } }),
    );
    if (!ok) return loginPage(c, '令牌不正确。');
    setCookie(c, COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/operator',
      secure: new URL(c.req.url).protocol === 'https:',
    });
    return c.redirect('/operator', 303);
  });
  app.post('/operator/logout', (c) => {
    deleteCookie(c, COOKIE, { path: '/operator' });
    return c.redirect('/operator', 303);
  });

  const guard = async (c: Context) => {
    c.header('Cache-Control', 'no-store');
    return (await principalOf(c)) ?? undefined;
  };
  // Beijing time with the zone named, as the CLI and the logs show it.
  const when = (iso?: string) => (iso ? formatBeijing(iso) : '');
  /** An embargo past its time and not released: in red, with how late. */
  const overdueMark = (d: Draft) => {
    const note = overdueNote(d, nowOf(deps.lifecycle), deps.timeZone);
    return note ? html` <strong class="overdue">${note}</strong>` : '';
  };

  app.get('/operator', async (c) => {
    if (!(await guard(c))) return loginPage(c);
    const drafts = await L.catalog.openDrafts();
    const flash = c.req.query('done');
    return c.html(
      page(
        '待审稿件',
        html`${flash ? html`<p class="note" id="flash">${flash}</p>` : ''}
          ${
            drafts.length === 0
              ? html`<p class="muted" id="no-drafts">没有待审稿件。</p>`
              : html`<table id="drafts">
                  <thead>
                    <tr>
                      <th>稿件</th>
                      <th>内容</th>
                      <th>状态</th>
                      <th>数据期</th>
                      <th>生成时间</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${drafts.map(
                      (d) =>
                        html`<tr>
                          <td><a class="draft-link" href="/operator/drafts/${d.id}">${d.id}</a></td>
                          <td>${d.correctionOf ? `${d.correctionOf} 修订版` : d.title}</td>
                          <td>
                            ${statusWord(d.status)}${
                              d.releaseAt
                                ? ` → ${formatZoned(new Date(d.releaseAt), deps.timeZone)}`
                                : ''
                            }${overdueMark(d)}
                          </td>
                          <td>${d.period}</td>
                          <td>${when(d.createdAt)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
          }
          <p><a id="corrections-link" href="/operator/corrections">更正队列</a></p>
          <p class="muted">
            命令行：<code>bulletin drafts</code> · <code>bulletin release ID</code> ·
            <code>bulletin runs</code>
          </p>
          <form method="post" action="/operator/logout"><button type="submit">退出</button></form>`,
      ),
    );
  });

  app.get('/operator/drafts/:id', async (c) => {
    if (!(await guard(c))) return loginPage(c);
    const id = c.req.param('id');
    const d = DRAFT_ID.test(id) ? await L.catalog.getDraft(id) : undefined;
    if (!d)
      return c.html(
        page(
          '未找到',
          html`<p>没有稿件 ${id}。</p>
            <p><a href="/operator">返回</a></p>`,
        ),
        404,
      );
    const open = d.status === 'draft' || d.status === 'scheduled';
    return c.html(
      page(
        d.correctionOf ? `${d.correctionOf} 修订版稿件` : `${d.title} 稿件`,
        html`<table>
            <tr>
              <th>稿件</th>
              <td id="draft-id">${d.id}</td>
            </tr>
            <tr>
              <th>状态</th>
              <td id="draft-status">
                ${statusWord(d.status)}${
                  d.releaseAt
                    ? ` · 定时发布 ${formatZoned(new Date(d.releaseAt), deps.timeZone)}`
                    : ''
                }${overdueMark(d)}
              </td>
            </tr>
            <tr>
              <th>数据期</th>
              <td>${d.period}</td>
            </tr>
            <tr>
              <th>页数</th>
              <td>${d.pages ?? ''}</td>
            </tr>
            <tr>
              <th>生成</th>
              <td>${when(d.createdAt)}（运行 ${d.runId ?? ''}）</td>
            </tr>
            ${
              d.corrections?.length
                ? html`<tr>
                    <th>勘误</th>
                    <td>
                      <ul>
                        ${d.corrections.map(
                          (l) =>
                            html`<li>
                              ${l.printedAs}：${correctionValues(l).old} →
                              ${correctionValues(l).new}（${l.source}）
                            </li>`,
                        )}
                      </ul>
                    </td>
                  </tr>`
                : ''
            }
            ${
              d.lastError
                ? html`<tr>
                    <th>上次发布失败</th>
                    <td>${d.lastError}</td>
                  </tr>`
                : ''
            }
          </table>
          ${
            d.s3Key && open
              ? html`<p><a id="draft-pdf" href="/operator/drafts/${d.id}/pdf">下载样稿 PDF</a></p>`
              : ''
          }
          ${
            open
              ? html`<form method="post" action="/operator/drafts/${d.id}/release">
                    <button class="release" id="release" type="submit">立即发布</button>
                  </form>
                  <form method="post" action="/operator/drafts/${d.id}/release">
                    <label
                      >定时发布（如 2026-12-01T09:30+08:00）<input name="at" size="28"
                    /></label>
                    <label
                      ><input type="checkbox" name="now" value="on" /> 时间已过则立即发布</label
                    >
                    <button type="submit" id="schedule">定时发布</button>
                  </form>
                  <form method="post" action="/operator/drafts/${d.id}/discard">
                    <label>弃用原因 <input name="reason" size="30" /></label>
                    <button type="submit" id="discard">弃用</button>
                  </form>`
              : ''
          }
          <p><a href="/operator">返回待审稿件</a></p>`,
      ),
    );
  });

  app.get('/operator/drafts/:id/pdf', async (c) => {
    if (!(await guard(c))) return loginPage(c);
    return downloadDraft(c);
  });

  app.post('/operator/drafts/:id/release', async (c) => {
    const who = await guard(c);
    if (!who) return loginPage(c);
    const id = c.req.param('id');
    const b = await body(c, releaseBody);
    let done: string;
    if (releaseAsked(L, id, b) === 'schedule') {
      await scheduleRelease(L, id, { at: new Date(b.at!), by: who });
      done = `${id} 将于 ${b.at} 发布`;
    } else {
      const issue = await releaseDraft(L, id, { by: who });
      done = `已发布 ${issue.id} ${formatNumbering(issue)}`;
    }
    return c.redirect(`/operator?done=${encodeURIComponent(done)}`, 303);
  });

  app.post('/operator/drafts/:id/discard', async (c) => {
    const who = await guard(c);
    if (!who) return loginPage(c);
    const id = c.req.param('id');
    const b = await body(c, discardBody);
    await discardDraft(L, id, { by: who, ...(b.reason ? { reason: b.reason } : {}) });
    return c.redirect(`/operator?done=${encodeURIComponent(`已弃用 ${id}`)}`, 303);
  });

  // ── The corrections queue: the one corrections function's entries, each with what changed,
  // a form for the corrected edition (修订/更正, cause, effect, pages) and one to dismiss it.
  app.get('/operator/corrections', async (c) => {
    if (!(await guard(c))) return loginPage(c);
    const queue = await correctionQueue(L, deps.series);
    const flash = c.req.query('done');
    return c.html(
      page(
        '更正队列',
        html`${flash ? html`<p class="note" id="flash">${flash}</p>` : ''}
          <p class="muted">
            已发布各期中，所载数值、增速、比重、限定词或精度与现有记录不一致者（含已有新一期者）。
          </p>
          ${
            queue.length === 0
              ? html`<p class="muted" id="no-corrections">没有需要更正的一期。</p>`
              : queue.map(
                  (e) =>
                    html`<section class="correction" id="c-${e.issueId}">
                      <h2>
                        ${e.title}
                        ${e.issueLine}（${e.issueId}，第${e.edition}版）${
                          e.superseded ? '· 已有新一期' : ''
                        }
                      </h2>
                      <table>
                        <thead>
                          <tr>
                            <th>位置</th>
                            <th>变动</th>
                            <th>原刊</th>
                            <th>现记录</th>
                            <th>来源</th>
                          </tr>
                        </thead>
                        <tbody>
                          ${e.changes.map(
                            (l) =>
                              html`<tr>
                                <td>${l.printedAs}</td>
                                <td>${ASPECT_NAMES[l.aspect ?? 'value']}</td>
                                <td>${correctionValues(l).old}</td>
                                <td>${correctionValues(l).new}</td>
                                <td>${l.source}</td>
                              </tr>`,
                          )}
                        </tbody>
                      </table>
                      ${
                        e.dismissed
                          ? html`<p class="note dismissed">
                              已驳回：${e.dismissed.reason}（${e.dismissed.by}，${when(e.dismissed.at)}）
                            </p>`
                          : html`<form
                                method="post"
                                action="/operator/corrections/${e.issueId}/correct"
                              >
                                <label
                                  >类别
                                  <select name="kind">
                                    <option value="修订">修订（来源资料修订了数据）</option>
                                    <option value="更正">更正（本刊刊印有误）</option>
                                  </select></label
                                >
                                <label>原因 <input name="cause" size="40" /></label>
                                <label>影响 <input name="effect" size="30" /></label>
                                <label
                                  >页码 <input name="pages" size="8" placeholder="如 2,5"
                                /></label>
                                <button class="release" type="submit">生成更正稿件</button>
                              </form>
                              <form
                                method="post"
                                action="/operator/corrections/${e.issueId}/dismiss"
                              >
                                <label
                                  >不予更正的理由 <input name="reason" size="40" required
                                /></label>
                                <button type="submit">驳回</button>
                              </form>`
                      }
                    </section>`,
                )
          }
          <p><a href="/operator">返回待审稿件</a></p>`,
      ),
    );
  });

  app.post('/operator/corrections/:id/correct', async (c) => {
    const who = await guard(c);
    if (!who) return loginPage(c);
    const form = await c.req.parseBody();
    const text = (name: string) =>
      typeof form[name] === 'string' && form[name].trim() ? form[name].trim() : undefined;
    const parsed = correctionRequestSchema.safeParse({
      ...(text('kind') ? { kind: text('kind') } : {}),
      ...(text('cause') ? { cause: text('cause') } : {}),
      ...(text('effect') ? { effect: text('effect') } : {}),
      ...(text('pages')
        ? {
            pages: text('pages')!
              .split(/[,，、\s]+/)
              .filter(Boolean),
          }
        : {}),
    });
    if (!parsed.success)
      throw new ValidationError(
        'operator',
        parsed.error.issues.map((i) => ({
          file: 'form',
          location: i.path.join('.'),
          field: i.path.join('.'),
          message: i.message,
        })),
      );
    const r = await correctIssue(L, c.req.param('id'), {
      by: who,
      trigger: 'page',
      ...parsed.data,
    });
    const done = r.draft
      ? `已生成 ${c.req.param('id')} 的更正稿件 ${r.draft.id}，待审后发布`
      : r.message;
    return c.redirect(`/operator?done=${encodeURIComponent(done)}`, 303);
  });

  app.post('/operator/corrections/:id/dismiss', async (c) => {
    const who = await guard(c);
    if (!who) return loginPage(c);
    const b = await body(c, dismissBody);
    const entry = await dismissCorrection(L, c.req.param('id'), { by: who, reason: b.reason });
    return c.redirect(
      `/operator/corrections?done=${encodeURIComponent(`已驳回 ${entry.issueId}：${b.reason}`)}`,
      303,
    );
  });
}
