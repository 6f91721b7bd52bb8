/**
 * The editor's console over HTTP (what a browser does with JavaScript off), against the real
 * API app on real dynalite + s3rver: named accounts, roles, CSRF, login throttling, release
 * through the check page, and the record of who did what and who read a draft before release.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../../functions/api/app.ts';
import { discardDraft, triggerReport, type LifecycleDeps } from '../../functions/app/lifecycle.ts';
import { addAccount } from '../../functions/app/desk.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import {
  publishDeps,
  seedRealData,
  startTestStores,
  type TestStores,
} from '#tests/support/stores.ts';
import { createTinyRenderer } from '#tests/support/tiny-renderer.ts';
import { consoleClient } from '#tests/support/console.ts';
import { createOutboxNotifier } from '#adapters/ses/notifier.ts';
import { readdir, readFile } from 'node:fs/promises';

const TOKEN = 'console-test-machine-token';
const PASSWORD = {
  editor: 'editor-pass-123',
  reviewer: 'reviewer-pass-123',
  admin: 'admin-pass-1234',
};

describe('the console', () => {
  let stores: TestStores;
  let server: Server;
  let url = '';
  let lifecycle: LifecycleDeps;
  let dir: string;
  const savedTmp = process.env['TMPDIR'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'console-'));
    process.env['TMPDIR'] = join(dir, 'tmp');
    await mkdir(join(dir, 'tmp'));
    const renderer = createTinyRenderer();
    stores = await startTestStores({ renderer });
    await seedRealData(stores.services);
    const s = stores.services;
    lifecycle = lifecycleDepsOf(publishDeps(s, renderer, join(stores.dir, 'work')));
    for (const [name, role] of [
      ['王编辑', 'editor'],
      ['李审阅', 'reviewer'],
      ['张管理', 'admin'],
    ] as const)
      await addAccount(s.desk, { name, role, password: PASSWORD[role], by: 'test' });
    const authenticate = async (req: Request) =>
      req.headers.get('authorization') === `Bearer ${TOKEN}` ? 'script' : undefined;
    const app = createApiApp({
      catalog: s.catalog,
      archive: s.archive,
      subscribers: s.subscribers,
      notifier: s.notifier,
      reference: s.reference,
      config: s.config,
      authenticate,
      async requestReport() {
        throw new Error('not used here');
      },
      operator: {
        lifecycle,
        authenticate,
        series: s.reference.series.map((x) => x.id),
        presignTtlSeconds: 60,
        timeZone: s.config.timeZone,
        desk: s.desk,
      },
      console: {
        lifecycle,
        desk: s.desk,
        subscribers: s.subscribers,
        notifier: createOutboxNotifier(join(dir, 'outbox')),
        publicBaseUrl: () => url,
        reference: s.reference,
        series: s.reference.series.map((x) => x.id),
        timeZone: s.config.timeZone,
        presignTtlSeconds: 60,
      },
    });
    server = createAdaptorServer({ hostname: '127.0.0.1', fetch: app.fetch }) as Server;
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await stores?.stop();
    if (savedTmp === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = savedTmp;
    await rm(dir, { recursive: true, force: true });
  });

  it('sends the old operator page and anyone signed out to the console sign-in', async () => {
    const old = await fetch(`${url}/operator`, { redirect: 'manual' });
    expect(old.status).toBe(301);
    expect(old.headers.get('location')).toBe('/console');
    const page = await consoleClient(url).get('/console/drafts');
    expect(page.status).toBe(303);
    expect(page.location).toBe('/console/login?next=%2Fconsole%2Fdrafts');
    // The machine token still serves scripts (JSON), not people.
    expect((await fetch(`${url}/operator/api/drafts`)).status).toBe(401);
  });

  it('answers an unknown console address with a console page in Chinese, not the API JSON', async () => {
    const editor = consoleClient(url);
    await editor.login('王编辑', PASSWORD.editor);
    const page = await editor.get('/console/no-such-page');
    expect(page.status).toBe(404);
    expect(page.html).toContain('<html lang="zh-CN">');
    expect(page.html).toContain('编辑部没有这个页面');
    expect(page.html).not.toContain('"error"');
  });

  it('throttles the sixth wrong password in a minute, even when it is right', async () => {
    const client = consoleClient(url);
    await addAccount(stores.services.desk, {
      name: 'throttled',
      role: 'reviewer',
      password: 'the-right-one',
      by: 'test',
    });
    for (let i = 1; i <= 5; i++) {
      const wrong = await client.login('throttled', `wrong-${i}`);
      expect(wrong.status, `attempt ${i}`).toBe(400);
      expect(wrong.html).toContain('账号名或密码不正确');
    }
    const sixth = await client.login('throttled', 'the-right-one');
    expect(sixth.status).toBe(429);
    expect(sixth.html).toMatch(/登录失败次数过多，请 \d+ 秒后再试/);
    // Another account from another test client is not affected by this account's count.
    expect((await consoleClient(url).login('李审阅', PASSWORD.reviewer)).status).toBe(303);
  }, 60_000);

  it('refuses a form without its CSRF token, and a login form without its own', async () => {
    const made = await triggerReport(
      lifecycle,
      { kind: 'indicator-flash' },
      // As `bulletin generate` records it: the console says 命令行, not cli.
      { slotKey: 'csrf-1', trigger: 'cli' },
    );
    const draftId = made.draft!.id;
    const editor = consoleClient(url);
    expect((await editor.login('王编辑', PASSWORD.editor)).location).toBe('/console/drafts');
    await editor.get(`/console/drafts/${draftId}`);
    const refused = await editor.post(
      `/console/drafts/${draftId}/discard`,
      { reason: '测试' },
      { csrf: null },
    );
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('校验码');
    const forged = await editor.post(`/console/drafts/${draftId}/discard`, {
      reason: '测试',
      _csrf: 'x'.repeat(32),
    });
    expect(forged.status).toBe(403);
    expect((await lifecycle.catalog.getDraft(draftId))?.status).toBe('draft');
    // With the token it works (and is recorded).
    const done = await editor.post(`/console/drafts/${draftId}/discard`, { reason: '测试弃用' });
    expect(done.status).toBe(303);
    expect((await lifecycle.catalog.getDraft(draftId))?.status).toBe('discarded');
    const login = await fetch(`${url}/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: '王编辑', password: PASSWORD.editor }).toString(),
      redirect: 'manual',
    });
    expect(login.status).toBe(403);
  });

  it('gives a 审阅 the draft but no release button, and a 403 on the release routes', async () => {
    const made = await triggerReport(
      lifecycle,
      { kind: 'torch-bulletin' },
      { slotKey: 'review-1', trigger: 'test' },
    );
    const draftId = made.draft!.id;
    const reviewer = consoleClient(url);
    await reviewer.login('李审阅', PASSWORD.reviewer);
    const page = await reviewer.get(`/console/drafts/${draftId}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain(draftId);
    expect(page.html).not.toContain('id="release"');
    expect(page.html).toContain('id="reviewer-note"');
    for (const route of ['release/check', 'release', 'discard']) {
      const r = await reviewer.post(`/console/drafts/${draftId}/${route}`, {
        when: 'now',
        reason: 'x',
      });
      expect(r.status, route).toBe(403);
      expect(r.html).toContain('您是审阅');
    }
    expect((await lifecycle.catalog.getDraft(draftId))?.status).toBe('draft');
  });

  it('releases through the check page; the record names who, and the access list exactly who read the draft', async () => {
    const draftId = (await lifecycle.catalog.openDrafts()).find(
      (d) => d.kind === 'torch-bulletin',
    )!.id;
    const editor = consoleClient(url);
    await editor.login('王编辑', PASSWORD.editor);
    const list = await editor.get('/console/drafts');
    expect(list.html).toContain(`/console/drafts/${draftId}`);
    await editor.get(`/console/drafts/${draftId}`);
    // A time in the past is refused with the error summary; nothing changes.
    const past = await editor.post(`/console/drafts/${draftId}/release/check`, {
      when: 'at',
      date: '2020-01-01',
      time: '09:30',
    });
    expect(past.status).toBe(400);
    expect(past.html).toContain('class="error-summary"');
    expect(past.html).toContain('已过');
    const malformed = await editor.post(`/console/drafts/${draftId}/release/check`, {
      when: 'at',
      date: '2026-02-30',
      time: '9',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.html).toContain('href="#date"');
    // Check your answers, then release.
    const check = await editor.post(`/console/drafts/${draftId}/release/check`, { when: 'now' });
    expect(check.status).toBe(200);
    expect(check.html).toContain('发布前请核对');
    expect(check.html).toContain('立即发布');
    expect((await lifecycle.catalog.getDraft(draftId))?.status).toBe('draft');
    const released = await editor.post(`/console/drafts/${draftId}/release`, { when: 'now' });
    expect(released.status).toBe(303);
    const draft = await lifecycle.catalog.getDraft(draftId);
    expect(draft?.status).toBe('published');
    expect(draft?.decidedBy).toBe('王编辑');
    expect(released.location).toBe(`/console/drafts?issue=${draft!.issueId}&done=released`);
    const banner = await editor.get(released.location!);
    expect(banner.html).toContain('稿件已发布');

    const record = await stores.services.desk.records({ target: draftId });
    expect(record.map((r) => [r.who, r.via, r.action])).toEqual([['王编辑', 'console', 'release']]);
    expect(await stores.services.desk.records({ target: draft!.issueId! })).toHaveLength(1);
    // 李审阅 (previous test) and 王编辑 opened it; 张管理 never did.
    const readers = (await stores.services.desk.accessOf(draftId)).map((a) => a.who).sort();
    expect(readers).toEqual(['李审阅', '王编辑'].sort());
    // Reading the released draft's page again adds nobody.
    await consoleClient(url).login('张管理', PASSWORD.admin);
    const admin = consoleClient(url);
    await admin.login('张管理', PASSWORD.admin);
    await admin.get(`/console/drafts/${draftId}`);
    expect((await stores.services.desk.accessOf(draftId)).map((a) => a.who).sort()).toEqual(
      readers,
    );
  }, 120_000);

  it("shows a draft's web edition to people signed in only, noted as pre-release access; no reader route has it", async () => {
    const draft = (
      await triggerReport(
        lifecycle,
        { kind: 'torch-bulletin' },
        { slotKey: 'web-1', trigger: 'test', force: true },
      )
    ).draft!;
    expect(draft.webKey).toMatch(/^drafts\/.+\.html$/);
    const web = `/console/drafts/${draft.id}/web`;

    // Signed out: the sign-in page, not the draft.
    const anonymous = await fetch(`${url}${web}`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toMatch(/^\/console\/login/);
    // No reader route serves a draft (its id is no issue id: refused or not found).
    for (const path of [`/bulletins/${draft.id}/web`, `/bulletins/${draft.id}`])
      expect([400, 404], path).toContain((await fetch(`${url}${path}`)).status);

    const reviewer = consoleClient(url);
    await reviewer.login('李审阅', PASSWORD.reviewer);
    const detail = await reviewer.get(`/console/drafts/${draft.id}`);
    expect(detail.html).toContain(`href="${web}"`);
    const before = (await stores.services.desk.accessOf(draft.id)).find((a) => a.who === '李审阅');
    const page = await reviewer.get(web);
    expect(page.status).toBe(200);
    expect(page.html).toContain('样稿：仅供编辑部审阅');
    expect(page.html).toContain(`href="/console/drafts/${draft.id}/pdf"`);
    const after = (await stores.services.desk.accessOf(draft.id)).find((a) => a.who === '李审阅');
    // Noted (its last time), the same reading as the draft's page just before: not counted again.
    expect(after!.lastAt >= before!.lastAt).toBe(true);
    expect(after!.count).toBe(before!.count);

    // Discarded: its web edition is gone with its PDF.
    await discardDraft(lifecycle, draft.id, { by: '王编辑', reason: 'test' });
    expect(await stores.services.archive.head(draft.webKey!)).toBeUndefined();
    expect((await reviewer.get(web)).status).toBe(404);
  });

  it('signs out: the session is gone', async () => {
    const editor = consoleClient(url);
    await editor.login('王编辑', PASSWORD.editor);
    expect((await editor.get('/console/drafts')).status).toBe(200);
    expect((await editor.post('/console/logout', {})).location).toBe(
      '/console/login?done=signed-out',
    );
    // The sign-in page it lands on says the person is signed out.
    const signedOut = await editor.get('/console/login?done=signed-out');
    expect(signedOut.html).toMatch(/id="banner"[\s\S]*已退出编辑部/);
    expect((await editor.get('/console/drafts')).status).toBe(303);
  });

  it('withdraws an issue through its check page; the issue page shows the record and who read its draft', async () => {
    const issue = (await lifecycle.catalog.allIssues('torch-bulletin')).find(
      (i) => i.status === 'published',
    )!;
    const reviewer = consoleClient(url);
    await reviewer.login('李审阅', PASSWORD.reviewer);
    const seen = await reviewer.get(`/console/issues/${issue.id}`);
    expect(seen.status).toBe(200);
    expect(seen.html).not.toContain('id="withdraw"');
    expect(
      (await reviewer.post(`/console/issues/${issue.id}/withdraw`, { reason: 'x' })).status,
    ).toBe(403);

    const editor = consoleClient(url);
    await editor.login('王编辑', PASSWORD.editor);
    const list = await editor.get('/console/issues');
    expect(list.html).toContain(`/console/issues/${issue.id}`);
    const page = await editor.get(`/console/issues/${issue.id}`);
    // The record and the pre-release access record, both on the issue's page.
    expect(page.html).toMatch(/class="record-who">王编辑<\/td>[\s\S]*?class="record-action">发布</);
    const readers = [...page.html.matchAll(/class="access-who">([^<]+)</g)].map((m) => m[1]).sort();
    expect(readers).toEqual(['李审阅', '王编辑'].sort());
    const empty = await editor.post(`/console/issues/${issue.id}/withdraw/check`, { reason: ' ' });
    expect(empty.status).toBe(400);
    expect(empty.html).toContain('请写明撤回原因');
    const check = await editor.post(`/console/issues/${issue.id}/withdraw/check`, {
      reason: '数据口径有误',
    });
    expect(check.html).toContain('撤回前请核对');
    expect((await lifecycle.catalog.issueByTotal('torch-bulletin', issue.total))?.status).toBe(
      'published',
    );
    const done = await editor.post(`/console/issues/${issue.id}/withdraw`, {
      reason: '数据口径有误',
    });
    expect(done.location).toBe(`/console/issues/${issue.id}?done=withdrawn`);
    const after = await editor.get(done.location!);
    expect(after.html).toContain('已撤回：往期查阅与订阅源不再列出此期');
    expect(after.html).toContain('数据口径有误');
    // Withdrawn twice: refused (409) with the reason in words, no module tag, nothing English.
    const again = await editor.post(`/console/issues/${issue.id}/withdraw`, { reason: '再撤一次' });
    expect(again.status).toBe(409);
    expect(again.html).toMatch(/<p id="detail">原因：[^<[]*[\u4e00-\u9fff]/);
    expect(again.html).not.toMatch(/technical detail|\[lifecycle\]/);
    expect((await lifecycle.catalog.issueByTotal('torch-bulletin', issue.total))?.status).toBe(
      'withdrawn',
    );
    const record = await stores.services.desk.records({ target: issue.id });
    expect(record.map((r) => [r.who, r.action, r.detail])[0]).toEqual([
      '王编辑',
      'withdraw',
      '数据口径有误',
    ]);
    // The whole record, newest first.
    const all = await editor.get('/console/record');
    const actions = [...all.html.matchAll(/class="record-action">([^<]+)</g)].map((m) => m[1]);
    expect(actions[0]).toBe('撤回');
    expect(actions).toContain('发布');
  }, 60_000);

  it('lists runs with their outcome in words; a 管理员 sends a test mail and sees the counts', async () => {
    const editor = consoleClient(url);
    await editor.login('王编辑', PASSWORD.editor);
    const runs = await editor.get('/console/runs');
    expect(runs.html).toContain('已生成稿件');
    expect(runs.html).toContain('<td data-label="触发">命令行</td>');
    expect(runs.html).not.toContain('<td data-label="触发">cli</td>');
    // The terminal's hint (审阅后用 bulletin release …) is not the console's.
    expect(runs.html).toContain('待审：在“待审稿件”中审阅后发布或弃用');
    expect(runs.html).not.toContain('bulletin release');
    expect(runs.html).not.toContain('class="secondary retry"');
    // A 编辑 may not mail; the 管理员 may.
    expect(
      (await editor.post('/console/subscribers/test-mail', { email: 'desk@example.cn' })).status,
    ).toBe(403);
    const admin = consoleClient(url);
    await admin.login('张管理', PASSWORD.admin);
    const page = await admin.get('/console/subscribers');
    expect(page.html).toMatch(/class="big count-confirmed">0</);
    const bad = await admin.post('/console/subscribers/test-mail', { email: 'not-an-address' });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('href="#email"');
    const sent = await admin.post('/console/subscribers/test-mail', { email: 'desk@example.cn' });
    expect(sent.location).toBe('/console/subscribers?done=test-mail');
    const files = (await readdir(join(dir, 'outbox'))).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    expect(await readFile(join(dir, 'outbox', files[0]!), 'utf8')).toMatch(
      /^To: desk@example\.cn/m,
    );
    const record = await stores.services.desk.records({ limit: 1 });
    expect(record[0]).toMatchObject({ who: '张管理', via: 'console', action: 'test-mail' });
    // Where it went, in words: the outbox file (not the raw Message-ID), on the banner too.
    const eml = join(dir, 'outbox', files[0]!);
    expect(record[0]!.detail).toBe(
      `测试邮件：已写入本地发件箱 ${eml}（本机不真正发信；用邮件程序打开这个 .eml 文件查看）`,
    );
    const banner = (await admin.get(sent.location!)).html;
    expect(banner).toContain(`已写入本地发件箱 ${eml}`);
    // Accounts: listed for the 管理员 only.
    expect((await admin.get('/console/accounts')).html).toContain('李审阅');
    expect((await editor.get('/console/accounts')).status).toBe(403);
    expect((await editor.get('/console/drafts')).html).not.toContain('href="/console/accounts"');
  }, 60_000);
});
