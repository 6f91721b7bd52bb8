/**
 * The local API over real HTTP (startLocalServer on this file's dynalite/s3rver): a body limit
 * on every route that reads a body (a 50 MB subscription is refused unread), unknown fields and
 * query parameters refused everywhere, and links built only from configuration — a forged Host
 * header never reaches a mail, a feed, the archive page or a JSON link.
 */
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../functions/api/app.ts';
import { startLocalServer, type LocalServer } from '#local/server.ts';
import { readOutbox } from '#tests/support/eml.ts';
import { createTinyRenderer } from '#tests/support/tiny-renderer.ts';
import {
  dumpStores,
  seedRealData,
  startTestStores,
  type TestStores,
} from '#tests/support/stores.ts';

const TOKEN = 'limits-operator-token';
let stores: TestStores;
let server: LocalServer;
let url: string;

/** A request with any Host header (fetch refuses to set one). */
function raw(
  method: string,
  path: string,
  opts: { host?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method,
        path,
        headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    // The server may answer 413 and close before the whole body is sent.
    req.on('socket', (socket) => socket.on('error', () => undefined));
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err),
    );
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

beforeAll(async () => {
  stores = await startTestStores({ renderer: createTinyRenderer() });
  await seedRealData(stores.services);
  server = await startLocalServer({
    services: stores.services,
    root: join(import.meta.dirname, '..', '..'),
    schedules: false,
    loadData: false,
    outboxDir: join(stores.dir, 'outbox'),
    workDir: join(stores.dir, 'work'),
    token: TOKEN,
  });
  url = server.url;
  // A released issue: the request makes a draft, the operator releases it.
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const started = await fetch(`${url}/reports`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ kind: 'torch-bulletin', period: '2024', requestId: 'limits-1' }),
  });
  const { draftId } = (await started.json()) as { draftId: string };
  const released = await fetch(`${url}/operator/api/drafts/${draftId}/release`, {
    method: 'POST',
    headers,
    body: '{}',
  });
  if (released.status !== 200) throw new Error(`release: ${await released.text()}`);
});
afterAll(async () => {
  await server?.stop();
  await stores?.stop();
});

describe('request body limits', () => {
  it('refuses a 50 MB subscription with 413 without reading it, and stores nothing', async () => {
    const before = await dumpStores(stores.services);
    const email = `a${'x'.repeat(50 * 1024 * 1024)}@example.com`;
    const res = await raw('POST', '/subscriptions', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, series: 'torch-bulletin' }),
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatch(/超过 65536 字节/);
    expect(await dumpStores(stores.services)).toBe(before);
  });

  it('refuses an oversized body on every route that takes one, with or without Content-Length', async () => {
    const big = Buffer.alloc(MAX_BODY_BYTES + 1, 0x61);
    const routes: [string, Record<string, string>][] = [
      ['/subscriptions', { 'content-type': 'application/json' }],
      ['/subscriptions', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['/reports', { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }],
      ['/subscriptions/confirm?token=' + 'a'.repeat(43), {}],
      ['/subscriptions/unsubscribe?token=' + 'a'.repeat(43), {}],
    ];
    for (const [path, headers] of routes) {
      const sized = await raw('POST', path, { headers, body: big });
      expect(sized.status, `${path} with Content-Length`).toBe(413);
      const chunked = await raw('POST', path, {
        headers: { ...headers, 'transfer-encoding': 'chunked' },
        body: big,
      });
      expect(chunked.status, `${path} chunked`).toBe(413);
    }
  });
});

describe('strict schemas everywhere', () => {
  const auth = { authorization: `Bearer ${TOKEN}` };

  it('an issue has one spelling: torch-bulletin-00551 is not issue 551', async () => {
    const issue = (await raw('GET', '/bulletins/latest')).body;
    const id = (JSON.parse(issue) as { id: string }).id;
    expect((await raw('GET', `/bulletins/${id}`)).status).toBe(200);
    const padded = id.replace(/-(\d+)$/, '-00$1');
    for (const path of [`/bulletins/${padded}`, `/bulletins/${padded}/download`]) {
      const res = await raw('GET', path);
      // Not an issue id at all (400), never the issue under another name.
      expect(res.status, path).toBe(400);
      expect(res.body, path).not.toContain(`"id":"${id}"`);
    }
  });

  it('refuses unknown body fields and query parameters, naming them', async () => {
    const before = await dumpStores(stores.services);
    const cases: [string, string, Record<string, string>, string | undefined, RegExp][] = [
      [
        'POST',
        '/subscriptions',
        { 'content-type': 'application/json' },
        JSON.stringify({ email: 'x@example.com', series: 'torch-bulletin', admin: true }),
        /admin/,
      ],
      [
        'POST',
        '/subscriptions',
        { 'content-type': 'application/x-www-form-urlencoded' },
        'email=x%40example.com&series=torch-bulletin&redirect=http%3A%2F%2Fevil.example',
        /redirect/,
      ],
      [
        'POST',
        '/reports',
        { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        JSON.stringify({ kind: 'torch-bulletin', priority: 'high' }),
        /priority/,
      ],
      ['GET', '/bulletins/latest?series=torch-bulletin&debug=1', {}, undefined, /debug/],
      ['GET', '/bulletins?series=torch-bulletin&sort=asc', {}, undefined, /sort/],
      ['GET', '/bulletins/torch-bulletin-551?expand=all', {}, undefined, /expand/],
      ['GET', '/feeds/torch-bulletin.atom?format=rss', {}, undefined, /format/],
      // Issue 26.9: /search and the operator API took any parameter.
      ['GET', '/search?q=%E5%9B%AD%E5%8C%BA&debug=1', {}, undefined, /debug/],
      ['GET', '/operator/api/drafts?debug=1', auth, undefined, /debug/],
      ['GET', '/operator/api/runs?limit=5&all=1', auth, undefined, /all/],
      ['GET', '/operator/api/runs?limit=abc', auth, undefined, /limit/],
      ['GET', `/subscriptions/confirm?token=${'a'.repeat(43)}&next=/admin`, {}, undefined, /next/],
      [
        'POST',
        `/subscriptions/unsubscribe?token=${'a'.repeat(43)}`,
        { 'content-type': 'application/x-www-form-urlencoded' },
        'List-Unsubscribe=One-Click&extra=1',
        /extra/,
      ],
    ];
    for (const [method, path, headers, body, field] of cases) {
      const res = await raw(method, path, { headers, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body, `${method} ${path}`).toMatch(field);
    }
    expect(await dumpStores(stores.services)).toBe(before);
  });
});

describe('links only from configuration', () => {
  it('never builds a link from a forged Host header: mail, feed, archive, JSON', async () => {
    const evil = 'evil.example';
    const sub = await raw('POST', '/subscriptions', {
      host: evil,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'host-test@example.com', series: 'torch-bulletin' }),
    });
    expect(sub.status).toBe(202);
    const [mail] = (await readOutbox(server.outboxDir)).filter(
      (m) => m.to === 'host-test@example.com',
    );
    expect(mail?.urls.length).toBeGreaterThan(0);
    for (const link of mail!.urls) expect(link.startsWith(`${url}/`), link).toBe(true);

    for (const path of ['/feeds/torch-bulletin.atom', '/', '/bulletins/latest', '/bulletins']) {
      const res = await raw('GET', path, { host: evil, headers: { accept: 'text/html' } });
      expect(res.status, path).toBe(200);
      expect(res.body, path).not.toContain(evil);
      expect(res.body, path).toContain(url);
    }
  });
});
