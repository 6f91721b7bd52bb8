/**
 * Signing in with a local account (`bulletin users add`): the login form (with a CSRF token of
 * its own, a cookie it is compared with), throttling per account and per address, the session
 * cookie (HttpOnly, SameSite=Strict, path `/console`; Secure over https) and signing out.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { login, logout, sessionOf, SESSION_MS } from '../../app/desk.ts';
import type { ConsoleContext, ConsoleIdentity, ConsoleKit, ConsoleApp, Person } from './kit.ts';
import { addressOf, safeNext } from './http.ts';

export const SESSION_COOKIE = 'bulletin_session';
const LOGIN_COOKIE = 'bulletin_login';

const loginForm = z.object({
  name: z.string().trim().min(1, '请输入账号名').max(64, '账号名过长'),
  password: z.string().min(1, '请输入密码').max(200, '密码过长'),
  next: z.string().optional(),
});

const secure = (c: ConsoleContext) => new URL(c.req.url).protocol === 'https:';

const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Local accounts and sessions in the desk store. */
export function localIdentity(): ConsoleIdentity {
  let kit: ConsoleKit;
  return {
    async person(c): Promise<Person | undefined> {
      const s = await sessionOf(kit.deps.desk, getCookie(c, SESSION_COOKIE), kit.now());
      return s ? { name: s.account, role: s.role, csrf: s.csrf } : undefined;
    },
    mount(app: ConsoleApp, k: ConsoleKit) {
      kit = k;
      const form = (c: ConsoleContext, view: object, status: 200 | 400 | 429 = 200) => {
        const token = randomBytes(24).toString('base64url');
        setCookie(c, LOGIN_COOKIE, token, {
          httpOnly: true,
          sameSite: 'Strict',
          path: '/console',
          secure: secure(c),
          maxAge: 3600,
        });
        return kit.page(c, 'login', { pageTitle: '登录', loginToken: token, ...view }, status);
      };
      app.get('/console/login', (c) =>
        form(c, {
          next: safeNext(c.req.query('next')),
          // Signed out: say so, so that the person knows the session is closed.
          ...(c.req.query('done') === 'signed-out' ? { banner: '已退出编辑部。' } : {}),
        }),
      );
      app.post('/console/login', async (c) => {
        const raw = await c.req.parseBody();
        const posted = typeof raw['_csrf'] === 'string' ? raw['_csrf'] : '';
        const expected = getCookie(c, LOGIN_COOKIE) ?? '';
        if (!expected || !same(posted, expected))
          return kit.page(
            c,
            'error',
            {
              pageTitle: '表单已失效',
              message: '登录表单缺少有效的校验码（CSRF token），请重新打开登录页。',
              back: '/console/login',
            },
            403,
          );
        const parsed = await kit.form(c, loginForm);
        const next = safeNext(typeof raw['next'] === 'string' ? raw['next'] : undefined);
        if ('errors' in parsed)
          return form(c, { errors: parsed.errors, name: raw['name'], next }, 400);
        const outcome = await login(kit.deps.desk, {
          name: parsed.data.name,
          password: parsed.data.password,
          address: addressOf(c),
          now: kit.now(),
        });
        if (!outcome.ok) {
          const throttled = outcome.reason === 'throttled';
          if (throttled) c.header('Retry-After', String(outcome.retryAfterSeconds));
          return form(
            c,
            {
              errors: [
                {
                  field: throttled ? 'name' : 'password',
                  message: throttled
                    ? `登录失败次数过多，请 ${outcome.retryAfterSeconds} 秒后再试`
                    : '账号名或密码不正确',
                },
              ],
              name: parsed.data.name,
              next,
            },
            throttled ? 429 : 400,
          );
        }
        deleteCookie(c, LOGIN_COOKIE, { path: '/console' });
        setCookie(c, SESSION_COOKIE, outcome.cookie, {
          httpOnly: true,
          sameSite: 'Strict',
          path: '/console',
          secure: secure(c),
          maxAge: Math.floor(SESSION_MS / 1000),
        });
        return c.redirect(next, 303);
      });
      app.post('/console/logout', async (c) => {
        await logout(kit.deps.desk, getCookie(c, SESSION_COOKIE));
        deleteCookie(c, SESSION_COOKIE, { path: '/console' });
        return c.redirect('/console/login?done=signed-out', 303);
      });
    },
  };
}
