/**
 * The editor's console at `/console`: server-rendered Chinese pages (Hono + Handlebars) that
 * run the editorial cycle with JavaScript off. Every page but the sign-in needs a person
 * (a local account's session, or on AWS the identity provider's token); every POST needs the
 * person's CSRF token; each action is checked against the person's role (core/desk.ts) and
 * recorded with who, when and what. How to add a page: see ./kit.ts.
 */
import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context, type Hono as HonoApp } from 'hono';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts';
import { consoleCss } from './render.ts';
import { createKit, type ConsoleDeps, type ConsoleEnv, type ConsolePage } from './kit.ts';
import { localIdentity } from './login.ts';
import { draftsPage } from './drafts.ts';
import { correctionsPage, issuesPage } from './issues.ts';
import { accountsPage, recordPage, runsPage } from './runs.ts';
import { schedulesPage } from './schedules.ts';
import { subscribersPage } from './subscribers.ts';

export type { ConsoleDeps } from './kit.ts';

/** The pages in navigation order. */
const PAGES: ConsolePage[] = [
  draftsPage,
  issuesPage,
  correctionsPage,
  runsPage,
  schedulesPage,
  subscribersPage,
  recordPage,
  accountsPage,
];

const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Adds `/console/**` to the API app. */
export function mountConsole(parent: HonoApp, deps: ConsoleDeps): void {
  const app = new Hono<ConsoleEnv>();
  const kit = createKit(
    deps,
    PAGES.map((p) => p.nav),
  );
  const identity = deps.identity ?? localIdentity();

  app.get('/console/console.css', async (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(await consoleCss());
  });
  app.use('/console/*', async (c, next) => {
    // Nothing from elsewhere, no script; forms post here only; the draft PDF frames from here.
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'",
    );
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'same-origin');
    await next();
  });

  const open = new Set([
    '/console/login',
    '/console/logout',
    '/console/console.css',
    '/console/auth/callback',
  ]);
  const guard = async (c: Context<ConsoleEnv>, next: () => Promise<void>) => {
    const path = new URL(c.req.url).pathname;
    if (open.has(path)) return next();
    const person = await identity.person(c);
    if (!person) {
      if (c.req.method !== 'GET') return c.text('请先登录 (sign in first)', 401);
      const here = `${path}${new URL(c.req.url).search}`;
      return c.redirect(`/console/login?next=${encodeURIComponent(here)}`, 303);
    }
    c.set('person', person);
    if (c.req.method === 'POST') {
      const body = await c.req.parseBody();
      const token = typeof body['_csrf'] === 'string' ? body['_csrf'] : '';
      if (!same(token, person.csrf))
        return kit.page(
          c,
          'error',
          {
            pageTitle: '表单已失效',
            message: '此表单缺少有效的校验码（CSRF token），操作未执行。请返回页面重新提交。',
          },
          403,
        );
    }
    await next();
  };
  app.use('/console', guard);
  app.use('/console/*', guard);
  // Sign-in and sign-out (sign-out goes through the guard: it needs the person's CSRF token).
  identity.mount(app, kit);

  app.onError((err, c) => {
    const status =
      err instanceof ValidationError
        ? 400
        : err instanceof NotFoundError
          ? 404
          : err instanceof ConflictError
            ? 409
            : 500;
    if (status === 500)
      deps.log?.(
        `控制台 (console) ${c.req.method} ${new URL(c.req.url).pathname} 失败：${err.message}`,
      );
    // The reason, for the editor (a blocked release names the article and the figure); the
    // module tag (`[lifecycle] `) is for logs.
    const detail = status === 500 ? undefined : err.message.replace(/^\[[\w-]+\]\s*/, '');
    return kit.page(
      c,
      'error',
      {
        pageTitle: { 400: '输入有误', 404: '未找到', 409: '无法执行', 500: '出错了' }[status],
        message:
          status === 500
            ? '处理请求时出错，已记入日志。请稍后重试。'
            : status === 409
              ? '此操作现在不能执行，未作任何更改。'
              : status === 404
                ? '找不到所请求的内容。'
                : '提交的内容有误，未作任何更改。',
        ...(detail ? { detail } : {}),
      },
      status,
    );
  });

  app.get('/console', (c) => c.redirect('/console/drafts', 302));
  for (const page of PAGES) page.mount(app, kit);
  // Any other address under /console: a console page that says so (not the API's JSON 404).
  app.get('/console/*', (c) =>
    kit.page(
      c,
      'error',
      { pageTitle: '未找到', message: '编辑部没有这个页面，请从上方栏目进入。', back: '/console' },
      404,
    ),
  );
  parent.route('/', app);
}
