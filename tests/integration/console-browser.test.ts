/**
 * The console end to end in the project's Chromium (puppeteer-core + @sparticuz/chromium, the
 * project's fonts) against the local server `bulletin serve` runs, on the embedded stores:
 * a 编辑 signs in, reads a draft, releases it at an embargo about a minute ahead (not public
 * before, public after), withdraws it; while the embargo runs, retries a run whose render failed
 * (the failure injected into the renderer) and corrects that released issue after one of its
 * records is revised (勘误 → the corrections view old → new → the 修订版 draft → released),
 * and a 管理员 switches a schedule off (its next fire times disappear) and sends a test mail
 * (found in the outbox): the embargo's minute is spent on work, not idling. axe-core on every console page at 390 and 1280 px: counts printed, no serious
 * or critical violation. Screenshots at both widths (in `BULLETIN_SCREENSHOTS` when set).
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
import { ingestFiles } from '../../functions/app/ingest.ts';
import { releaseDraft, triggerReport, type LifecycleDeps } from '../../functions/app/lifecycle.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import { zonedParts } from '../../functions/core/time.ts';
import { seedRealData, startTestStores, type TestStores } from '#tests/support/stores.ts';
import { createTinyRenderer, type TinyRenderer } from '#tests/support/tiny-renderer.ts';

const WIDTHS = [1280, 390] as const;

describe('the console in a real browser', () => {
  let stores: TestStores;
  let server: LocalServer;
  let browser: Browser;
  let dir: string;
  let renderer: TinyRenderer;
  let cycle: LifecycleDeps;
  const shots = () => process.env['BULLETIN_SCREENSHOTS'] ?? dir;
  const started = Date.now();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'console-browser-'));
    await mkdir(join(dir, 'outbox'));
    renderer = createTinyRenderer();
    stores = await startTestStores({ renderer });
    await seedRealData(stores.services);
    server = await startLocalServer({
      services: stores.services,
      loadData: false,
      outboxDir: join(dir, 'outbox'),
      workDir: join(dir, 'work'),
      token: 'console-browser-token',
    });
    cycle = lifecycleDepsOf(server.publishDeps);
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
      // Nothing wider than the screen: a phone never scrolls sideways (the draft's 阅稿记录 did).
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      if (wide > width) serious.push(`${name} @${width}px is ${wide}px wide`);
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
  /** The 《火炬动态》 issues the public archive lists. */
  const archived = async () =>
    (
      (await (await fetch(`${server.url}/bulletins?series=torch-bulletin`)).json()) as {
        items: { id: string }[];
      }
    ).items.map((i) => i.id);
  const text = (page: Page, selector: string) =>
    page.$eval(selector, (e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim());

  /**
   * A run whose render fails (injected into the renderer), seen failed with its error on 运行记录
   * and retried there: the retry releases it (the regional report needs no review).
   * @returns the issue the retry released.
   */
  async function retryFailedRun(page: Page): Promise<string> {
    // Only the regional report's render (the server may print the embargoed issue meanwhile).
    renderer.failNextOf = { path: /regional-report/, error: new Error('注入的故障：渲染进程退出') };
    const failed = await triggerReport(
      cycle,
      { kind: 'regional-report', region: '长三角' },
      { slotKey: 'browser-retry', trigger: 'test' },
    ).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(Error);
    const [run] = (await cycle.catalog.listRuns({ limit: 10 })).filter(
      (r) => r.slotKey === 'browser-retry',
    );
    expect(run?.outcome).toBe('failed');
    const row = `tr.run[data-run="${run!.runId}"]`;
    await go(page, '/console/runs');
    expect(await text(page, `${row} .run-outcome`)).toBe('失败');
    expect(await text(page, row)).toContain('注入的故障：渲染进程退出');
    await audit(page, 'runs');
    await submit(page, `${row} button.retry`);
    expect(await text(page, '#banner')).toContain('已重试：已发布');
    // The retry is a run of its own, released; the failed one stays failed.
    expect(await text(page, 'tr.run:first-child .run-outcome')).toBe('已发布');
    expect(await text(page, `${row} .run-outcome`)).toBe('失败');
    const issueId = await page.$eval('tr.run:first-child a[href^="/console/issues/"]', (a) =>
      a.getAttribute('href')!.replace('/console/issues/', ''),
    );
    expect(issueId).toMatch(/^regional-report-\d+$/);
    return issueId;
  }

  /** Revises the value of a record (a source's revised figure, ingested as `bulletin ingest` does). */
  async function revise(key: string): Promise<string> {
    const [zone, indicator, period] = key.split('#') as [string, string, string];
    const rec = (await stores.services.records.currentValues([{ zone, indicator, period }])).get(
      key,
    )!;
    const decimals = String(rec.reportedValue).split('.')[1]?.length ?? 0;
    const revised = (Number(rec.reportedValue) + 10 ** -decimals * 7).toFixed(decimals);
    const csv = `zone,indicator,period,value,unit,yoy,share,qualifier,source\n${zone},${indicator},${period},${revised},${rec.reportedUnit},${rec.yoy ?? ''},${rec.share ?? ''},${rec.qualifier ?? ''},工业和信息化部修订数据\n`;
    await ingestFiles({ records: stores.services.records, reference: stores.services.reference }, [
      { name: 'revision.csv', bytes: new TextEncoder().encode(csv) },
    ]);
    return revised;
  }

  /**
   * `issueId` printed a record revised since: it shows on 勘误, its corrections view says where
   * the figure is printed and old → new, the 修订版 draft is made, checked and released.
   */
  async function correctAfterRevision(
    page: Page,
    issueId: string,
    figure: { label: string; text: string; revised: string },
  ) {
    await go(page, '/console/corrections');
    const entry = await text(page, `#correction-${issueId}`);
    expect(entry).toContain(figure.label);
    expect(entry).toContain(figure.revised);
    await audit(page, 'corrections');
    await submit(page, `#correction-${issueId} a.button`);
    expect(page.url()).toBe(`${server.url}/console/issues/${issueId}/correct`);
    const view = await page.$$eval('#correction-changes tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent?.trim())),
    );
    expect(view).toContainEqual([
      expect.stringMatching(new RegExp(`^${figure.label}印于第 \\d`)),
      '数值',
      figure.text,
      expect.stringContaining(figure.revised),
      '工业和信息化部修订数据',
    ]);
    await audit(page, 'correct');
    await submit(page, '#make-correction');
    expect(await text(page, '#banner')).toContain('修订版稿件已生成');
    expect(await text(page, '#corrections')).toContain(figure.label);
    await audit(page, 'correction-draft');
    await submit(page, '#release');
    await submit(page, '#confirm-release');
    expect(await text(page, '#banner')).toContain('稿件已发布');

    await go(page, `/console/issues/${issueId}`);
    expect(await text(page, '#issue-facts')).toContain('第 2 版');
    expect(await text(page, '#editions')).toContain('第 2 版（修订版）');
    await go(page, '/console/corrections');
    expect(await page.$(`#correction-${issueId}`)).toBeNull();
  }

  /** A 管理员, in a browser context of its own (no 编辑's cookie), switches a schedule off and sends a test mail. */
  async function adminSwitchesScheduleAndSendsMail() {
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
    expect(await page.$eval('#banner', (e) => e.textContent)).toContain(
      '测试邮件：已写入本地发件箱',
    );
    expect((await readdir(join(dir, 'outbox'))).filter((f) => f.endsWith('.eml'))).toHaveLength(1);
    await page.browserContext().close();
  }

  it('a 编辑 releases a draft at an embargo, withdraws it, retries a run, corrects an issue; meanwhile a 管理员 switches a schedule off and sends a test mail', async () => {
    // An earlier issue (551); then a figure it printed is revised, and the next draft made.
    const earlierDraft = await triggerReport(
      cycle,
      { kind: 'torch-bulletin' },
      { slotKey: 'browser-0', trigger: 'test' },
    );
    const earlier = await releaseDraft(cycle, earlierDraft.draft!.id, { by: '王编辑' });
    const gdp = (await cycle.catalog.printedOf(earlier.id)).find(
      (r) => r.key === `national-htz#gdp#${earlier.period}` && r.text,
    )!;
    const revised = await revise(gdp.key);
    const made = await triggerReport(
      cycle,
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
    // What changed since 551: the revised figure, where the draft prints it, old → new.
    const changed = await page.$$eval('#changes tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent?.trim())),
    );
    expect(changed).toContainEqual([
      expect.stringContaining(gdp.label),
      expect.stringMatching(/^第 \d+ 页 《/),
      gdp.text,
      expect.stringContaining(revised),
    ]);
    // …and the articles that print it, changed; its web edition, for the console only.
    const articles = await text(page, '#article-changes');
    expect(articles).toContain('有改动 【工作动态】2024年国家高新区主要经济指标发布');
    expect(articles).not.toContain('新增');
    await audit(page, 'draft');
    // The draft's PDF in a frame on a desktop; on a phone (which shows a framed PDF as an empty
    // box or its first page alone) the frame gives way to a line that points to the link.
    const shown = (sel: string) =>
      page.$eval(
        sel,
        (el) => getComputedStyle(el).display !== 'none' && el.getBoundingClientRect().height > 0,
      );
    expect([await shown('iframe.pdf'), await shown('#draft-pdf-phone')]).toEqual([true, false]);
    await page.setViewport({ width: 390, height: 900, isMobile: true });
    expect([await shown('iframe.pdf'), await shown('#draft-pdf-phone')]).toEqual([false, true]);
    expect(await shown('#draft-pdf')).toBe(true);
    await page.setViewport({ width: 1280, height: 900 });
    await submit(page, '#draft-web');
    expect(await text(page, '.edition-note')).toContain('样稿');
    expect(await text(page, 'main')).toContain(revised);
    await audit(page, 'draft-web');
    await go(page, `/console/drafts/${draftId}`);

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
    expect(await archived()).toEqual([earlier.id]);

    // While the embargo runs: retry a failed run; correct the earlier issue after its revision.
    await retryFailedRun(page);
    await correctAfterRevision(page, earlier.id, { ...gdp, text: gdp.text!, revised });
    // The pages the embargo does not change, audited while it runs too.
    for (const path of ['record', 'subscribers', 'schedules'])
      await go(page, `/console/${path}`).then(() => audit(page, path));
    console.log(
      `console browser test: ${((at.getTime() - Date.now()) / 1000).toFixed(0)} s of the embargo left after the steps it waits on`,
    );
    if (Date.now() < at.getTime() - 1000) expect(await archived()).toEqual([earlier.id]);
    // The rest of the embargo's minute goes to a 管理员's work, which the embargo does not touch.
    await adminSwitchesScheduleAndSendsMail();

    // Public after its time (the server looks every second), not before.
    let issues: string[] = [];
    for (;;) {
      issues = await archived();
      if (issues.length >= 2) break;
      expect(Date.now()).toBeLessThan(at.getTime() + 120_000);
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
    const issueId = issues.find((id) => id !== earlier.id)!;

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
    expect(await archived()).toEqual([earlier.id]);
  }, 600_000);

  it('every console page passes axe at 390 and 1280 px: no serious or critical violation', () => {
    expect(serious).toEqual([]);
  });
});
