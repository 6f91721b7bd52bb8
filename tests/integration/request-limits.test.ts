/**
 * Issue 26.8: subscription requests are limited per client and per address (429 with
 * Retry-After), so that one client cannot make the site mail 200 addresses in 30 s. (Logins are
 * the console's, throttled per account and per address: console.test.ts.) Through the real API app on dynalite; the client is API
 * Gateway's source IP, given as the Lambda adapter gives it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../../functions/api/app.ts';
import { createRateLimits, DEFAULT_REQUEST_LIMITS } from '../../functions/api/rate-limits.ts';
import type { MailMessage } from '../../functions/app/ports.ts';
import { awsApiDeps } from '#handlers/api.ts';
import { startTestStores, type TestStores } from '#tests/support/stores.ts';

const noQueue = {
  send: async () => {
    throw new Error('no report is requested in this test');
  },
};

describe('limits on subscription requests and logins', () => {
  let stores: TestStores;
  const sent: MailMessage[] = [];
  let app: ReturnType<typeof createApiApp>;

  beforeAll(async () => {
    stores = await startTestStores();
    app = createApiApp({
      ...awsApiDeps(stores.services, noQueue as never),
      publicBaseUrl: 'https://bulletin.example.cn',
      subscriptions: true,
      notifier: {
        async send(m) {
          sent.push(m);
          return { messageId: String(sent.length) };
        },
      },
      limits: createRateLimits({
        ...DEFAULT_REQUEST_LIMITS,
        subscribePerClient: { points: 10, seconds: 600 },
        subscribePerAddress: { points: 3, seconds: 3600 },
      }),
    });
  });
  afterAll(() => stores?.stop());

  const subscribe = (email: string, ip: string) =>
    app.request(
      '/subscriptions',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email }),
      },
      { requestContext: { http: { sourceIp: ip } } },
    );

  it('one client mailing 200 addresses is stopped after 10, with 429 and Retry-After', async () => {
    const before = sent.length;
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 200; i++) {
      last = await subscribe(`reader${i}@example.cn`, '203.0.113.7');
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(202));
    expect(statuses.slice(10)).toEqual(Array(190).fill(429));
    expect(sent.length - before).toBe(10);
    const retryAfter = Number(last!.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect((await last!.json()).error).toMatch(/订阅请求过于频繁，请 \d+ 秒后再试/);
    // Another client is not held back by this one.
    expect((await subscribe('someone@example.cn', '198.51.100.9')).status).toBe(202);
  });

  it('one address is mailed at most 3 times an hour, whoever asks', async () => {
    const before = sent.length;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await subscribe('Target@Example.cn', `192.0.2.${i + 1}`)).status);
    expect(statuses).toEqual([202, 202, 202, 429, 429, 429]);
    // (The store itself may already hold back a repeated confirmation mail.)
    expect(sent.length - before).toBeGreaterThanOrEqual(1);
    expect(sent.length - before).toBeLessThanOrEqual(3);
    const res = await subscribe('target@example.cn', '192.0.2.99');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(600);
  });

  // The old operator page's token login is gone (it redirects to the console): the console's
  // logins are throttled per account and per address (tests/integration/console.test.ts).
  it('has no operator token login left to guess at', async () => {
    const app = createApiApp({
      ...awsApiDeps(stores.services, noQueue as never),
      operator: { ...awsApiDeps(stores.services, noQueue as never).operator!, page: true },
    });
    const res = await app.request('/operator/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=guess',
    });
    expect(res.status).toBe(404);
    expect((await app.request('/operator')).headers.get('location')).toBe('/console');
  });
});
