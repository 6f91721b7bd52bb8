/**
 * The reader pages in the project's headless Chromium, checked by axe-core (@axe-core/puppeteer)
 * at 390 and 1280 px: the landing page, a series' archive, an issue's page, the web edition of a corrected issue
 * (its 勘误说明), search, the release calendar (the repository's schedules, a date moved and one
 * cancelled with their reasons), the subscribe and confirm pages and a withdrawn issue's 撤回说明 — no
 * serious or critical violation; each page's counts are printed. Screenshots go to
 * $BULLETIN_SCREENSHOTS when set.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxePuppeteer } from '@axe-core/puppeteer';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareFontconfig } from '#adapters/print/fonts.ts';
import { correctIssue, releaseDraft, withdrawIssue } from '../../functions/app/lifecycle.ts';
import { startReaderSite, type ReaderSite } from '#tests/support/reader-site.ts';
import { REPO_ROOT } from '#tests/support/stack.ts';
import { loadSchedules } from '../../functions/app/schedules.ts';
import { cancelRelease, moveRelease, releaseCalendar } from '../../functions/app/calendar.ts';
import { calendarDepsOf } from '../../functions/wiring/calendar.ts';

const WIDTHS = [390, 1280] as const;

describe('reader pages pass axe-core', () => {
  let site: ReaderSite;
  let browser: Browser;
  let url = '';
  let dir = '';
  let token = '';
  let corrected = '';
  let withdrawn = '';
  const savedTmp = process.env['TMPDIR'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reader-a11y-'));
    process.env['TMPDIR'] = join(dir, 'tmp');
    await mkdir(join(dir, 'tmp'));
    const schedules = await loadSchedules(join(REPO_ROOT, 'data', 'schedules.json'));
    site = await startReaderSite({ calendar: schedules });
    const { deps, release } = site;
    url = site.url;
    const s = site.stores.services;
    // A corrected issue (修订) and a withdrawn one.
    const first = await release('a11y-1');
    await site.reviseGdp(first.period!, 100, '国家统计局修订公报（测试）');
    const correction = await correctIssue(deps, first.id, { by: 'editor', pages: [1] });
    corrected = (await releaseDraft(deps, correction.draft!.id, { by: 'editor' })).id;
    const second = await release('a11y-2');
    withdrawn = (
      await withdrawIssue(deps, second.id, { by: 'editor', reason: '本期误用了未经审核的数据' })
    ).id;
    token = (await s.subscribers.subscribe('torch-bulletin', 'reader@example.com')).subscription
      .token;
    // The calendar with a moved and a cancelled date, each with its reason.
    const calendar = { ...calendarDepsOf(s, schedules), lifecycle: deps };
    const [next, after] = (await releaseCalendar(calendar)).entries;
    await moveRelease(calendar, next!.ref, {
      to: new Date(Date.parse(next!.at) + 86_400_000),
      reason: '与国家统计局数据发布时间错开',
      by: 'editor',
    });
    await cancelRelease(calendar, after!.ref, { reason: '本期并入下一期发布', by: 'editor' });

    // The project's fonts (as the renderer uses them), so pages are checked as readers see them.
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
    await site?.stop();
    if (savedTmp === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = savedTmp;
    await rm(dir, { recursive: true, force: true });
  });

  /** Opens a page at each width, runs axe, prints the counts; returns serious/critical ones. */
  async function audit(name: string, open: (page: import('puppeteer-core').Page) => Promise<void>) {
    const serious: string[] = [];
    for (const width of WIDTHS) {
      const page = await browser.newPage();
      try {
        await page.setViewport({ width, height: 900, ...(width < 500 ? { isMobile: true } : {}) });
        await open(page);
        // The types are puppeteer's; puppeteer-core's page is the same object.
        const results = await new AxePuppeteer(page as never).analyze();
        const bad = results.violations.filter(
          (v) => v.impact === 'serious' || v.impact === 'critical',
        );
        console.log(
          `axe ${name} @${width}px: ${results.violations.length} violation(s), ${bad.length} serious/critical, ${results.passes.length} rules passed${results.violations.length ? ` (${results.violations.map((v) => `${v.id}:${v.impact}`).join(', ')})` : ''}`,
        );
        for (const v of bad)
          serious.push(`${name} @${width}px ${v.impact} ${v.id}: ${v.nodes[0]?.html ?? ''}`);
        if (process.env['BULLETIN_SCREENSHOTS'])
          await page.screenshot({
            path: join(process.env['BULLETIN_SCREENSHOTS'], `${name}-${width}.png`),
            fullPage: true,
          });
      } finally {
        await page.close();
      }
    }
    return serious;
  }

  const visit = (path: string) => async (page: import('puppeteer-core').Page) => {
    const res = await page.goto(`${url}${path}`, { waitUntil: 'load' });
    expect(res?.status(), path).toBeLessThan(300);
  };

  it('finds no serious or critical violation on any reader page, at 390 and 1280 px', async () => {
    const pages: [string, (page: import('puppeteer-core').Page) => Promise<void>][] = [
      ['landing', visit('/')],
      ['series', visit('/series/torch-bulletin')],
      ['issue', visit(`/bulletins/${corrected}`)],
      ['web-edition', visit(`/bulletins/${corrected}/web`)],
      ['search', visit(`/search?q=${encodeURIComponent('高新区')}`)],
      [
        'calendar',
        async (page) => {
          await visit('/calendar')(page);
          const text = await page.content();
          expect(text).toContain('与国家统计局数据发布时间错开');
          expect(text).toContain('本期并入下一期发布');
        },
      ],
      ['withdrawal', visit(`/bulletins/${withdrawn}/web`)],
      ['confirm', visit(`/subscriptions/confirm?token=${token}`)],
      [
        'subscribe',
        async (page) => {
          await page.goto(`${url}/series/torch-bulletin`, { waitUntil: 'load' });
          await page.type('form.subscribe input[type=email]', 'new-reader@example.com');
          await Promise.all([page.waitForNavigation(), page.click('form.subscribe button')]);
          expect(await page.content()).toContain('请查收确认邮件');
        },
      ],
    ];
    const serious: string[] = [];
    for (const [name, open] of pages) serious.push(...(await audit(name, open)));
    expect(serious).toEqual([]);
  }, 240_000);
});
