/**
 * The console's AWS sign-in path without AWS: a test issuer on loopback (its JWKS and token
 * endpoint) signs ID tokens as a Cognito user pool would. Tokens reach the console's routes, the
 * group claim decides what each may do, a foreign or expired token is refused, the HTTP API's
 * authorizer (the API function's REQUEST-authorizer entry) agrees, and the hosted sign-in's
 * authorization code with PKCE ends with the token in an HttpOnly SameSite=Strict cookie.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../../functions/api/app.ts';
import { afterSignIn, tokenIdentity } from '../../functions/api/console/token-sign-in.ts';
import { createTokenVerifier } from '../../functions/app/console-auth.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import { authorizeConsole } from '#handlers/api.ts';
import { publishDeps, startTestStores, type TestStores } from '#tests/support/stores.ts';
import { createTinyRenderer } from '#tests/support/tiny-renderer.ts';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';

const CLIENT = 'test-console-client';

describe('the console behind an identity provider (JWT)', () => {
  let stores: TestStores;
  let issuerServer: Server;
  let issuer = '';
  let key: CryptoKey;
  let foreignKey: CryptoKey;
  let app: ReturnType<typeof createApiApp>;
  /** The code challenge the authorize step sent, and the token the code is exchanged for. */
  let challenge = '';
  let exchanged = '';

  const token = (
    groups: string[],
    opts: { signer?: CryptoKey; exp?: string | number; aud?: string } = {},
  ) =>
    new SignJWT({
      'cognito:groups': groups,
      'cognito:username': `user-${groups.join('-') || 'none'}`,
      token_use: 'id',
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setIssuer(issuer)
      .setAudience(opts.aud ?? CLIENT)
      .setSubject(`sub-${groups.join('-')}`)
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '1h')
      .sign(opts.signer ?? key);

  beforeAll(async () => {
    ({ privateKey: key } = await generateKeyPair('RS256'));
    const pair = await generateKeyPair('RS256', { extractable: true });
    key = pair.privateKey;
    foreignKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    issuerServer = createServer((req, res) => {
      if (req.url === '/.well-known/jwks.json') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [jwk] }));
        return;
      }
      if (req.url === '/oauth2/token' && req.method === 'POST') {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          const form = new URLSearchParams(body);
          const verifier = form.get('code_verifier') ?? '';
          const ok =
            form.get('code') === 'the-code' &&
            form.get('client_id') === CLIENT &&
            createHash('sha256').update(verifier).digest('base64url') === challenge;
          res.statusCode = ok ? 200 : 400;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(ok ? { id_token: exchanged } : { error: 'invalid_grant' }));
        });
        return;
      }
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((ok) => issuerServer.listen(0, '127.0.0.1', () => ok()));
    issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
    Object.assign(process.env, {
      BULLETIN_CONSOLE_ISSUER: issuer,
      BULLETIN_CONSOLE_CLIENT_ID: CLIENT,
      BULLETIN_CONSOLE_SIGNIN_URL: issuer,
    });

    const renderer = createTinyRenderer();
    stores = await startTestStores({ renderer });
    const s = stores.services;
    const settings = {
      issuer,
      clientId: CLIENT,
      signInUrl: issuer,
      jwksUrl: `${issuer}/.well-known/jwks.json`,
    };
    app = createApiApp({
      catalog: s.catalog,
      archive: s.archive,
      subscribers: s.subscribers,
      notifier: s.notifier,
      reference: s.reference,
      config: s.config,
      authenticate: async () => undefined,
      async requestReport() {
        throw new Error('not used here');
      },
      console: {
        lifecycle: lifecycleDepsOf(publishDeps(s, renderer, stores.dir)),
        desk: s.desk,
        subscribers: s.subscribers,
        notifier: s.notifier,
        reference: s.reference,
        series: ['torch-bulletin'],
        timeZone: s.config.timeZone,
        presignTtlSeconds: 60,
        publicBaseUrl: () => 'https://bulletin.example.cn',
        identity: tokenIdentity({ settings, verify: createTokenVerifier(settings) }),
      },
    });
  }, 120_000);

  afterAll(async () => {
    for (const k of [
      'BULLETIN_CONSOLE_ISSUER',
      'BULLETIN_CONSOLE_CLIENT_ID',
      'BULLETIN_CONSOLE_SIGNIN_URL',
    ])
      delete process.env[k];
    issuerServer?.closeAllConnections();
    await new Promise((r) => issuerServer?.close(r));
    await stores?.stop();
  });

  const get = (path: string, jwt?: string) =>
    app.request(path, { headers: jwt ? { cookie: `bulletin_id=${jwt}` } : {} });

  it('lets a token of a role group in, and the group decides what it may do', async () => {
    const editor = await get('/console/accounts', await token(['editor']));
    expect(editor.status).toBe(403); // accounts are the 管理员's
    const admin = await get('/console/accounts', await token(['admin']));
    expect(admin.status).toBe(200);
    expect(await admin.text()).toContain('user-admin（管理员）');
    const reviewerJwt = await token(['reviewer']);
    const page = await get('/console/drafts', reviewerJwt);
    expect(page.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const release = await app.request('/console/drafts/torch-bulletin-d0123456789/release', {
      method: 'POST',
      headers: {
        cookie: `bulletin_id=${reviewerJwt}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ _csrf: csrf, when: 'now' }).toString(),
    });
    expect(release.status).toBe(403);
  });

  it('refuses a foreign, expired, wrong-audience or group-less token', async () => {
    for (const jwt of [
      await token(['admin'], { signer: foreignKey }),
      await token(['admin'], { exp: Math.floor(Date.now() / 1000) - 60 }),
      await token(['admin'], { aud: 'another-client' }),
      await token([]),
    ]) {
      const res = await get('/console/drafts', jwt);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/^\/console\/login/);
    }
  });

  it('the HTTP API authorizer agrees with the console', async () => {
    const event = (jwt: string) =>
      ({
        type: 'REQUEST',
        routeArn: 'arn:aws:execute-api:cn-north-1:1:api/$default/GET/console/drafts',
        routeKey: 'GET /console/{proxy+}',
        cookies: ['other=1', `bulletin_id=${jwt}`],
        headers: {},
      }) as unknown as APIGatewayRequestAuthorizerEventV2;
    expect(await authorizeConsole(event(await token(['editor'])))).toEqual({
      isAuthorized: true,
      context: { name: 'user-editor', role: 'editor' },
    });
    expect(
      (await authorizeConsole(event(await token(['editor'], { signer: foreignKey })))).isAuthorized,
    ).toBe(false);
    expect((await authorizeConsole(event(await token(['nobody'])))).isAuthorized).toBe(false);
  });

  it('signs in through the hosted page: authorization code with PKCE, the token kept HttpOnly SameSite=Strict', async () => {
    const start = await app.request('/console/login');
    expect(start.status).toBe(302);
    const to = new URL(start.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(`${issuer}/oauth2/authorize`);
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('redirect_uri')).toBe(
      'https://bulletin.example.cn/console/auth/callback',
    );
    challenge = to.searchParams.get('code_challenge')!;
    const pkce = start.headers.getSetCookie().find((c) => c.startsWith('bulletin_pkce='))!;
    expect(pkce).toMatch(/HttpOnly/);
    exchanged = await token(['editor']);
    const state = to.searchParams.get('state')!;
    // A forged state is refused before any exchange.
    const forged = await app.request(`/console/auth/callback?code=the-code&state=forged`, {
      headers: { cookie: pkce.split(';')[0]! },
    });
    expect(forged.status).toBe(400);
    const back = await app.request(`/console/auth/callback?code=the-code&state=${state}`, {
      headers: { cookie: pkce.split(';')[0]! },
    });
    expect(back.status).toBe(200);
    const id = back.headers.getSetCookie().find((c) => c.startsWith('bulletin_id='))!;
    expect(id).toContain(exchanged);
    expect(id).toMatch(/HttpOnly/);
    expect(id).toMatch(/SameSite=Strict/);
    expect(id).toMatch(/Secure/);
    expect(await back.text()).toContain('url=/console/drafts');
    expect((await get('/console/drafts', exchanged)).status).toBe(200);
  });

  it('a signed-out deep link goes to the sign-in and, signed in, back to the page it asked for', async () => {
    const deep = '/console/schedules?id=monthly-bulletin';
    const out = await app.request(deep);
    expect(out.status).toBe(303);
    const login = out.headers.get('location')!;
    expect(login).toBe(`/console/login?next=${encodeURIComponent(deep)}`);
    const start = await app.request(login);
    expect(start.status).toBe(302);
    const to = new URL(start.headers.get('location')!);
    challenge = to.searchParams.get('code_challenge')!;
    exchanged = await token(['admin']);
    const pkce = start.headers.getSetCookie().find((c) => c.startsWith('bulletin_pkce='))!;
    const back = await app.request(
      `/console/auth/callback?code=the-code&state=${to.searchParams.get('state')}`,
      { headers: { cookie: pkce.split(';')[0]! } },
    );
    expect(back.status).toBe(200);
    expect(await back.text()).toContain(`url=${deep}"`);
    // Another site, or a path outside the console, is never where a sign-in lands.
    for (const next of [
      '//evil.example/console',
      'https://evil.example/',
      '/bulletins',
      '/console/"x',
    ])
      expect(afterSignIn(next)).toBe('/console/drafts');
  });
});
