/**
 * The operator page in the project's headless Chromium, against the real API app on real
 * dynalite + s3rver: log in with the operator token, list drafts, open one, release it. Drafts are
 * invisible to the public archive, the API and the feed until then.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import { createAdaptorServer } from '@hono/node-server';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../../functions/api/app.ts';
import { triggerReport, type LifecycleDeps } from '../../functions/app/lifecycle.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import {
  publishDeps,
  seedRealData,
  startTestStores,
  type TestStores,
} from '#tests/support/stores.ts';
import { createTinyRenderer } from '#tests/support/tiny-renderer.ts';

const TOKEN = 'operator-page-test-token';

describe('the operator page', () => {
  let stores: TestStores;
  let server: Server;
  let url = '';
  let lifecycle: LifecycleDeps;
  let dir: string;
  const savedTmp = process.env['TMPDIR'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'operator-page-'));
    process.env['TMPDIR'] = join(dir, 'tmp');
    await mkdir(join(dir, 'tmp'));
    const renderer = createTinyRenderer();
    stores = await startTestStores({ renderer });
    await seedRealData(stores.services);
    const s = stores.services;
    lifecycle = lifecycleDepsOf(publishDeps(s, renderer, join(stores.dir, 'work')));
    const app = createApiApp({
      catalog: s.catalog,
      archive: s.archive,
      subscribers: s.subscribers,
      notifier: s.notifier,
      reference: s.reference,
      config: s.config,
      async authenticate(req) {
        return req.headers.get('authorization') === `Bearer ${TOKEN}` ? 'editor' : undefined;
      },
      async requestReport() {
        throw new Error('not used here');
      },
      operator: {
        lifecycle,
        authenticate: async (req) =>
          req.headers.get('authorization') === `Bearer ${TOKEN}` ? 'editor' : undefined,
        series: s.reference.series.map((x) => x.id),
        presignTtlSeconds: 60,
        timeZone: s.config.timeZone,
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

  it('refuses the operator API without the token', async () => {
    expect((await fetch(`${url}/operator/api/drafts`)).status).toBe(401);
    const page = await (await fetch(`${url}/operator`)).text();
    expect(page).toContain('name="token"');
    expect(page).not.toContain('id="drafts"');
  });

  it('lists drafts, opens one and releases it in a real browser; the public sees it only then', async () => {
    // Prepare: a trigger makes a draft (the bulletin's series needs review).
    const made = await triggerReport(
      lifecycle,
      { kind: 'torch-bulletin' },
      { slotKey: 'op-1', trigger: 'test' },
    );
    expect(made.outcome).toBe('drafted');
    const draftId = made.draft!.id;
    expect((await (await fetch(`${url}/bulletins`)).json()).items).toEqual([]);
    expect(await (await fetch(`${url}/feeds/torch-bulletin.atom`)).text()).not.toContain('<entry>');
    expect(await (await fetch(`${url}/`)).text()).not.toContain(draftId);

    const browser = await puppeteer.launch({
      executablePath: await chromium.executablePath(),
      args: chromium.args.filter((a) => a !== '--single-process' && !a.startsWith('--headless')),
      headless: 'shell',
      pipe: true,
    });
    try {
      const page = await browser.newPage();
      // The page's policy forbids scripts to fetch (no script of its own does); the test's fetch
      // of the PDF link below stands for the browser following it.
      await page.setBypassCSP(true);
      // Act: log in
      await page.goto(`${url}/operator`, { waitUntil: 'load' });
      await page.type('input[name=token]', TOKEN);
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      // the list
      const listed = await page.$$eval('a.draft-link', (as) => as.map((a) => a.textContent));
      expect(listed).toEqual([draftId]);
      await page.setViewport({ width: 390, height: 844, isMobile: true });
      await page.screenshot({
        path: join(process.env.BULLETIN_SCREENSHOTS ?? dir, 'operator-list-390.png'),
      });
      // open it
      await Promise.all([page.waitForNavigation(), page.click('a.draft-link')]);
      expect(await page.$eval('#draft-id', (e) => e.textContent)).toBe(draftId);
      expect(await page.$eval('#draft-status', (e) => e.textContent)).toContain('draft');
      const pdfHref = await page.$eval('#draft-pdf', (a) => (a as HTMLAnchorElement).href);
      const pdf = await page.evaluate(async (href) => {
        const res = await fetch(href);
        return { status: res.status, type: res.headers.get('content-type') };
      }, pdfHref);
      expect(pdf).toEqual({ status: 200, type: 'application/pdf' });
      await page.setViewport({ width: 1280, height: 900 });
      await page.screenshot({
        path: join(process.env.BULLETIN_SCREENSHOTS ?? dir, 'operator-draft-1280.png'),
      });
      // release it
      await Promise.all([page.waitForNavigation(), page.click('#release')]);
      const flash = await page.$eval('#flash', (e) => e.textContent ?? '');
      expect(flash).toMatch(/^已发布 torch-bulletin-551 2\d{3}年第1期\(总第551期\)$/);
      expect(await page.$('#no-drafts')).not.toBeNull();
      if (process.env.BULLETIN_SCREENSHOTS)
        await page.screenshot({
          path: join(process.env.BULLETIN_SCREENSHOTS, 'operator-released.png'),
        });
    } finally {
      await browser.close();
    }

    // Assess: public now.
    const items = (await (await fetch(`${url}/bulletins`)).json()).items as {
      id: string;
      releasedBy?: string;
    }[];
    expect(items.map((i) => i.id)).toEqual(['torch-bulletin-551']);
    expect(await (await fetch(`${url}/feeds/torch-bulletin.atom`)).text()).toContain(
      'torch-bulletin-551',
    );
    const draft = await lifecycle.catalog.getDraft(draftId);
    expect(draft?.status).toBe('published');
    expect(draft?.decidedBy).toBe('editor');
  }, 180_000);
});
