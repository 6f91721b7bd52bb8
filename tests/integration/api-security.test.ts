/**
 * The local API over real HTTP on loopback (startLocalServer on this file's dynalite/s3rver):
 * unauthenticated and malformed requests to POST /reports and the subscriber endpoints are
 * refused and change nothing; no secret or address reaches the logs; and a bounded load test —
 * 200 concurrent downloads and 50 concurrent list requests — with zero errors.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '#local/server.ts';
import { dumpStores, startTestStores, type TestStores } from '#tests/support/stores.ts';
import { createTinyRenderer } from '#tests/support/tiny-renderer.ts';
import { readOutbox } from '#tests/support/eml.ts';

const TOKEN = 'operator-token-7f3e9c2a-for-tests-only';
const EMAIL = 'zhang.wei+bulletin@example.cn';

describe('API: refusals, logs and load', () => {
  let stores: TestStores;
  let server: LocalServer;
  let url: string;
  const logs: string[] = [];
  const consoleLines: string[] = [];
  const saved = { log: console.log, error: console.error, warn: console.warn, info: console.info };
  let served = 0;

  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${url}${path}`, { redirect: 'manual', ...init });
    served += 1;
    return res;
  };
  const post = (path: string, body: BodyInit | undefined, headers: Record<string, string> = {}) =>
    call(path, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
  const json = (value: unknown) => JSON.stringify(value);
  const bearer = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  /** POST /reports (a draft: 《火炬动态》 needs review), then the operator releases it. */
  const requestAndRelease = async (body: Record<string, string>) => {
    const res = await post('/reports', json(body), bearer);
    expect(res.status).toBe(202);
    const { draftId, status } = (await res.json()) as { draftId: string; status: string };
    expect(status).toBe('drafted');
    const released = await post(`/operator/api/drafts/${draftId}/release`, json({}), bearer);
    expect(released.status).toBe(200);
    return ((await released.json()) as { issue: { id: string } }).issue.id;
  };

  beforeAll(async () => {
    // Everything written to the console while the server runs is captured too.
    for (const level of ['log', 'error', 'warn', 'info'] as const)
      console[level] = (...args: unknown[]) => consoleLines.push(args.map(String).join(' '));
    stores = await startTestStores({ renderer: createTinyRenderer() });
    server = await startLocalServer({
      services: stores.services,
      root: join(import.meta.dirname, '..', '..'),
      schedules: false,
      outboxDir: join(stores.dir, 'outbox'),
      workDir: join(stores.dir, 'work'),
      token: TOKEN,
      log: (m) => logs.push(m),
    });
    url = server.url;
  });

  afterAll(async () => {
    await server?.stop();
    await stores?.stop();
    Object.assign(console, saved);
    console.log(`api-security: ${served} requests served`);
  });

  it('refuses unauthenticated and malformed report requests, and starts nothing', async () => {
    // Prepare
    const before = await dumpStores(stores.services);
    const valid = json({ kind: 'torch-bulletin', period: '2024' });
    const cases: [string, Promise<Response>, number, RegExp][] = [
      ['no Authorization', post('/reports', valid), 401, /需要身份验证/],
      [
        'wrong token',
        post('/reports', valid, { authorization: 'Bearer not-the-token' }),
        401,
        /需要身份验证/,
      ],
      [
        'token prefix',
        post('/reports', valid, { authorization: `Bearer ${TOKEN.slice(0, -1)}` }),
        401,
        /需要身份验证/,
      ],
      [
        'Basic scheme',
        post('/reports', valid, {
          authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`,
        }),
        401,
        /需要身份验证/,
      ],
      ['token in query', post(`/reports?token=${TOKEN}`, valid), 401, /需要身份验证/],
      ['empty bearer', post('/reports', valid, { authorization: 'Bearer ' }), 401, /需要身份验证/],
      ['not JSON', post('/reports', '{kind: torch-bulletin}', bearer), 400, /请求体须为 JSON 对象/],
      ['empty body', post('/reports', '', bearer), 400, /请求体须为 JSON 对象/],
      [
        'array body',
        post('/reports', json([{ kind: 'torch-bulletin' }]), bearer),
        400,
        /报告请求无效/,
      ],
      [
        'unknown kind',
        post('/reports', json({ kind: 'annual-report' }), bearer),
        400,
        /报告请求无效/,
      ],
      ['kind of wrong type', post('/reports', json({ kind: 7 }), bearer), 400, /报告请求无效/],
      [
        'impossible period',
        post('/reports', json({ kind: 'torch-bulletin', period: '2024-13' }), bearer),
        400,
        /报告请求无效/,
      ],
      [
        'quarter 5',
        post('/reports', json({ kind: 'torch-bulletin', period: '2024-Q5' }), bearer),
        400,
        /报告请求无效/,
      ],
      [
        'unknown field',
        post('/reports', json({ kind: 'torch-bulletin', series: '../../etc' }), bearer),
        400,
        /报告请求无效/,
      ],
      [
        'profile without zone',
        post('/reports', json({ kind: 'zone-profile' }), bearer),
        400,
        /报告请求无效/,
      ],
      [
        'zone traversal',
        post('/reports', json({ kind: 'zone-profile', zone: '../zhongguancun' }), bearer),
        400,
        /报告请求无效/,
      ],
      [
        'requestId traversal',
        post('/reports', json({ kind: 'torch-bulletin', requestId: '../../x' }), bearer),
        400,
        /报告请求无效/,
      ],
      [
        'huge body',
        post(
          '/reports',
          json({ kind: 'torch-bulletin', requestId: 'x'.repeat(2_000_000) }),
          bearer,
        ),
        413,
        /超过 65536 字节/,
      ],
      [
        'prototype pollution',
        post('/reports', '{"kind":"torch-bulletin","__proto__":{"admin":true}}', bearer),
        400,
        /报告请求无效/,
      ],
    ];

    // Act
    const answers = await Promise.all(
      cases.map(async ([name, response, status, message]) => {
        const res = await response;
        return { name, status: res.status, body: await res.text(), want: { status, message } };
      }),
    );

    // Assess
    for (const a of answers) {
      expect(a.status, a.name).toBe(a.want.status);
      expect(a.body, a.name).toMatch(a.want.message);
      expect(JSON.parse(a.body), a.name).toHaveProperty('error');
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(await dumpStores(stores.services)).toBe(before);
  });

  it('refuses malformed subscriber requests and forged tokens, and stores nothing', async () => {
    const before = await dumpStores(stores.services);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const asJson = { 'content-type': 'application/json' };
    const forged = 'A'.repeat(43);
    const cases: [string, Promise<Response>, number][] = [
      ['no body', post('/subscriptions', undefined, asJson), 400],
      ['broken JSON', post('/subscriptions', '{"email":', asJson), 400],
      ['no email', post('/subscriptions', json({ series: 'torch-bulletin' }), asJson), 400],
      ['not an email', post('/subscriptions', json({ email: 'zhang.wei' }), asJson), 400],
      [
        'header injection',
        post('/subscriptions', json({ email: 'a@example.cn\r\nBcc: all@example.cn' }), asJson),
        400,
      ],
      ['email as array', post('/subscriptions', json({ email: [EMAIL] }), asJson), 400],
      [
        'overlong email',
        post('/subscriptions', json({ email: `${'a'.repeat(250)}@example.cn` }), asJson),
        400,
      ],
      [
        'series traversal',
        post('/subscriptions', json({ email: EMAIL, series: '../../etc' }), asJson),
        400,
      ],
      [
        'unknown series',
        post('/subscriptions', json({ email: EMAIL, series: 'no-such-series' }), asJson),
        400,
      ],
      ['form without email', post('/subscriptions', 'series=torch-bulletin', form), 400],
      ['confirm, no token', call('/subscriptions/confirm'), 400],
      ['confirm, short token', call('/subscriptions/confirm?token=abc'), 400],
      [
        'confirm, traversal token',
        call(`/subscriptions/confirm?token=${encodeURIComponent('../'.repeat(14) + 'x')}`),
        400,
      ],
      ['confirm, forged token', call(`/subscriptions/confirm?token=${forged}`), 404],
      ['unsubscribe, forged token', post(`/subscriptions/unsubscribe?token=${forged}`, ''), 404],
      ['unsubscribe, no token', post('/subscriptions/unsubscribe', ''), 400],
      ['list subscribers', call('/subscriptions'), 404],
      ['delete subscribers', call('/subscriptions', { method: 'DELETE' }), 404],
    ];

    const answers = await Promise.all(
      cases.map(async ([name, response, status]) => {
        const res = await response;
        return { name, status: res.status, want: status, body: await res.text() };
      }),
    );

    for (const a of answers) expect(a.status, `${a.name}: ${a.body}`).toBe(a.want);
    expect(await dumpStores(stores.services)).toBe(before);
    expect(await readOutbox(server.outboxDir).catch(() => [])).toEqual([]);
  });

  it('publishes on an authenticated request and serves 200 downloads and 50 lists at once', async () => {
    // Prepare: three released issues through the authenticated API (three periods: the same
    // data again would make no new issue).
    for (const [requestId, period] of [
      ['load-1', '2024'],
      ['load-2', '2023'],
      ['load-3', '2021'],
    ] as const)
      await requestAndRelease({ kind: 'torch-bulletin', period, requestId });
    const list = await (await call('/bulletins')).json();
    const ids: string[] = list.items.map((i: { id: string }) => i.id);
    expect(ids).toHaveLength(3);
    const shaOf = new Map<string, string>();
    for (const id of ids) {
      const issue = await stores.services.catalog.get(id);
      shaOf.set(id, issue!.sha256!);
    }

    // Act: 200 downloads (the API's redirect, then the presigned URL), 50 list pages, at once.
    const downloads = Array.from({ length: 200 }, async (_, i) => {
      const id = ids[i % ids.length]!;
      const res = await call(`/bulletins/${id}/download`);
      const location = res.headers.get('location');
      if (res.status !== 302 || !location) return `download ${id}: ${res.status}`;
      const pdf = await fetch(location);
      const bytes = new Uint8Array(await pdf.arrayBuffer());
      const sha = createHash('sha256').update(bytes).digest('hex');
      return pdf.status === 200 && sha === shaOf.get(id) ? undefined : `pdf ${id}: ${pdf.status}`;
    });
    const lists = Array.from({ length: 50 }, async (_, i) => {
      const res = await call(`/bulletins?limit=${(i % 3) + 1}`);
      const body = await res.json();
      return res.status === 200 && body.items.length === (i % 3) + 1
        ? undefined
        : `list: ${res.status}`;
    });
    const errors = (await Promise.all([...downloads, ...lists])).filter(Boolean);

    // Assess
    expect(errors).toEqual([]);
    expect(served).toBeGreaterThanOrEqual(250);
  });

  it('a subscription round trip works, and no secret or address reaches the logs', async () => {
    // Prepare: subscribe, confirm from the mail, publish a new issue (a notice goes out).
    const res = await post('/subscriptions', json({ email: EMAIL }), {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(202);
    const [mail] = await readOutbox(server.outboxDir);
    const confirm = mail!.urls.find((u) => u.includes('/subscriptions/confirm'))!;
    const token = new URL(confirm).searchParams.get('token')!;
    // The link in the mail opens a page; its button POSTs the confirmation.
    expect((await call(`/subscriptions/confirm?token=${token}`)).status).toBe(200);
    expect((await post(`/subscriptions/confirm?token=${token}`, '')).status).toBe(200);
    const issueId = await requestAndRelease({
      kind: 'torch-bulletin',
      period: '2012',
      requestId: 'after-subscribe',
    });
    const notices = (await readOutbox(server.outboxDir)).filter((m) => m.to === EMAIL);
    expect(notices.length).toBe(2); // the confirmation and the notice
    const download = await call(`/bulletins/${issueId}/download`);
    const signature = new URL(download.headers.get('location')!).searchParams.get(
      'X-Amz-Signature',
    )!;

    // Assess: the logs were written, and hold none of these.
    const all = [...logs, ...consoleLines].join('\n');
    expect(logs.length).toBeGreaterThan(10);
    for (const secret of [
      TOKEN,
      EMAIL,
      'zhang.wei',
      token,
      signature,
      'X-Amz-Signature',
      'X-Amz-Credential',
      'Signature=',
      `Bearer ${TOKEN.slice(0, 8)}`,
    ])
      expect(all, `logs must not contain ${secret.slice(0, 12)}…`).not.toContain(secret);
    expect(all).toContain('请求 POST /reports → 202');
    expect(all).not.toMatch(/token=/);
  });
});
