/**
 * The console end to end in the project's Chromium (puppeteer-core + @sparticuz/chromium, the
 * project's fonts) against the local server `bulletin serve` runs, on the embedded stores:
 * a 编辑 signs in, reads a draft, releases it at an embargo about a minute ahead (not public
 * before, public after), withdraws it; a 管理员 switches a schedule off (its next fire times
 * disappear) and sends a test mail (found in the outbox). axe-core on every console page at 390
 * and 1280 px: counts printed, no serious or critical violation. Screenshots at both widths.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import { AxePuppeteer } from '@axe-core/puppeteer';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareFontconfig } from '#adapters/print/fonts.ts';
import { startLocalServer, type LocalServer } from '#local/server.ts';
import { addAccount } from '../../functions/app/desk.ts';
import { triggerReport } from '../../functions/app/lifecycle.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import { zonedParts } from '../../functions/core/display.ts';
import { seedRealData, startTestStores, type TestStores } from '#tests/support/stores.ts';
import { createTinyRenderer } from '#tests/support/tiny-renderer.ts';

const WIDTHS = [1280, 390] as const;

describe('the console in a real browser', () => {
  let stores: TestStores;
  let server: LocalServer;
  let browser: Browser;
  let dir: string;
  const shots = () => process.env['BULLETIN_SCREENSHOTS'] ?? dir;
  const started = Date.now();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'console-browser-'));
    await mkdir(join(dir, 'outbox'));
    stores = await startTestStores({ renderer: createTinyRenderer() });
    await seedRealData(stores.services);
    server = await startLocalServer({
      services: stores.services,
      loadData: false,
      outboxDir: join(dir, 'outbox'),
      workDir: join(dir, 'work'),
      token: 'console-browser-token',
    });
    await addAccount(stores.services.desk, {
      name: '王编辑',
      role: 'editor',
      password: 'editor-pass-1',
      by: 'test',
    });
    await addAccount(stores.services.desk, {
      name: '张管理',
      role: 'admin',
      password: 'admin-pass-12',
      by: 'test',
    });
    const fonts = await prepareFontconfig({ cacheDir: join(dir, 'fonts') });
    browser = await puppeteer.launch({
      env: { ...process.env, ...fonts.env },
      executablePath: await chromium.executablePath(),
      args: chromium.args.filter((a) => a !== '--single-process' && !a.startsWith('--headless')),
      headless: 'shell',
      pipe: true,
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await stores?.stop();
    await rm(dir, { recursive: true, force: true });
    console.log(`console browser test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  const serious: string[] = [];
  /** axe at both widths (counts printed) and a screenshot of each. */
  async function audit(page: Page, name: string) {
    for (const width of WIDTHS) {
      await page.setViewport({ width, height: 900, ...(width < 500 ? { isMobile: true } : {}) });
      await page.reload({ waitUntil: 'load' });
      const results = await new AxePuppeteer(page as never).analyze();
      const bad = results.violations.filter(
        (v) => v.impact === 'serious' || v.impact === 'critical',
      );
      console.log(
        `axe console ${name} @${width}px: ${results.violations.length} violation(s), ${bad.length} serious/critical, ${results.passes.length} rules passed${results.violations.length ? ` (${results.violations.map((v) => `${v.id}:${v.impact}`).join(', ')})` : ''}`,
      );
      for (const v of bad)
        serious.push(`${name} @${width}px ${v.impact} ${v.id}: ${v.nodes[0]?.html ?? ''}`);
      await page.screenshot({
        path: join(shots(), `console-${name}-${width}.png`),
        fullPage: true,
      });
    }
    await page.setViewport({ width: 1280, height: 900 });
  }

  async function signIn(page: Page, name: string, password: string) {
    await page.goto(`${server.url}/console`, { waitUntil: 'load' });
    await page.type('#name', name);
    await page.type('#password', password);
    await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
  }
  const go = (page: Page, path: string) => page.goto(`${server.url}${path}`, { waitUntil: 'load' });
  const submit = (page: Page, selector: string) =>
    Promise.all([page.waitForNavigation(), page.click(selector)]);
  const archived = async () =>
    (
      (await (await fetch(`${server.url}/bulletins`)).json()) as { items: { id: string }[] }
    ).items.map((i) => i.id);

  it('a 编辑 releases a draft at an embargo and withdraws it; every page passes axe', async () => {
    const made = await triggerReport(
      lifecycleDepsOf(server.publishDeps),
      { kind: 'torch-bulletin' },
      { slotKey: 'browser-1', trigger: 'test' },
    );
    const draftId = made.draft!.id;
    const page = await browser.newPage();
    await go(page, '/console/login');
    await audit(page, 'login');
    await signIn(page, '王编辑', 'editor-pass-1');
    expect(page.url()).toBe(`${server.url}/console/drafts`);
    await audit(page, 'drafts');
    await go(page, `/console/drafts/${draftId}`);
    await audit(page, 'draft');

    // The embargo: the next whole minute at least 60 s ahead, in Beijing time.
    const at = new Date(Math.ceil((Date.now() + 60_000) / 60_000) * 60_000);
    const p = zonedParts(at, 'Asia/Shanghai');
    const pad = (n: number) => String(n).padStart(2, '0');
    await page.click('#when-at');
    await page.type('#date', `${p.year}-${pad(p.month)}-${pad(p.day)}`);
    await page.type('#time', `${pad(p.hour)}:${pad(p.minute)}`);
    await submit(page, '#release');
    expect(await page.$eval('#check-when', (e) => e.textContent)).toContain('北京时间');
    await audit(page, 'release-check');
    await submit(page, '#confirm-release');
    expect(await page.$eval('#banner', (e) => e.textContent)).toContain('已定时发布');
    expect(await archived()).toEqual([]);
    // Public after its time (the server looks every second), not before.
    let issues: string[] = [];
    while (!issues.length) {
      expect(Date.now()).toBeLessThan(at.getTime() + 120_000);
      issues = await archived();
      if (!issues.length) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
    const issueId = issues[0]!;

    await go(page, '/console/issues');
    await audit(page, 'issues');
    await go(page, `/console/issues/${issueId}`);
    await audit(page, 'issue');
    expect(await page.$$eval('.access-who', (es) => es.map((e) => e.textContent))).toEqual([
      '王编辑',
    ]);
    await page.type('#reason', '测试撤回');
    await submit(page, '#withdraw');
    await audit(page, 'withdraw-check');
    await submit(page, '#confirm-withdraw');
    expect(await page.$eval('#banner', (e) => e.textContent)).toContain('已撤回');
    expect(await archived()).toEqual([]);
    for (const path of ['corrections', 'runs', 'record', 'subscribers', 'schedules'])
      await go(page, `/console/${path}`).then(() => audit(page, path));
  }, 600_000);

  it('a 管理员 switches a schedule off and sends a test mail', async () => {
    // A browser of its own (no 编辑's cookie).
    const page = await (await browser.createBrowserContext()).newPage();
    await signIn(page, '张管理', 'admin-pass-12');
    await go(page, '/console/schedules');
    expect(await page.$$eval('#schedule-monthly-bulletin .next-runs li', (es) => es.length)).toBe(
      3,
    );
    await submit(page, '#schedule-monthly-bulletin button.switch');
    expect(await page.$eval('#banner', (e) => e.textContent)).toContain('已停用');
    expect(await page.$$eval('#schedule-monthly-bulletin .next-runs li', (es) => es.length)).toBe(
      0,
    );
    expect(server.schedules.find((s) => s.id === 'monthly-bulletin')?.enabled).toBe(false);
    await go(page, '/console/accounts');
    await audit(page, 'accounts');
    await go(page, '/console/subscribers');
    await page.type('#email', 'desk@example.cn');
    await submit(page, '#send-test');
    expect(await page.$eval('#banner', (e) => e.textContent)).toContain('测试邮件已发出');
    expect((await readdir(join(dir, 'outbox'))).filter((f) => f.endsWith('.eml'))).toHaveLength(1);
    expect(serious).toEqual([]);
  }, 300_000);
});
