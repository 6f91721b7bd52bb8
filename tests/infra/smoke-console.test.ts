/**
 * `npm run smoke`'s console sign-in (infra/smoke-console.ts) without AWS: the real
 * `CognitoIdentityProviderClient` against a loopback Cognito (its JSON 1.1 protocol for the three
 * calls: DescribeUserPoolClient, AdminInitiateAuth, AdminRespondToAuthChallenge) that checks the
 * secret hash and the TOTP code with its own RFC 4226/6238 arithmetic (not otplib's), and signs
 * the ID token with a test issuer's key; then the console page is opened through the real API
 * Lambda (behind a loopback HTTP API) configured as the stack configures it, the smoke client
 * accepted beside the console's own.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as apiHandler } from '#handlers/api.ts';
import { resetRuntime, useRuntime } from '#handlers/runtime.ts';
import { serveLambda } from '#tests/support/api-gateway.ts';
import { startTestStores, type TestStores } from '#tests/support/stores.ts';
import { createTinyRenderer } from '#tests/support/tiny-renderer.ts';
import {
  checkConsolePage,
  cognitoFor,
  consoleIdToken,
  type ConsoleSmokeUser,
} from '../../infra/smoke-console.ts';
import { runSmoke, smokeUserOf } from '../../infra/smoke.ts';
import { createTokenVerifier } from '../../functions/app/console-auth.ts';

vi.hoisted(() => {
  process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';
  process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
});

const POOL = 'cn-north-1_SmokeTest1';
const CONSOLE_CLIENT = 'consoleclient0001';
const SMOKE_CLIENT = 'smokeclient000001';
const CLIENT_SECRET = 'smoke-client-secret-0123456789';
const USER: Omit<ConsoleSmokeUser, 'userPoolId' | 'clientId'> = {
  username: 'smoke.editor',
  password: 'Correct-Horse-9!',
  totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
};

/** RFC 4648 Base32 → bytes (the authenticator secret). */
function base32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of text.replace(/=+$/, ''))
    bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const bytes = bits.match(/.{8}/g) ?? [];
  return Buffer.from(bytes.map((b) => parseInt(b, 2)));
}

/** RFC 6238 TOTP (SHA-1, 30 s, 6 digits) at time step `step`. */
function totpAt(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

describe('npm run smoke: the console sign-in with a test user', () => {
  const savedEnv = { ...process.env };
  let stores: TestStores;
  let issuerServer: Server;
  let cognitoServer: Server;
  let site: Server;
  let key: CryptoKey;
  let issuer = '';
  let cognitoUrl = '';
  let siteUrl = '';
  const calls: string[] = [];

  const idToken = (aud: string) =>
    new SignJWT({
      'cognito:groups': ['editor'],
      'cognito:username': USER.username,
      token_use: 'id',
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(issuer)
      .setAudience(aud)
      .setSubject('sub-smoke')
      .setIssuedAt()
      .setExpirationTime('15m')
      .sign(key);

  /** Cognito's AWS JSON 1.1 answers; what a real pool checks, it checks. */
  async function cognito(target: string, body: Record<string, unknown>) {
    const fail = (type: string, message: string) => ({
      status: 400,
      json: { __type: type, message },
    });
    const hash = (user: string) =>
      createHmac('sha256', CLIENT_SECRET)
        .update(user + SMOKE_CLIENT)
        .digest('base64');
    if (body['UserPoolId'] !== POOL)
      return fail('ResourceNotFoundException', 'User pool does not exist.');
    if (body['ClientId'] !== SMOKE_CLIENT)
      return fail('ResourceNotFoundException', 'Client does not exist.');
    switch (target) {
      case 'DescribeUserPoolClient':
        return {
          status: 200,
          json: {
            UserPoolClient: {
              ClientId: SMOKE_CLIENT,
              ClientSecret: CLIENT_SECRET,
              UserPoolId: POOL,
            },
          },
        };
      case 'AdminInitiateAuth': {
        const p = body['AuthParameters'] as Record<string, string>;
        if (body['AuthFlow'] !== 'ADMIN_USER_PASSWORD_AUTH')
          return fail('InvalidParameterException', 'Auth flow not enabled for this client');
        if (p['SECRET_HASH'] !== hash(p['USERNAME'] ?? ''))
          return fail('NotAuthorizedException', 'Client secret hash does not match');
        if (p['USERNAME'] !== USER.username || p['PASSWORD'] !== USER.password)
          return fail('NotAuthorizedException', 'Incorrect username or password.');
        return {
          status: 200,
          json: {
            ChallengeName: 'SOFTWARE_TOKEN_MFA',
            Session: 'session-1',
            ChallengeParameters: { USER_ID_FOR_SRP: USER.username },
          },
        };
      }
      case 'AdminRespondToAuthChallenge': {
        const r = body['ChallengeResponses'] as Record<string, string>;
        if (body['ChallengeName'] !== 'SOFTWARE_TOKEN_MFA' || body['Session'] !== 'session-1')
          return fail('NotAuthorizedException', 'Invalid session for the user.');
        if (r['SECRET_HASH'] !== hash(r['USERNAME'] ?? ''))
          return fail('NotAuthorizedException', 'Client secret hash does not match');
        const step = Math.floor(Date.now() / 30_000);
        const valid = [step - 1, step, step + 1].map((s) => totpAt(USER.totpSecret, s));
        if (!valid.includes(r['SOFTWARE_TOKEN_MFA_CODE'] ?? ''))
          return fail('CodeMismatchException', 'Invalid code received for user');
        return {
          status: 200,
          json: {
            AuthenticationResult: {
              IdToken: await idToken(SMOKE_CLIENT),
              AccessToken: 'a',
              ExpiresIn: 900,
              TokenType: 'Bearer',
            },
          },
        };
      }
      default:
        return fail('UnknownOperationException', target);
    }
  }

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    key = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    issuerServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((ok) => issuerServer.listen(0, '127.0.0.1', () => ok()));
    issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
    cognitoServer = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '').replace(
          'AWSCognitoIdentityProviderService.',
          '',
        );
        calls.push(target);
        void cognito(target, JSON.parse(raw || '{}') as Record<string, unknown>).then(
          ({ status, json }) => {
            res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
            res.end(JSON.stringify(json));
          },
        );
      });
    });
    await new Promise<void>((ok) => cognitoServer.listen(0, '127.0.0.1', () => ok()));
    cognitoUrl = `http://127.0.0.1:${(cognitoServer.address() as AddressInfo).port}`;

    // The API function as the stack configures it (infra/stack.ts: BULLETIN_CONSOLE_*).
    const env = {
      BULLETIN_CONSOLE_ISSUER: issuer,
      BULLETIN_CONSOLE_CLIENT_ID: CONSOLE_CLIENT,
      BULLETIN_CONSOLE_SMOKE_CLIENT_ID: SMOKE_CLIENT,
      BULLETIN_CONSOLE_SIGNIN_URL: issuer,
    };
    Object.assign(process.env, env);
    stores = await startTestStores({ env, renderer: createTinyRenderer() });
    await resetRuntime();
    useRuntime({ services: stores.services });
    ({ url: siteUrl, server: site } = await serveLambda(apiHandler));
  }, 120_000);

  afterAll(async () => {
    await resetRuntime();
    await stores?.stop();
    for (const s of [issuerServer, cognitoServer, site]) {
      s?.closeAllConnections();
      await new Promise((r) => s?.close(r));
    }
    process.env = savedEnv;
  });

  const user = (over: Partial<ConsoleSmokeUser> = {}): ConsoleSmokeUser => ({
    userPoolId: POOL,
    clientId: SMOKE_CLIENT,
    ...USER,
    ...over,
  });
  const signIn = async (u: ConsoleSmokeUser) => {
    const client = cognitoFor(u.userPoolId, cognitoUrl);
    try {
      return await consoleIdToken(client, u);
    } finally {
      client.destroy();
    }
  };

  it('signs in with password and TOTP through the smoke client, and the console opens a page with the token', async () => {
    calls.length = 0;
    const token = await signIn(user());
    expect(calls).toEqual([
      'DescribeUserPoolClient',
      'AdminInitiateAuth',
      'AdminRespondToAuthChallenge',
    ]);
    await expect(checkConsolePage(new URL(`${siteUrl}/`), token)).resolves.toBeUndefined();
    // Without a token the same page is the sign-in, which the check refuses.
    await expect(checkConsolePage(new URL(`${siteUrl}/`), 'not-a-token')).rejects.toThrow(
      /→ 303 \/console\/login/,
    );
  });

  it('runSmoke signs in and opens the console page right after the archive page', async () => {
    const lines: string[] = [];
    // The loopback API has no report queue: the smoke run stops at the report, after the console.
    await expect(
      runSmoke({
        baseUrl: siteUrl,
        console: { ...user(), endpoint: cognitoUrl },
        embargoSeconds: 0,
        log: (l) => lines.push(l),
      }),
    ).rejects.toThrow(/smoke step "request a report" failed/);
    expect(lines.map((l) => l.replace(/ \(\d+ ms\)$/, ''))).toEqual([
      '✓ archive page',
      `✓ console: sign in as ${USER.username} (user pool, password and TOTP)`,
      '✓ console: a page with the ID token',
    ]);
  });

  it('fails, saying why, on a wrong password or a wrong authenticator secret', async () => {
    await expect(signIn(user({ password: 'Wrong-Password-1!' }))).rejects.toThrow(
      /Incorrect username or password/,
    );
    await expect(signIn(user({ totpSecret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' }))).rejects.toThrow(
      /Invalid code/,
    );
  });

  it("the console accepts the smoke client's ID tokens only when the stack names that client", async () => {
    const token = await idToken(SMOKE_CLIENT);
    const settings = {
      issuer,
      clientId: CONSOLE_CLIENT,
      jwksUrl: `${issuer}/.well-known/jwks.json`,
    };
    expect(await createTokenVerifier(settings)(token)).toBeUndefined();
    expect(
      await createTokenVerifier({ ...settings, otherClientIds: [SMOKE_CLIENT] })(token),
    ).toMatchObject({
      name: USER.username,
      role: 'editor',
    });
  });

  it('takes the test user from the environment, naming what is missing', () => {
    expect(smokeUserOf(POOL, SMOKE_CLIENT, {})).toBeUndefined();
    expect(smokeUserOf(undefined, SMOKE_CLIENT, { BULLETIN_SMOKE_USER: 'u' })).toBe(
      'BULLETIN_SMOKE_USER is set: the console sign-in also needs --user-pool-id, BULLETIN_SMOKE_PASSWORD, BULLETIN_SMOKE_TOTP_SECRET',
    );
    expect(
      smokeUserOf(POOL, SMOKE_CLIENT, {
        BULLETIN_SMOKE_USER: 'u',
        BULLETIN_SMOKE_PASSWORD: 'p',
        BULLETIN_SMOKE_TOTP_SECRET: 's',
      }),
    ).toEqual({
      userPoolId: POOL,
      clientId: SMOKE_CLIENT,
      username: 'u',
      password: 'p',
      totpSecret: 's',
    });
  });
});
