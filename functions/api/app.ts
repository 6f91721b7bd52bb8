/**
 * The subscriber and operator HTTP API as one Hono app: the same routes behind API Gateway
 * (wrapped by `hono/aws-lambda`'s `handle()`) and in the local server (`@hono/node-server`).
 *
 * Routes: `GET /` archive page · `GET /bulletins` · `GET /bulletins/latest` ·
 * `GET /bulletins/{id}` · `GET /bulletins/{id}/download` (302 to a presigned URL) ·
 * `GET /feeds/{series}.atom` · `POST /reports` (authenticated) · `POST /subscriptions` ·
 * `GET|POST /subscriptions/confirm?token=` · `GET|POST /subscriptions/unsubscribe?token=`.
 *
 * Errors are JSON `{ error }` with 400 (malformed input), 401, 404 (unknown id), 409, 500.
 * Addresses and tokens are never logged.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { AppConfig } from '../config.ts';
import {
  BulletinError,
  ConflictError,
  NotFoundError,
  RenderError,
  ValidationError,
} from '../errors.ts';
import { issuerOn, type Issue } from '../core/model.ts';
import type { Reference } from '../core/reference.ts';
import { escapeHtml } from '../core/escape.ts';
import { redact } from '../core/redact.ts';
import { DATA_CSV_TYPE, DATA_XLSX_TYPE, dataFileNames } from '../core/data-file.ts';
import type {
  Archive,
  IssueCatalog,
  Notifier,
  Subscription,
  SubscriberStore,
} from '../app/ports.ts';
import { parseIssueId } from '../core/lifecycle.ts';
import { isTokenShaped } from '../core/tokens.ts';
import { confirmationMessage, seriesTitle } from '../app/notify.ts';
import { reportRequestSchema, type ReportRequestBody } from '../app/requests.ts';
import type { ReportStarted } from '../app/publish.ts';
import { requestFields } from '../contract/schedules.ts';
import { unpackBytes } from '../app/packed-json.ts';
import { storedPart } from '../app/release-parts.ts';
import { TamperedObjectError, verifiedBytes } from '../app/verified-download.ts';
import { issueDataBytes } from '../app/data-download.ts';
import { issueCoverBytes, type CoverMaker } from '../app/issue-cover.ts';
import { renderHtml } from '../app/templates.ts';
import {
  archivedIssues,
  archiveView,
  atomFeed,
  issueView,
  landingView,
  publishedIssues,
  seriesFooter,
  seriesNav,
  snippetOf,
  type IssueView,
} from './views.ts';
import { mountOperator, type OperatorDeps } from './operator.ts';
import { mountDataAsOf } from './data-as-of.ts';
import type { DataAsOfDeps } from '../app/data-as-of.ts';
import { clientOf, createRateLimits, type RateLimits } from './rate-limits.ts';
import { mountCalendar } from './calendar-page.ts';
import type { CalendarDeps } from '../app/calendar.ts';
import { mountConsole, type ConsoleDeps } from './console/index.ts';

export type { ReportRequestBody };

export interface ApiDeps {
  catalog: IssueCatalog;
  archive: Archive;
  subscribers: SubscriberStore;
  notifier: Notifier;
  reference: Reference;
  config: AppConfig;
  now?: () => Date;
  /** Authenticates POST /reports and subscriber management calls that need it. Returns the principal or undefined. */
  authenticate(req: Request): Promise<string | undefined>;
  /**
   * Triggers an on-demand report through the editorial cycle. Locally it runs at once; on AWS
   * it queues the job for the generate Lambda. The answer names the slot and its draft (a
   * draft has no number yet), and the issue once one is released.
   */
  requestReport(body: ReportRequestBody, principal: string): Promise<ReportStarted>;
  /**
   * Base URL of every link the API builds (mail, feeds, archive, JSON): from configuration,
   * never from the request's Host header. A function when it is known late (the local server
   * learns its own port once listening). None: links are root-relative and no mail is sent.
   */
  publicBaseUrl?: string | (() => string | undefined);
  /**
   * Whether subscriber mail can be sent (a sender or an outbox is configured); default true.
   * When not, the subscription routes answer 404 and the archive page says subscriptions are off.
   */
  subscriptions?: boolean;
  /** Diagnostics (never with addresses or tokens); default: none. */
  log?: (message: string) => void;
  /** The editorial cycle's operator API and page (`/operator`), behind the operator token. */
  operator?: OperatorDeps;
  /** The records and their revisions: `/data/{zone}/{indicator}.csv?asOf=` (data as it stood). */
  records?: DataAsOfDeps['records'];
  /** Limits on subscription requests and logins; default: {@link DEFAULT_REQUEST_LIMITS}. */
  limits?: RateLimits;
  /** The release calendar (`/calendar`, `/calendar.ics`); without it those answer 404. */
  calendar?: CalendarDeps;
  /** The editor's console (`/console`): named people, roles, the record of who did what. */
  console?: ConsoleDeps;
  /**
   * Makes a released issue's cover on its first request (`app/issue-cover.ts`): locally in this
   * process's Chromium, on AWS by the cover function (the API has no browser). Without it a
   * cover not made yet answers 404.
   */
  makeCover?: CoverMaker;
}

const seriesId = requestFields.series;

const listQuery = z.strictObject({
  series: seriesId.default('torch-bulletin'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, '应为上一页给出的翻页游标 (cursor)')
    .optional(),
});

const subscriptionBody = z.strictObject({
  email: z.email('应为有效的电子邮箱地址').max(254),
  series: seriesId.default('torch-bulletin'),
});

/** The archive page lists at most this many issues (20 years of monthly issues). */
const ARCHIVE_MAX = 240;
/** A stored part of an issue, as a person names it. */
const PART_WORDS = { web: '网页版', cover: '封面' } as const;

type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 429 | 500 | 502 | 503;

/**
 * Largest request body any route reads (JSON or form): the largest legitimate one is a report
 * request or a subscription of a few hundred bytes. Bigger bodies are refused with 413 before
 * they are read (by their Content-Length, or while streaming when there is none). On AWS,
 * API Gateway refuses payloads over 10 MB before the Lambda runs; this limit applies there too.
 */
export const MAX_BODY_BYTES = 64 * 1024;

/** Query parameters each route accepts; any other is refused (400), like unknown body fields. */
const tokenQuery = z.strictObject({ token: z.string().max(200) });
const seriesQuery = z.strictObject({ series: seriesId.optional() });
const noQuery = z.strictObject({});
/** `?edition=N`: an earlier edition of a corrected issue (1 = as first released). */
const downloadQuery = z.strictObject({
  edition: z
    .string()
    .regex(/^[1-9]\d{0,2}$/, '应为版次，例如 1 表示首次发布的版本')
    .optional(),
});
/**
 * The policy of every HTML page the API sends: nothing from elsewhere (but the configured public
 * address, which its links name), no script, never framed. A route that sets its own policy
 * (the web edition's) keeps it.
 */
export function htmlCsp(publicBaseUrl = ''): string {
  const origin = /^https?:\/\//.test(publicBaseUrl) ? ` ${new URL(publicBaseUrl).origin}` : '';
  return `default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:${origin}; form-action 'self'${origin}; base-uri 'none'; frame-ancestors 'none'`;
}
const searchQuery = z.strictObject({ q: z.string().max(1000).optional() });
/** RFC 8058 one-click unsubscribe posts `List-Unsubscribe=One-Click`; nothing else is read. */
const tokenBody = z.strictObject({ 'List-Unsubscribe': z.literal('One-Click').optional() });

function problem(c: Context, status: ErrorStatus, error: string, extra: object = {}) {
  return c.json({ error, ...extra }, status);
}

function zodProblems(error: z.ZodError) {
  return error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
}

function wantsHtml(c: Context): boolean {
  return (c.req.header('accept') ?? '').includes('text/html');
}

/** A one-message HTML page (confirmation, unsubscribe, errors for people). */
function messagePage(title: string, message: string, back: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>body{font:16px/1.6 system-ui,"PingFang SC","Noto Sans SC",sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}h1{color:#c00000;font-size:1.4rem}a{color:#c00000}</style></head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="${escapeHtml(back)}">返回往期查阅</a></p></main></body></html>`;
}

/** A page with one button that POSTs `action` (confirm / unsubscribe links from mail). */
function actionPage(
  title: string,
  message: string,
  button: string,
  action: string,
  back: string,
): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>body{font:16px/1.6 system-ui,"PingFang SC","Noto Sans SC",sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}h1{color:#c00000;font-size:1.4rem}a{color:#c00000}button{font:inherit;background:#c00000;color:#fff;border:0;border-radius:4px;padding:.6rem 1.6rem;cursor:pointer}</style></head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><form method="post" action="${escapeHtml(action)}"><button type="submit">${escapeHtml(button)}</button></form><p><a href="${escapeHtml(back)}">返回往期查阅</a></p></main></body></html>`;
}

/** Builds the API app. Wrap it with `handle(app)` on Lambda or `serve()` locally. */
export function createApiApp(deps: ApiDeps): Hono {
  const app = new Hono();
  const now = () => deps.now?.() ?? new Date();
  /** The configured base URL without a trailing slash; '' when none (root-relative links). */
  const baseUrl = (): string => {
    const given =
      typeof deps.publicBaseUrl === 'function' ? deps.publicBaseUrl() : deps.publicBaseUrl;
    return (given ?? deps.config.publicBaseUrl ?? '').replace(/\/+$/, '');
  };
  const backLink = () => `${baseUrl()}/`;
  const limits = deps.limits ?? createRateLimits();
  /** 429 with Retry-After, for people (HTML) or scripts (JSON). */
  const tooMany = (c: Context, retryAfter: number, what: string) => {
    c.header('Retry-After', String(retryAfter));
    c.header('Cache-Control', 'no-store');
    const text = `${what}过于频繁，请 ${retryAfter} 秒后再试。`;
    if (wantsHtml(c)) return c.html(messagePage('请求过于频繁', text, backLink()), 429);
    return problem(c, 429, text, {
      retryAfter,
    });
  };

  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => {
        // The rest of the body is never read: the connection cannot serve another request.
        c.header('Connection', 'close');
        return problem(c, 413, `请求体 (request body) 超过 ${MAX_BODY_BYTES} 字节，未读取任何内容`);
      },
    }),
  );

  app.use('*', async (c, next) => {
    await next();
    const type = c.res.headers.get('content-type') ?? '';
    if (type.startsWith('text/html') && !c.res.headers.has('content-security-policy'))
      c.res.headers.set('Content-Security-Policy', htmlCsp(baseUrl()));
  });

  /** Refuses query parameters a route does not know (400 naming them). */
  const strictQuery =
    (schema: z.ZodType) =>
    async (c: Context, next: () => Promise<void>): Promise<Response | void> => {
      const parsed = schema.safeParse(c.req.query());
      if (!parsed.success)
        return problem(c, 400, '查询参数 (query parameters) 无效', {
          problems: zodProblems(parsed.error),
        });
      await next();
    };
  const titleOf = (series: string) => seriesTitle(deps.reference, series);
  const view = (c: Context, issue: Parameters<typeof issueView>[0], replacement?: Issue) =>
    issueView(issue, {
      baseUrl: baseUrl(),
      timeZone: deps.config.timeZone,
      seriesTitle: titleOf(issue.series),
      ...(replacement ? { replacement } : {}),
    });
  /** Views of an archive's issues: a withdrawn one names its replacement by its issue line. */
  const views = (c: Context, issues: Issue[]) => {
    const byId = new Map(issues.map((i) => [i.id, i]));
    return issues.map((i) =>
      view(c, i, i.withdrawn?.replacedBy ? byId.get(i.withdrawn.replacedBy) : undefined),
    );
  };
  /** The page at a withdrawn issue's address: its 撤回说明 (reason, date, replacement). */
  async function withdrawalPage(c: Context, issue: Issue, status: 200 | 410) {
    const replacement = issue.withdrawn?.replacedBy
      ? await deps.catalog.get(issue.withdrawn.replacedBy)
      : undefined;
    const shown = view(c, issue, replacement);
    const html = await renderHtml('archive', {
      withdrawalPage: true,
      issue: shown,
      pageTitle: `撤回说明：${shown.title} ${shown.issueLine}`,
      subtitle: `${shown.title} ${shown.issueLine} · 撤回说明`,
      seriesTitle: titleOf(issue.series),
      baseUrl: baseUrl(),
      archiveUrl: `${baseUrl()}/series/${issue.series}`,
      nav: seriesNav(deps.reference, baseUrl(), issue.series),
      footer: seriesFooter(deps.reference.seriesById(issue.series), now().toISOString()),
    });
    c.header('Cache-Control', 'public, max-age=60');
    return c.html(html, status);
  }

  /** A series is known when the reference defines it or the catalog has issues of it. */
  async function knownSeries(series: string): Promise<boolean> {
    if (deps.reference.seriesById(series)) return true;
    return (await deps.catalog.list(series, { limit: 1 })).items.length > 0;
  }

  app.onError((err, c) => {
    if (err instanceof ValidationError)
      return problem(c, 400, err.message, { problems: err.problems });
    if (err instanceof NotFoundError) return problem(c, 404, err.message);
    if (err instanceof ConflictError) return problem(c, 409, err.message);
    deps.log?.(
      `${c.req.method} ${new URL(c.req.url).pathname} 失败：${redact(err instanceof BulletinError ? err.message : `${err.name}: ${err.message}`)}`,
    );
    return problem(c, 500, '服务器内部错误，此请求已记入日志');
  });

  if (deps.operator) mountOperator(app, { limits, ...deps.operator });
  if (deps.records)
    mountDataAsOf(app, {
      records: deps.records,
      reference: deps.reference,
      timeZone: deps.config.timeZone,
      now,
    });
  if (deps.calendar)
    mountCalendar(app, { calendar: deps.calendar, reference: deps.reference, baseUrl });
  if (deps.console) mountConsole(app, deps.console);

  app.notFound((c) =>
    problem(c, 404, `没有这个地址：${c.req.method} ${new URL(c.req.url).pathname}`),
  );

  /** The landing page: every series with its latest issue. `/?series=x` is the old address. */
  app.get('/', strictQuery(seriesQuery), async (c) => {
    const legacy = c.req.query('series');
    if (legacy !== undefined) {
      const series = seriesId.safeParse(legacy);
      if (!series.success) return c.html(messagePage('参数错误', '刊物标识无效。', '/'), 400);
      return c.redirect(`/series/${series.data}`, 301);
    }
    const cards = await Promise.all(
      deps.reference.series.map(async (series) => {
        const issues = await publishedIssues(deps.catalog, series.id, ARCHIVE_MAX);
        return {
          series,
          count: issues.length,
          ...(issues[0] ? { latest: view(c, issues[0]) } : {}),
        };
      }),
    );
    const html = await renderHtml(
      'archive',
      landingView({ reference: deps.reference, baseUrl: baseUrl(), now: now(), cards }),
    );
    c.header('Cache-Control', 'public, max-age=60');
    return c.html(html);
  });

  /** One series' archive: every issue with its date, data period, cover, 要目 and links. */
  app.get('/series/:series', strictQuery(noQuery), async (c) => {
    const series = seriesId.safeParse(c.req.param('series'));
    if (!series.success) return c.html(messagePage('参数错误', '刊物标识无效。', '/'), 400);
    if (!(await knownSeries(series.data)))
      return c.html(messagePage('未找到', `没有名为 ${series.data} 的刊物。`, '/'), 404);
    const issues = await archivedIssues(deps.catalog, series.data, ARCHIVE_MAX + 1);
    const html = await renderHtml(
      'archive',
      archiveView(views(c, issues.slice(0, ARCHIVE_MAX)), {
        series: series.data,
        seriesTitle: titleOf(series.data),
        baseUrl: baseUrl(),
        truncated: issues.length > ARCHIVE_MAX,
        reference: deps.reference,
        now: now(),
        subscriptionsOff: !(deps.subscriptions ?? true),
      }),
    );
    c.header('Cache-Control', 'public, max-age=60');
    return c.html(html);
  });

  /**
   * Search across the released issues of every series: titles, 要目, article text and zone
   * names, from the text each issue got at publish time (no outside service).
   */
  app.get('/search', strictQuery(searchQuery), async (c) => {
    const query = (c.req.query('q') ?? '').trim().slice(0, 100);
    const hits: (IssueView & { seriesTitle: string; snippet?: ReturnType<typeof snippetOf> })[] =
      [];
    if (query) {
      for (const series of deps.reference.series) {
        for (const issue of await publishedIssues(deps.catalog, series.id, ARCHIVE_MAX)) {
          const issueView = view(c, issue);
          const haystack = [
            issueView.title,
            issueView.issueLine,
            ...(issue.contents ?? []).flatMap((s) => [s.section, ...s.titles]),
            issue.searchText ?? '',
          ].join('\n');
          if (!haystack.toLowerCase().includes(query.toLowerCase())) continue;
          hits.push({
            ...issueView,
            seriesTitle: series.title,
            snippet: snippetOf(issue.searchText ?? '', query),
          });
        }
      }
    }
    if (!wantsHtml(c))
      return c.json({
        query,
        hits: hits.map(({ snippet, ...h }) => ({ ...h, ...(snippet ? { snippet } : {}) })),
      });
    const html = await renderHtml('archive', {
      search: true,
      query,
      hits,
      pageTitle: `搜索：${query}`,
      subtitle: '搜索已发布各期',
      baseUrl: baseUrl(),
      nav: seriesNav(deps.reference, baseUrl()),
      footer: seriesFooter(deps.reference.seriesById('torch-bulletin'), now().toISOString()),
    });
    return c.html(html);
  });

  app.get('/bulletins', async (c) => {
    const query = listQuery.safeParse(c.req.query());
    if (!query.success)
      return problem(c, 400, '查询参数 (query parameters) 无效', {
        problems: zodProblems(query.error),
      });
    const { series, limit, cursor } = query.data;
    if (!(await knownSeries(series))) return problem(c, 404, `未知的报告系列 (series) "${series}"`);
    let page;
    try {
      page = await deps.catalog.list(series, {
        limit,
        status: 'published',
        ...(cursor ? { cursor } : {}),
      });
    } catch (err) {
      // The catalog reports an undecodable cursor as not found: for the caller it is a bad parameter.
      if (err instanceof NotFoundError && cursor)
        return problem(c, 400, '翻页游标 (cursor) 无效：请原样传回上一页给出的 cursor');
      throw err;
    }
    const next = page.cursor
      ? `${baseUrl()}/bulletins?series=${series}&limit=${limit}&cursor=${page.cursor}`
      : undefined;
    return c.json({
      series,
      title: titleOf(series),
      items: page.items.map((i) => view(c, i)),
      ...(page.cursor ? { cursor: page.cursor, next } : {}),
    });
  });

  app.get('/bulletins/latest', strictQuery(seriesQuery), async (c) => {
    const series = seriesId.safeParse(c.req.query('series') ?? 'torch-bulletin');
    if (!series.success)
      return problem(c, 400, '查询参数 (query parameters) 无效', {
        problems: zodProblems(series.error),
      });
    const latest = await deps.catalog.latest(series.data);
    if (!latest) return problem(c, 404, `报告系列 "${series.data}" 尚无已发布的一期`);
    return c.json(view(c, latest));
  });

  async function issueOr404(c: Context) {
    const id = c.req.param('id') ?? '';
    if (!parseIssueId(id))
      return {
        response: problem(
          c,
          400,
          `期号 (issue id) "${id.slice(0, 100)}" 格式有误：应为 <系列>-<总期号>，例如 torch-bulletin-551`,
        ),
      };
    const issue = await deps.catalog.get(id);
    if (!issue) return { response: problem(c, 404, `没有期号为 "${id}" 的一期`) };
    return { issue };
  }

  app.get('/bulletins/:id', strictQuery(noQuery), async (c) => {
    const found = await issueOr404(c);
    if (!found.issue) return found.response;
    const issue = found.issue;
    if (!wantsHtml(c)) return c.json(view(c, issue));
    // A browser gets the issue's page: its facts, every edition with its label and 勘误说明.
    if (issue.status === 'withdrawn') return withdrawalPage(c, issue, 200);
    if (issue.status !== 'published')
      return c.html(messagePage('未找到', `没有已发布的 ${issue.id}。`, backLink()), 404);
    const shown = view(c, issue);
    const html = await renderHtml('archive', {
      issuePage: true,
      issue: shown,
      pageTitle: `${shown.title} ${shown.issueLine}`,
      subtitle: `${shown.title} ${shown.issueLine}${shown.editionLabel ? ` · ${shown.editionLabel}` : ''}`,
      seriesTitle: titleOf(issue.series),
      baseUrl: baseUrl(),
      archiveUrl: `${baseUrl()}/series/${issue.series}`,
      nav: seriesNav(deps.reference, baseUrl(), issue.series),
      footer: seriesFooter(deps.reference.seriesById(issue.series), now().toISOString()),
    });
    c.header('Cache-Control', 'public, max-age=60');
    c.header('Vary', 'Accept');
    return c.html(html);
  });

  app.get('/bulletins/:id/download', strictQuery(downloadQuery), async (c) => {
    const found = await issueOr404(c);
    if (!found.issue) return found.response;
    const issue = found.issue;
    if (issue.status === 'withdrawn') {
      if (wantsHtml(c)) return withdrawalPage(c, issue, 410);
      return c.json({ error: `${issue.id} 已撤回`, withdrawal: view(c, issue).withdrawal }, 410);
    }
    if (issue.status !== 'published' || !issue.s3Key)
      return problem(c, 409, `${issue.id} 尚未发布（状态 ${issue.status}）`);
    // ?edition=N: an earlier edition of a corrected issue (the original stays available).
    const asked = c.req.query('edition');
    const edition = asked ? issue.editions?.find((e) => String(e.edition) === asked) : undefined;
    if (asked && !edition) return problem(c, 404, `${issue.id} 没有第 ${asked.slice(0, 10)} 版`);
    const key = edition?.s3Key ?? issue.s3Key;
    // Never hand out bytes that differ from what the catalog recorded at publish time.
    try {
      await verifiedBytes(deps.archive, key, {
        sha256: edition?.sha256 ?? issue.sha256,
        bytes: edition?.bytes ?? issue.bytes,
      });
    } catch (err) {
      if (!(err instanceof TamperedObjectError)) throw err;
      deps.log?.(`拒绝下载 ${issue.id}：${err.message}`);
      return problem(
        c,
        502,
        `存档中 ${issue.id} 的文件与目录记录 (catalog, sha256) 不符，不予提供`,
      );
    }
    const url = await deps.archive.presignDownload(key, {
      fileName: edition?.fileName ?? issue.fileName ?? `${issue.id}.pdf`,
      ttlSeconds: Math.min(deps.config.presignTtlSeconds, 900),
    });
    // A presigned URL lives minutes: no cache may keep the redirect longer.
    c.header('Cache-Control', 'no-store');
    return c.redirect(url, 302);
  });

  /** Makes a cover on its first request; without a maker, a cover not made yet is missing. */
  const coverMaker: CoverMaker =
    deps.makeCover ??
    ((issue) => {
      throw new NotFoundError('cover', `${issue.id} 的封面尚未生成，此处不能生成`);
    });
  /** Serves a stored part of a released issue (its web edition or cover) from the archive. */
  const issuePart = (part: 'web' | 'cover') => async (c: Context) => {
    const found = await issueOr404(c);
    if (!found.issue) return found.response;
    const issue = found.issue;
    // A cover made on its first request (`coverKeys`), or as stored at release (`coverKey`).
    const made = part === 'cover' && issue.status === 'published' ? issue.coverKeys : undefined;
    const key = part === 'web' ? issue.webKey : issue.coverKey;
    // The issue's address stays: a withdrawn issue's explains itself there.
    if (part === 'web' && issue.status === 'withdrawn') return withdrawalPage(c, issue, 200);
    if (issue.status !== 'published' || !(key || made))
      return problem(c, 404, `${issue.id} 没有${PART_WORDS[part]}`);
    const recorded = issue.partsSha256?.[part];
    let bytes: Uint8Array | undefined;
    if (made || recorded) {
      // Never hand out a web edition or cover that differs from what the catalog recorded.
      try {
        // The web edition served decompressed (checked as stored, in the release's parts
        // object or in its own `.html.br` / `.html`).
        bytes = made
          ? await issueCoverBytes({ archive: deps.archive, make: coverMaker }, issue)
          : part === 'web'
            ? await storedPart(deps.archive, key!, 'web', recorded)
            : await verifiedBytes(deps.archive, key!, { sha256: recorded });
      } catch (err) {
        if (err instanceof NotFoundError) return problem(c, 404, err.message);
        if (made && err instanceof RenderError) {
          // Not made this time (the browser, or the cover function, failed or timed out):
          // nothing was recorded, the next request makes it.
          deps.log?.(`未能生成 ${issue.id} 的封面：${err.message}`);
          c.header('Retry-After', '30');
          c.header('Cache-Control', 'no-store');
          return problem(c, 503, `${issue.id} 的封面暂时无法生成，请稍后再试`);
        }
        if (!(err instanceof TamperedObjectError)) throw err;
        deps.log?.(`拒绝提供 ${issue.id} 的${PART_WORDS[part]}：${err.message}`);
        return problem(
          c,
          502,
          `存档中 ${issue.id} 的${PART_WORDS[part]}与目录记录 (catalog, sha256) 不符，不予提供`,
        );
      }
    } else {
      // Released before the catalog recorded it (partsSha256): an empty part is never served.
      bytes = await deps.archive.get(key!);
      if (bytes?.byteLength === 0) bytes = undefined;
      if (bytes && part === 'web') bytes = unpackBytes(key!, bytes);
    }
    if (!bytes) return problem(c, 404, `存档中缺少 ${issue.id} 的${PART_WORDS[part]}`);
    c.header('Cache-Control', 'public, max-age=300');
    c.header('X-Content-Type-Options', 'nosniff');
    if (part === 'cover') {
      c.header('Content-Type', 'image/png');
      return c.body(new Uint8Array(bytes).buffer as ArrayBuffer);
    }
    // The page is self-contained: no script, nothing from elsewhere.
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    c.header('Content-Type', 'text/html; charset=utf-8');
    return c.body(new Uint8Array(bytes).buffer as ArrayBuffer);
  };
  app.get('/bulletins/:id/web', strictQuery(noQuery), issuePart('web'));
  app.get('/bulletins/:id/cover', strictQuery(noQuery), issuePart('cover'));

  /** The data behind a released issue (every printed figure) as CSV or an Excel workbook. */
  const issueData = (format: 'csv' | 'xlsx') => async (c: Context) => {
    const found = await issueOr404(c);
    if (!found.issue) return found.response;
    const issue = found.issue;
    if (issue.status !== 'published' || !issue.dataKeys)
      return problem(c, 404, `${issue.id} 没有数据文件`);
    // Never hand out a data file that differs from what the catalog recorded (the workbook is
    // made and recorded on the first download).
    let bytes: Uint8Array;
    try {
      bytes = await issueDataBytes(deps, issue, format);
    } catch (err) {
      if (err instanceof NotFoundError) return problem(c, 404, err.message);
      if (!(err instanceof TamperedObjectError)) throw err;
      deps.log?.(`拒绝下载 ${issue.id} 的数据文件：${err.message}`);
      return problem(
        c,
        502,
        `存档中 ${issue.id} 的数据文件与目录记录 (catalog, sha256) 不符，不予提供`,
      );
    }
    const names = dataFileNames(issue.fileName ?? `${issue.id}.pdf`);
    c.header('Cache-Control', 'public, max-age=300');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Content-Type', format === 'csv' ? DATA_CSV_TYPE : DATA_XLSX_TYPE);
    c.header(
      'Content-Disposition',
      `attachment; filename="${issue.id}-data.${format}"; filename*=UTF-8''${encodeURIComponent(names[format])}`,
    );
    return c.body(new Uint8Array(bytes).buffer as ArrayBuffer);
  };
  app.get('/bulletins/:id/data.csv', strictQuery(noQuery), issueData('csv'));
  app.get('/bulletins/:id/data.xlsx', strictQuery(noQuery), issueData('xlsx'));

  app.get('/feeds/:file', strictQuery(noQuery), async (c) => {
    const m = /^(.+)\.atom$/.exec(c.req.param('file') ?? '');
    const series = seriesId.safeParse(m?.[1] ?? '');
    if (!m || !series.success)
      return problem(
        c,
        400,
        '订阅源 (feed) 的地址形如 /feeds/<系列>.atom，例如 /feeds/torch-bulletin.atom',
      );
    if (!(await knownSeries(series.data)))
      return problem(c, 404, `未知的报告系列 (series) "${series.data}"`);
    const issues = await archivedIssues(deps.catalog, series.data, ARCHIVE_MAX);
    const definition = deps.reference.seriesById(series.data);
    const body = atomFeed({
      series: series.data,
      seriesTitle: titleOf(series.data),
      author: definition ? issuerOn(definition, now().toISOString()) : titleOf(series.data),
      baseUrl: baseUrl(),
      issues: views(c, issues),
    });
    c.header('Content-Type', 'application/atom+xml; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(body);
  });

  app.post('/reports', async (c) => {
    const principal = await deps.authenticate(c.req.raw);
    if (!principal) {
      c.header('WWW-Authenticate', 'Bearer');
      return problem(c, 401, '需要身份验证：请发送 Authorization: Bearer <token>');
    }
    // After authentication: an anonymous caller learns nothing about the parameters.
    const query = noQuery.safeParse(c.req.query());
    if (!query.success)
      return problem(c, 400, '查询参数 (query parameters) 无效', {
        problems: zodProblems(query.error),
      });
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      return problem(c, 400, '请求体须为 JSON 对象，例如 {"kind":"torch-bulletin"}');
    }
    const body = reportRequestSchema.safeParse(raw);
    if (!body.success)
      return problem(c, 400, '报告请求无效', { problems: zodProblems(body.error) });
    const started = await deps.requestReport(body.data, principal);
    const issue = started.issueId && encodeURIComponent(started.issueId);
    return c.json(
      {
        ...started,
        links: {
          draft: `${baseUrl()}/operator/api/drafts/${encodeURIComponent(started.draftId)}`,
          ...(issue
            ? {
                issue: `${baseUrl()}/bulletins/${issue}`,
                download: `${baseUrl()}/bulletins/${issue}/download`,
              }
            : {}),
        },
      },
      202,
    );
  });

  // Without mail nobody could confirm a subscription: the routes are off (not a stored
  // address and a "mail sent" answer that no mail follows).
  const subscriptionsOn = async (c: Context, next: () => Promise<void>) =>
    (deps.subscriptions ?? true) ? next() : problem(c, 404, '本站未开放订阅：未配置发件地址');
  app.use('/subscriptions', subscriptionsOn);
  app.use('/subscriptions/*', subscriptionsOn);

  app.post('/subscriptions', strictQuery(noQuery), async (c) => {
    const type = c.req.header('content-type') ?? '';
    let raw: unknown;
    try {
      raw = type.includes('application/json') ? await c.req.json() : await c.req.parseBody();
    } catch {
      return problem(c, 400, '请求体须为 JSON {"email","series"} 或表单');
    }
    const body = subscriptionBody.safeParse(raw);
    if (!body.success) {
      if (wantsHtml(c))
        return c.html(messagePage('无法订阅', '请填写有效的电子邮箱地址。', '/'), 400);
      return problem(c, 400, '订阅请求无效', {
        problems: zodProblems(body.error),
      });
    }
    const series = deps.reference.seriesById(body.data.series);
    if (!series) return problem(c, 400, `未知的报告系列 (series) "${body.data.series}"`);
    // A request that may send a mail counts against its client and against its address.
    const byClient = await limits.take('subscribePerClient', clientOf(c));
    if (byClient.retryAfter) return tooMany(c, byClient.retryAfter, '订阅请求');
    const byAddress = await limits.take(
      'subscribePerAddress',
      body.data.email.trim().toLowerCase(),
    );
    if (byAddress.retryAfter) return tooMany(c, byAddress.retryAfter, '对同一邮箱的订阅请求');
    const outcome = await deps.subscribers.subscribe(series.id, body.data.email, { now: now() });
    if (outcome.action === 'confirm' && !baseUrl()) {
      // No configured base URL: a link in the mail would have to come from the request.
      deps.log?.('未发送确认邮件：未设置 BULLETIN_PUBLIC_BASE_URL');
    } else if (outcome.action === 'confirm') {
      try {
        await deps.notifier.send(
          confirmationMessage({
            subscription: outcome.subscription,
            title: series.title,
            publicBaseUrl: baseUrl(),
            series,
            now: now(),
          }),
        );
      } catch (err) {
        // Same answer either way: a different one would tell whether the address is known.
        deps.log?.(
          `发给订阅者 ${outcome.subscription.addressHash.slice(0, 12)} 的确认邮件发送失败：${redact(err instanceof Error ? err.message : String(err))}`,
        );
      }
    }
    const message = '如该邮箱可以订阅，我们已发送确认邮件，请点击邮件中的链接完成订阅。';
    if (wantsHtml(c)) return c.html(messagePage('请查收确认邮件', message, backLink()), 202);
    return c.json({ status: 'accepted', message }, 202);
  });

  /** The outcome of a confirm / unsubscribe for people (HTML) or scripts (JSON). */
  const tokenOutcome = (c: Context, subscription: Subscription) => {
    const title = titleOf(subscription.series);
    const text =
      subscription.status === 'confirmed'
        ? `已确认订阅《${title}》，新一期发布时将通知您。`
        : subscription.status === 'unsubscribed'
          ? `已退订《${title}》的发布通知。`
          : `订阅《${title}》尚未确认。`;
    if (wantsHtml(c)) return c.html(messagePage(`《${title}》`, text, baseUrl()));
    return c.json({ series: subscription.series, status: subscription.status, message: text });
  };

  /** A token from the query: malformed → 400, unknown → 404 (a read, never a change). */
  const lookupToken = async (c: Context) => {
    const token = c.req.query('token') ?? '';
    const back = baseUrl();
    if (!isTokenShaped(token)) {
      if (wantsHtml(c)) return c.html(messagePage('链接无效', '链接不完整或已损坏。', back), 400);
      return problem(c, 400, '缺少令牌 (token) 或其格式有误');
    }
    const subscription = await deps.subscribers.byToken(token);
    if (!subscription) {
      if (wantsHtml(c))
        return c.html(messagePage('链接已失效', '找不到与此链接对应的订阅。', back), 404);
      return problem(c, 404, '没有与此令牌 (token) 对应的订阅（可能已被替换）');
    }
    return { token, subscription };
  };

  /**
   * GET only shows what the link would do, with a button that POSTs it: a mail scanner that
   * prefetches links confirms or unsubscribes nobody. POST acts (and serves RFC 8058
   * one-click unsubscribe from the List-Unsubscribe header).
   */
  const tokenPage = (action: 'confirm' | 'unsubscribe') => async (c: Context) => {
    const found = await lookupToken(c);
    if (found instanceof Response) return found;
    const { token, subscription } = found;
    const title = titleOf(subscription.series);
    const done =
      (action === 'confirm' && subscription.status === 'confirmed') ||
      (action === 'unsubscribe' && subscription.status === 'unsubscribed');
    if (done || !wantsHtml(c)) {
      if (done) return tokenOutcome(c, subscription);
      return c.json({
        series: subscription.series,
        status: subscription.status,
        action,
        method: 'POST',
        message: `请以 POST 请求此地址以${action === 'confirm' ? '确认订阅' : '退订'}`,
      });
    }
    const [heading, text, button] =
      action === 'confirm'
        ? [
            `确认订阅《${title}》`,
            `点击下面的按钮，确认用此邮箱订阅《${title}》的新一期发布通知。`,
            '确认订阅',
          ]
        : [`退订《${title}》`, `点击下面的按钮，不再接收《${title}》的发布通知。`, '确认退订'];
    return c.html(
      actionPage(
        heading,
        text,
        button,
        `/subscriptions/${action}?token=${encodeURIComponent(token)}`,
        baseUrl(),
      ),
    );
  };

  const tokenAction = (action: 'confirm' | 'unsubscribe') => async (c: Context) => {
    const found = await lookupToken(c);
    if (found instanceof Response) return found;
    const subscription =
      action === 'confirm'
        ? await deps.subscribers.confirm(found.token, now())
        : await deps.subscribers.unsubscribe(found.token, now());
    if (!subscription) return problem(c, 404, '没有与此令牌 (token) 对应的订阅（可能已被替换）');
    return tokenOutcome(c, subscription);
  };

  /** A POST to a token route may carry the one-click form field and nothing else. */
  const strictTokenBody = async (
    c: Context,
    next: () => Promise<void>,
  ): Promise<Response | void> => {
    let raw: unknown = {};
    try {
      if ((c.req.header('content-length') ?? '0') !== '0' || c.req.header('transfer-encoding'))
        raw = await c.req.parseBody();
    } catch {
      return problem(c, 400, '请求体须为空或表单');
    }
    const parsed = tokenBody.safeParse(raw);
    if (!parsed.success)
      return problem(c, 400, '请求体无效', { problems: zodProblems(parsed.error) });
    await next();
  };

  app.get('/subscriptions/confirm', strictQuery(tokenQuery), tokenPage('confirm'));
  app.post(
    '/subscriptions/confirm',
    strictQuery(tokenQuery),
    strictTokenBody,
    tokenAction('confirm'),
  );
  app.get('/subscriptions/unsubscribe', strictQuery(tokenQuery), tokenPage('unsubscribe'));
  // RFC 8058 one-click unsubscribe from the List-Unsubscribe header.
  app.post(
    '/subscriptions/unsubscribe',
    strictQuery(tokenQuery),
    strictTokenBody,
    tokenAction('unsubscribe'),
  );

  return app;
}
