/**
 * Signing in through the identity provider's hosted page (AWS: Cognito), authorization code
 * with PKCE: `/console/login` redirects there with a code challenge (its verifier and the state
 * in a short-lived cookie); `/console/auth/callback` exchanges the code for the ID token, checks
 * it and keeps it in an HttpOnly, SameSite=Strict cookie that every console request (and the
 * HTTP API's authorizer) verifies. The CSRF token of a person is derived from their token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ConsoleAuthConfig } from '../../config.ts';
import { cookieValue, type TokenVerifier } from '../../app/console-auth.ts';
import type { ConsoleContext, ConsoleIdentity, ConsoleKit, Person } from './kit.ts';

export const ID_COOKIE = 'bulletin_id';
const PKCE_COOKIE = 'bulletin_pkce';

const b64url = (b: Buffer) => b.toString('base64url');
const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * Where to go after signing in: a console page of this site (`next`), else the drafts. Only a
 * path of plain characters under `/console` — never another site (`//host`), nothing to escape.
 */
export function afterSignIn(next: string | undefined): string {
  return next && /^\/console(\/[A-Za-z0-9._~%/-]*)?(\?[A-Za-z0-9._~%=&+-]*)?$/.test(next)
    ? next
    : '/console/drafts';
}

/** The ID token of a request: its cookie, or `Authorization: Bearer` (scripts, tests). */
export function idTokenOf(req: Request): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.get('authorization') ?? '')?.[1];
  return bearer ?? cookieValue(req.headers.get('cookie') ?? undefined, ID_COOKIE);
}

export function tokenIdentity(opts: {
  settings: ConsoleAuthConfig;
  verify: TokenVerifier;
  /** The token endpoint is called with this (tests: the loopback issuer). */
  fetch?: typeof fetch;
}): ConsoleIdentity {
  const { settings, verify } = opts;
  const post = opts.fetch ?? fetch;
  let kit: ConsoleKit;
  const base = (c: ConsoleContext) =>
    (kit.deps.publicBaseUrl?.() || new URL(c.req.url).origin).replace(/\/+$/, '');
  const redirectUri = (c: ConsoleContext) => `${base(c)}/console/auth/callback`;
  const secure = (c: ConsoleContext) => base(c).startsWith('https:');
  return {
    async person(c): Promise<Person | undefined> {
      const token = idTokenOf(c.req.raw);
      const who = token ? await verify(token) : undefined;
      return who
        ? { name: who.name, role: who.role, csrf: b64url(sha256(`csrf:${token}`)).slice(0, 32) }
        : undefined;
    },
    mount(app, k) {
      kit = k;
      app.get('/console/login', (c) => {
        const verifier = b64url(randomBytes(32));
        const state = b64url(randomBytes(16));
        // Lax: the provider's redirect back is a cross-site navigation.
        // The page a signed-out deep link asked for comes back with the state.
        const next = b64url(Buffer.from(afterSignIn(c.req.query('next'))));
        setCookie(c, PKCE_COOKIE, `${state}.${verifier}.${next}`, {
          httpOnly: true,
          sameSite: 'Lax',
          path: '/console/auth',
          secure: secure(c),
          maxAge: 600,
        });
        const q = new URLSearchParams({
          response_type: 'code',
          client_id: settings.clientId,
          redirect_uri: redirectUri(c),
          scope: 'openid email profile',
          state,
          code_challenge: b64url(sha256(verifier)),
          code_challenge_method: 'S256',
        });
        return c.redirect(`${settings.signInUrl}/oauth2/authorize?${q}`, 302);
      });

      app.get('/console/auth/callback', async (c) => {
        const [state, verifier, next] = (getCookie(c, PKCE_COOKIE) ?? '').split('.');
        const landing = afterSignIn(Buffer.from(next ?? '', 'base64url').toString('utf8'));
        const code = c.req.query('code') ?? '';
        const failed = (message: string) =>
          kit.page(c, 'error', { pageTitle: '登录未完成', message, back: '/console/login' }, 400);
        if (
          !state ||
          !verifier ||
          c.req.query('state') !== state ||
          !/^[A-Za-z0-9_-]{1,512}$/.test(code)
        )
          return failed('登录链接已失效或不完整，请重新登录。');
        const res = await post(`${settings.signInUrl}/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            client_id: settings.clientId,
            code,
            redirect_uri: redirectUri(c),
            code_verifier: verifier,
          }).toString(),
        });
        const body = (await res.json().catch(() => ({}))) as { id_token?: unknown };
        const token = res.ok && typeof body.id_token === 'string' ? body.id_token : undefined;
        const who = token ? await verify(token) : undefined;
        if (!token || !who)
          return failed('身份提供方未给出有效身份，或您的账号不在审阅、编辑、管理员任一组中。');
        deleteCookie(c, PKCE_COOKIE, { path: '/console/auth' });
        setCookie(c, ID_COOKIE, token, {
          httpOnly: true,
          sameSite: 'Strict',
          path: '/console',
          secure: secure(c),
          maxAge: Math.max(60, who.exp - Math.floor(Date.now() / 1000)),
        });
        // A page, not a redirect: after the provider's cross-site redirect a SameSite=Strict
        // cookie is sent only on a navigation that starts here.
        c.header('Cache-Control', 'no-store');
        return c.html(
          `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${landing}"><title>已登录</title><link rel="stylesheet" href="/console/console.css"></head><body><main class="wrap"><h1>已登录</h1><p><a href="${landing}">进入编辑部</a></p></main></body></html>`,
        );
      });

      app.post('/console/logout', (c) => {
        deleteCookie(c, ID_COOKIE, { path: '/console' });
        const q = new URLSearchParams({
          client_id: settings.clientId,
          logout_uri: `${base(c)}/console/login`,
        });
        return c.redirect(`${settings.signInUrl}/logout?${q}`, 303);
      });
    },
  };
}
