/**
 * The local server end to end: embedded dynalite + s3rver, the real renderer, the API over
 * HTTP on loopback, mail in an outbox folder, and a real browser on the archive page. One
 * server for the whole file (each publish renders a PDF).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import { XMLParser } from 'fast-xml-parser';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '#local/server.ts';
import type { ScheduleOutcome } from '../../functions/app/schedules.ts';
import { createApiApp } from '../../functions/api/app.ts';
import { readOutbox, type ParsedEml } from '#tests/support/eml.ts';
import { pdfText } from '#tests/support/pdf.ts';

const SCHEDULED = new Date('2026-12-15T01:00:00.000Z');

/** The outcome of a single-report schedule (not the all-zones batch). */
function oneReport(o: ScheduleOutcome) {
  if (o.allZones) throw new Error('expected one report, got the all-zones batch');
  return o;
}

describe('local server: archive, downloads, feed, subscriptions', () => {
  const savedTmpdir = process.env['TMPDIR'];
  let dir: string;
  let server: LocalServer;
  let url: string;
  const logs: string[] = [];

  const get = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, { redirect: 'manual', ...init });
  const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const outbox = () => readOutbox(server.outboxDir);
  const mailsTo = (mails: ParsedEml[], to: string, subject: RegExp) =>
    mails.filter((m) => m.to === to && subject.test(m.subject));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-server-test-'));
    // Chromium unpacks to $TMPDIR/chromium and reuses any binary there: this file gets its own.
    process.env['TMPDIR'] = join(dir, 'tmp');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'tmp')));
    server = await startLocalServer({
      stateDir: join(dir, 'state'),
      inMemory: true,
      outboxDir: join(dir, 'outbox'),
      workDir: join(dir, 'work'),
      token: 'test-operator-token',
      log: (m) => logs.push(m),
    });
    url = server.url;
  });

  afterAll(async () => {
    await server?.stop();
    if (savedTmpdir === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = savedTmpdir;
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on loopback and runs the monthly schedule at 09:00 Asia/Shanghai', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const monthly = server.schedules.find((s) => s.id === 'monthly-bulletin');
    expect(monthly?.timeZone).toBe('Asia/Shanghai');
    // 09:00 at UTC+8 on the 15th.
    expect(monthly?.nextRun?.toISOString()).toMatch(/-15T01:00:00\.000Z$/);
  });

  it('answers errors as JSON: 404 unknown, 400 malformed, 401 unauthenticated', async () => {
    const cases: [string, Promise<Response>, number, RegExp][] = [
      ['unknown id', get('/bulletins/torch-bulletin-9999'), 404, /torch-bulletin-9999/],
      [
        'unknown id download',
        get('/bulletins/torch-bulletin-9999/download'),
        404,
        /没有期号为 "torch-bulletin-9999" 的一期/,
      ],
      ['malformed id', get('/bulletins/..%2Fetc'), 400, /期号 \(issue id\) .* 格式有误/],
      ['no issue yet', get('/bulletins/latest'), 404, /尚无已发布的一期/],
      ['bad limit', get('/bulletins?limit=abc'), 400, /查询参数 \(query parameters\) 无效/],
      [
        'bad series',
        get('/bulletins?series=Torch_Bulletin'),
        400,
        /查询参数 \(query parameters\) 无效/,
      ],
      ['unknown series', get('/bulletins?series=no-such-series'), 404, /未知的报告系列/],
      ['bad cursor', get('/bulletins?cursor=bm90LWEtY3Vyc29y'), 400, /翻页游标 \(cursor\) 无效/],
      [
        'bad feed',
        get('/feeds/torch-bulletin.rss'),
        400,
        /订阅源 \(feed\) 的地址形如 \/feeds\/<系列>\.atom/,
      ],
      ['unknown feed', get('/feeds/no-such-series.atom'), 404, /未知的报告系列/],
      ['no route', get('/nothing-here'), 404, /没有这个地址/],
      ['no auth', postJson('/reports', { kind: 'torch-bulletin' }), 401, /需要身份验证/],
      [
        'wrong token',
        postJson('/reports', { kind: 'torch-bulletin' }, { authorization: 'Bearer nope' }),
        401,
        /需要身份验证/,
      ],
      [
        'not JSON',
        postJson('/reports', '{kind:', { authorization: 'Bearer test-operator-token' }),
        400,
        /请求体须为 JSON 对象/,
      ],
      [
        'bad body',
        postJson(
          '/reports',
          { kind: 'torch-bulletin', period: '2024-13' },
          {
            authorization: 'Bearer test-operator-token',
          },
        ),
        400,
        /报告请求无效/,
      ],
      ['bad address', postJson('/subscriptions', { email: 'not-an-address' }), 400, /订阅请求无效/],
      [
        'bad token',
        get('/subscriptions/confirm?token=short'),
        400,
        /缺少令牌 \(token\) 或其格式有误/,
      ],
      [
        'unknown token',
        get(`/subscriptions/unsubscribe?token=${'x'.repeat(43)}`),
        404,
        /没有与此令牌 \(token\) 对应的订阅/,
      ],
    ];
    for (const [name, response, status, message] of cases) {
      const res = await response;
      const body = (await res.json()) as { error?: string };
      expect({ name, status: res.status }).toEqual({ name, status });
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(body.error, name).toMatch(message);
    }
  });

  let subscriberToken = '';

  it('subscribes with double opt-in and answers the same whatever the address state', async () => {
    const answers: string[] = [];
    for (const email of ['ann@example.com', 'bo@example.com', 'pending@example.com']) {
      const res = await postJson('/subscriptions', { email, series: 'torch-bulletin' });
      expect(res.status).toBe(202);
      answers.push(await res.text());
    }
    const confirmations = await outbox();
    expect(confirmations).toHaveLength(3);
    for (const email of ['ann@example.com', 'bo@example.com']) {
      const [mail] = mailsTo(confirmations, email, /请确认订阅《火炬动态》/);
      const confirm = mail!.urls.find((u) => u.includes('/subscriptions/confirm?token='))!;
      expect(confirm.startsWith(`${url}/`)).toBe(true);
      // A GET (a person opening the link, or a mail scanner prefetching it) changes nothing:
      // it shows a page whose button POSTs the confirmation.
      const prefetch = await fetch(confirm);
      expect(prefetch.status).toBe(200);
      expect(await prefetch.json()).toMatchObject({ status: 'pending', method: 'POST' });
      const page = await fetch(confirm, { headers: { accept: 'text/html' } });
      const form = await page.text();
      expect(form).toMatch(/<form method="post" action="\/subscriptions\/confirm\?token=[^"]+"/);
      expect(form).toContain('确认订阅');
      const first = await fetch(confirm, { method: 'POST' });
      const again = await fetch(confirm, { method: 'POST', headers: { accept: 'text/html' } });
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({ status: 'confirmed' });
      expect(again.status).toBe(200);
      expect(await again.text()).toContain('已确认订阅《火炬动态》');
      if (email === 'ann@example.com')
        subscriberToken = new URL(confirm).searchParams.get('token')!;
    }
    // A confirmed, a pending and a new address get byte-identical answers, and no new mail
    // goes to the confirmed one.
    for (const email of ['ann@example.com', 'pending@example.com', 'new@example.com']) {
      const res = await postJson('/subscriptions', { email, series: 'torch-bulletin' });
      expect(res.status).toBe(202);
      answers.push(await res.text());
    }
    expect(new Set(answers).size).toBe(1);
    const after = await outbox();
    expect(mailsTo(after, 'ann@example.com', /.*/)).toHaveLength(1);
    expect(logs.join('\n')).not.toMatch(/@example\.com|token=[A-Za-z0-9_-]{43}/);
  });

  let firstIssueId = '';

  /** The operator releases a draft through the operator API (behind the operator token). */
  const releaseByOperator = async (draftId: string) => {
    const res = await postJson(
      `/operator/api/drafts/${encodeURIComponent(draftId)}/release`,
      {},
      { authorization: 'Bearer test-operator-token' },
    );
    expect(res.status, await res.clone().text()).toBe(200);
    return ((await res.json()) as { issue: { id: string } }).issue.id;
  };

  it('the schedule makes a draft (nobody is told); its release notifies each confirmed subscriber once, however often retried', async () => {
    const first = oneReport(await server.runSchedule('monthly-bulletin', SCHEDULED));
    expect(first).toMatchObject({ outcome: 'drafted', printed: true });
    expect(first.notices).toBeUndefined();
    expect((await outbox()).filter((m) => /已发布$/.test(m.subject))).toEqual([]);

    // The scheduler delivers at least once: the same firing again is the same draft.
    const retried = oneReport(await server.runSchedule('monthly-bulletin', SCHEDULED));
    expect(retried).toMatchObject({ printed: false, draft: { id: first.draft!.id } });

    // An embargo time without its offset is ambiguous: refused, naming the field; the draft
    // stays a draft (a planted schema without the offset rule scheduled it for a guessed zone).
    const bare = await postJson(
      `/operator/api/drafts/${encodeURIComponent(first.draft!.id)}/release`,
      { at: '2030-01-01T09:30:00' },
      { authorization: 'Bearer test-operator-token' },
    );
    expect(bare.status).toBe(400);
    expect(await bare.text()).toMatch(/at.*时区偏移/);

    // Released, and released again (a second click): one issue, one notice per subscriber.
    const a = await releaseByOperator(first.draft!.id);
    const b = await releaseByOperator(first.draft!.id);
    expect(b).toBe(a);
    firstIssueId = a;

    const notices = (await outbox()).filter((m) => /已发布$/.test(m.subject));
    expect(notices.map((m) => m.to).sort()).toEqual(['ann@example.com', 'bo@example.com']);
    const notice = notices.find((m) => m.to === 'ann@example.com')!;
    expect(notice.subject).toMatch(/^《火炬动态》\d{4}年第\d+期\(总第\d+期\)已发布$/);
    expect(notice.urls).toContain(`${url}/bulletins/${firstIssueId}/download`);
    expect(notice.from.name).toBe('《火炬动态》编辑部');
    expect(notice.headers['date']).toMatch(/\+0800$/);
    expect(notice.html).toContain('下载PDF');
    expect(notice.html).toContain('工业和信息化部火炬高技术产业开发中心');
    expect(notice.headers['list-unsubscribe']).toBe(
      `<${url}/subscriptions/unsubscribe?token=${subscriberToken}>`,
    );
  });

  it('unsubscribes with the link in the notice, and the next issue skips that address', async () => {
    const notice = (await outbox()).find(
      (m) => m.to === 'ann@example.com' && /已发布$/.test(m.subject),
    )!;
    const unsubscribe = notice.urls.find((u) => u.includes('/subscriptions/unsubscribe'))!;
    const page = await fetch(unsubscribe, { headers: { accept: 'text/html' } });
    expect(await page.text()).toContain('确认退订');
    expect(await (await fetch(unsubscribe)).json()).toMatchObject({ status: 'confirmed' });
    const res = await fetch(unsubscribe, { method: 'POST', headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('已退订《火炬动态》的发布通知');
    const again = await fetch(unsubscribe);
    expect(await again.json()).toMatchObject({ status: 'unsubscribed' });

    // An on-demand report (authenticated) runs at once: with the data of the released issue
    // it makes nothing and says so; for another period it makes a draft.
    const unchanged = await postJson(
      '/reports',
      { kind: 'torch-bulletin', requestId: 'ops-test-0' },
      { authorization: 'Bearer test-operator-token' },
    );
    expect(await unchanged.json()).toMatchObject({ status: 'unchanged', issueId: firstIssueId });
    const created = await postJson(
      '/reports',
      { kind: 'torch-bulletin', period: '2023', requestId: 'ops-test-1' },
      { authorization: 'Bearer test-operator-token' },
    );
    expect(created.status).toBe(202);
    const body = (await created.json()) as { draftId: string; status: string };
    expect(body.status).toBe('drafted');
    // The same request id is the same draft; its release is the next issue.
    const repeated = await postJson(
      '/reports',
      { kind: 'torch-bulletin', period: '2023', requestId: 'ops-test-1' },
      { authorization: 'Bearer test-operator-token' },
    );
    expect(((await repeated.json()) as { draftId: string }).draftId).toBe(body.draftId);
    expect(await releaseByOperator(body.draftId)).not.toBe(firstIssueId);

    const notices = (await outbox()).filter((m) => /已发布$/.test(m.subject));
    expect(notices.filter((m) => m.to === 'ann@example.com')).toHaveLength(1);
    expect(notices.filter((m) => m.to === 'bo@example.com')).toHaveLength(2);
    expect(notices.filter((m) => m.to === 'pending@example.com')).toHaveLength(0);
  });

  it('releases a zone profile on demand at once in its own series (no review), listed under ?series=zone-profile', async () => {
    const created = await postJson(
      '/reports',
      { kind: 'zone-profile', zone: 'wuhan-donghu', requestId: 'ops-zone-1' },
      { authorization: 'Bearer test-operator-token' },
    );
    expect(created.status).toBe(202);
    const body = (await created.json()) as { issueId: string; status: string };
    expect(body).toMatchObject({
      status: 'released',
      issueId: expect.stringMatching(/^zone-profile-\d+$/),
    });
    const listed = await (await get('/bulletins?series=zone-profile')).json();
    expect(listed.items.map((i: { id: string }) => i.id)).toContain(body.issueId);
  });

  it('lists issues newest first, page by page, with metadata and a latest issue', async () => {
    const page1 = await (await get('/bulletins?limit=1')).json();
    expect(page1.items).toHaveLength(1);
    expect(page1.items[0].total).toBeGreaterThan(Number(firstIssueId.split('-').pop()));
    expect(page1.items[0]).toMatchObject({
      series: 'torch-bulletin',
      status: 'published',
      issueLine: expect.stringMatching(/^\d{4}年第\d+期\(总第\d+期\)$/),
      pages: expect.any(Number),
    });
    expect(page1.items[0]).not.toHaveProperty('s3Key');
    const page2 = await (await get(`/bulletins?limit=1&cursor=${page1.cursor}`)).json();
    expect(page2.items.map((i: { id: string }) => i.id)).toEqual([firstIssueId]);
    const latest = await (await get('/bulletins/latest')).json();
    expect(latest.id).toBe(page1.items[0].id);
    const one = await get(`/bulletins/${firstIssueId}`);
    expect(one.status).toBe(200);
    expect((await one.json()).links.download).toBe(`${url}/bulletins/${firstIssueId}/download`);
  });

  it('serves a valid Atom feed with one entry per published issue: its web edition and its PDF', async () => {
    const res = await get('/feeds/torch-bulletin.atom');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/atom\+xml/);
    const xml = await res.text();
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });
    const { feed } = parser.parse(xml);
    expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect(feed.title).toBe('火炬动态');
    const self = [feed.link].flat().find((l: Record<string, string>) => l['@rel'] === 'self');
    expect(self['@href']).toBe(`${url}/feeds/torch-bulletin.atom`);
    const list = await (await get('/bulletins?limit=100')).json();
    const entries = [feed.entry].flat();
    expect(entries).toHaveLength(list.items.length);
    expect(entries).toHaveLength(2);
    expect(feed.updated).toBe(list.items[0].publishedAt);
    const linkOf = (entry: { link: Record<string, string>[] }, rel: string) =>
      [entry.link].flat().find((l) => l['@rel'] === rel)?.['@href'];
    for (const [i, entry] of entries.entries()) {
      // The entry's page is the web edition; the PDF is its enclosure.
      expect(linkOf(entry, 'alternate')).toBe(list.items[i].webUrl);
      expect(linkOf(entry, 'enclosure')).toBe(list.items[i].links.download);
      expect(entry.updated).toBe(list.items[i].publishedAt);
    }
    expect((await get(new URL(linkOf(entries[0], 'alternate')!).pathname)).status).toBe(200);
    // The enclosure really downloads the PDF.
    const redirect = await get(new URL(linkOf(entries[0], 'enclosure')!).pathname);
    expect(redirect.status).toBe(302);
    const pdf = await fetch(redirect.headers.get('location')!);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-disposition')).toMatch(/filename\*=UTF-8''%E7%81%AB/);
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
  });

  it('redirects downloads to presigned URLs that stop working after their lifetime', async () => {
    const s = server.services;
    const shortLived = createApiApp({
      catalog: s.catalog,
      archive: s.archive,
      subscribers: s.subscribers,
      notifier: s.notifier,
      reference: s.reference,
      config: { ...s.config, presignTtlSeconds: 1 },
      authenticate: async () => undefined,
      requestReport: async () => {
        throw new Error('not used');
      },
    });
    const res = await shortLived.request(`/bulletins/${firstIssueId}/download`);
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const presigned = res.headers.get('location')!;
    expect(new URL(presigned).searchParams.get('X-Amz-Expires')).toBe('1');
    expect((await fetch(presigned)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2_500));
    const expired = await fetch(presigned);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toMatch(/expired/i);
    // The server's own URLs last as configured, at most 15 minutes.
    const normal = await get(`/bulletins/${firstIssueId}/download`);
    const ttl = Number(new URL(normal.headers.get('location')!).searchParams.get('X-Amz-Expires'));
    expect(ttl).toBeGreaterThan(1);
    expect(ttl).toBeLessThanOrEqual(900);
  });

  it('shows the archive in a browser, and its latest-issue link downloads the PDF', async () => {
    const downloads = join(dir, 'downloads');
    const browser = await puppeteer.launch({
      executablePath: await chromium.executablePath(),
      args: chromium.args.filter((a) => a !== '--single-process' && !a.startsWith('--headless')),
      headless: 'shell',
      pipe: true,
      downloadBehavior: { policy: 'allow', downloadPath: downloads },
    });
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 390, height: 844, isMobile: true });
      // The landing page lists every series and links to each one's archive.
      const home = await page.goto(`${url}/`, { waitUntil: 'load' });
      expect(home?.status()).toBe(200);
      const cards = await page.$$eval('.card h2', (hs) => hs.map((h) => h.textContent ?? ''));
      expect(cards).toEqual([
        '火炬动态',
        '国家高新区园区画像',
        '国家高新区区域发展报告',
        '国家高新区主要指标快报',
      ]);
      // The old address of a series page redirects to its own page.
      const res = await page.goto(`${url}/?series=torch-bulletin`, { waitUntil: 'load' });
      expect(res?.status()).toBe(200);
      expect(page.url()).toBe(`${url}/series/torch-bulletin`);
      const latest = await (await get('/bulletins/latest')).json();
      const heading = await page.$eval('.latest h3', (h) => h.textContent ?? '');
      expect(heading).toContain(latest.issueLine);
      const rows = await page.$$eval('li.issue', (items) => items.length);
      expect(rows).toBe(2);
      const footer = await page.$eval('footer.site', (f) => f.textContent ?? '');
      expect(footer).toContain('火炬高技术产业开发中心');
      // Each issue lists its 要目 and opens its web edition.
      const toc = await page.$eval('li.issue ul.toc', (u) => u.textContent ?? '');
      expect(toc).toContain('【数据速览】');
      expect(latest.webUrl, JSON.stringify(latest)).toBe(`${url}/bulletins/${latest.id}/web`);

      // The web edition reads on a phone and a desktop: no horizontal scroll, no console error,
      // its links work.
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      for (const width of [390, 1280]) {
        await page.setViewport({ width, height: 900, isMobile: width < 600 });
        const web = await page.goto(latest.webUrl, { waitUntil: 'load' });
        expect(web?.status()).toBe(200);
        expect(web?.headers()['content-security-policy']).toContain("default-src 'none'");
        expect(await page.$eval('.masthead', (m) => m.textContent ?? '')).toContain(
          latest.issueLine,
        );
        const wide = await page.evaluate(
          () => document.documentElement.scrollWidth > window.innerWidth,
        );
        expect(wide).toBe(false);
        const hrefs = await page.$$eval('a[href^="/"]', (as) =>
          as.map((a) => a.getAttribute('href')),
        );
        for (const href of new Set(hrefs))
          expect((await fetch(`${url}${href}`, { redirect: 'manual' })).status).toBeLessThan(400);
      }
      expect(errors).toEqual([]);
      await page.setViewport({ width: 390, height: 844, isMobile: true });

      // Search finds released issues by the words in them.
      const found = await (await get(`/search?q=${encodeURIComponent('国家高新区')}`)).json();
      expect(found.hits.map((h: { id: string }) => h.id)).toContain(latest.id);
      const none = await (await get(`/search?q=${encodeURIComponent('不会出现的词ZZZ')}`)).json();
      expect(none.hits).toEqual([]);
      await page.goto(`${url}/series/torch-bulletin`, { waitUntil: 'load' });
      // Nothing overflows a phone's width.
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth > window.innerWidth,
      );
      expect(overflow).toBe(false);

      await page.click('#latest-download');
      let files: string[] = [];
      for (let i = 0; i < 100; i++) {
        files = (await readdir(downloads).catch(() => [])).filter(
          (f) => !f.endsWith('.crdownload'),
        );
        if (files.length) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(files).toEqual([latest.fileName]);
      expect(latest.fileName).toMatch(/^火炬动态-\d{4}-第\d+期\.pdf$/);
      const pdf = new Uint8Array(await readFile(join(downloads, files[0]!)));
      const text = (await pdfText(pdf)).join('\n');
      expect(text).toContain('火炬动态');
      expect(text).toContain(latest.issueLine);
      await page.close();
    } finally {
      await browser.close();
    }
  });
});
