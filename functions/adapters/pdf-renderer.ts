/**
 * The PDF renderer port and its Chromium adapter (puppeteer-core + `@sparticuz/chromium`).
 *
 * One browser per renderer, launched on the first render and reused; every render gets its own
 * page (at most `pagePoolSize` at a time), which is closed afterwards. The page may load only
 * `file://` URLs under the request's allowed roots and `data:` URLs; anything else is aborted
 * before it leaves the browser, and the render fails naming the URL.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { deflateSync, inflateSync } from 'node:zlib';
import { resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type HTTPRequest, type Page } from 'puppeteer-core';
import { BulletinError, RenderError } from '#errors';
import {
  fontDirs,
  fontFamilies,
  prepareFontconfig,
  radicalEquivalents,
  type FontconfigSetup,
} from './fonts.ts';
import type { RenderRequest, RenderResult, PdfRenderer } from '../app/ports.ts';

export interface ChromiumRendererOptions {
  /** Chromium binary; default env `CHROMIUM_EXECUTABLE_PATH`, else `@sparticuz/chromium`'s. */
  executablePath?: string;
  /** Flat directory with the TTF files; default env `BULLETIN_FONT_DIR`, else the npm packages. */
  fontDir?: string;
  /**
   * Keep `--single-process` from `chromium.args`. Off by default: here it breaks new pages. On
   * Lambda, Chromium without it can hang in `newPage()` (`prctl(PR_SET_NO_NEW_PRIVS) failed`,
   * Sparticuz/chromium#80), so the deployment turns it on. Default env
   * `BULLETIN_CHROMIUM_SINGLE_PROCESS=true`, else false.
   */
  singleProcess?: boolean;
  /** Concurrent pages (renders) at most; further renders wait. Default 2. */
  pagePoolSize?: number;
  /**
   * Renders a pooled page serves before it is closed and a fresh one opened. Chromium's
   * renderer processes keep growing on a reused page (≈ 3 GB over 520 renders on two pages);
   * a new page costs ≈ 0.3 s. Default 25.
   */
  rendersPerPage?: number;
  /** Diagnostics sink; nothing is printed without it. */
  log?: (msg: string) => void;
}

/** The Chromium adapter; adds diagnostics to the port. */
export interface ChromiumRenderer extends PdfRenderer {
  /** PID of the running browser process, if one is running. */
  browserPid(): number | undefined;
}

/** A render that failed because of what the page did: blocked or failed loads, script errors. */
export class RenderPageError extends RenderError {
  override name = 'RenderPageError';
  constructor(
    readonly htmlPath: string,
    /** One line per problem, in the order they happened. */
    readonly problems: string[],
    /** URLs the page tried to load and that were aborted before leaving the browser. */
    readonly blockedUrls: string[],
  ) {
    super(
      `page ${htmlPath} has ${problems.length} problem(s):\n${problems.map((p) => `- ${p}`).join('\n')}`,
    );
  }
}

export const DEFAULT_FOOTER = '第{page}页 共{total}页';
const DEFAULT_TIMEOUT_MS = 60_000;
const PAGE_CLOSE_TIMEOUT_MS = 5_000;
const BROWSER_CLOSE_TIMEOUT_MS = 5_000;
/** Used when the template's CSS `@page` rule sets no margins (`preferCSSPageSize` lets it win). */
const DEFAULT_MARGIN = { top: '20mm', bottom: '18mm', left: '18mm', right: '18mm' };

export function createChromiumRenderer(options: ChromiumRendererOptions = {}): ChromiumRenderer {
  return new ChromiumPdfRenderer(options);
}

/** Number of pages of a PDF written by Chromium (counts `/Type /Page` dictionaries). */
export function countPdfPages(pdf: Uint8Array): number {
  const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1');
  return text.match(/\/Type\s*\/Page(?![A-Za-z])/g)?.length ?? 0;
}

/** Chromium's footer template for a `{page}`/`{total}` text line. */
export function footerTemplate(template: string): string {
  const body = escapeHtml(template)
    .replace(/\{page\}/g, '<span class="pageNumber"></span>')
    .replace(/\{total\}/g, '<span class="totalPages"></span>');
  return (
    `<div style="width:100%;text-align:center;font-size:9pt;line-height:1.2;color:#333;` +
    `font-family:'${fontFamilies.serif}',serif;">${body}</div>`
  );
}

/** Whether the page may load `url`: `data:`, or `file://` under a root or one of `files`. */
export function isAllowedUrl(url: string, roots: string[], files: ReadonlySet<string>): boolean {
  if (url.startsWith('data:')) return true;
  if (!url.startsWith('file:')) return false;
  let path: string;
  try {
    path = resolve(fileURLToPath(url));
  } catch {
    return false;
  }
  return files.has(path) || roots.some((r) => path === r || path.startsWith(r + sep));
}

function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Resolves with `p`, or rejects after `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms}ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

class Slots {
  private readonly waiters: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((r) => this.waiters.push(r));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free += 1;
  }
}

/** The problems one render collected, read by the listeners of the page it runs on. */
interface RenderContext {
  roots: string[];
  files: ReadonlySet<string>;
  problems: string[];
  blocked: string[];
}

/** A page of the pool; its listeners report to whichever render currently uses it. */
interface PooledPage {
  page: Page;
  browser: Browser;
  ctx: RenderContext | undefined;
  /** Renders this page has served. */
  renders: number;
}

interface Attempt {
  cancelled: boolean;
  pooled?: PooledPage;
}

class ChromiumPdfRenderer implements ChromiumRenderer {
  private browserPromise: Promise<Browser> | undefined;
  private browser: Browser | undefined;
  private fonts: FontconfigSetup | undefined;
  /** Radical → ideograph of the shipped fonts, for {@link fixToUnicode}. */
  private equivalents: ReadonlyMap<number, number> = new Map();
  /** Every open page, busy or idle. */
  private readonly pages = new Set<PooledPage>();
  /** Pages that finished a render cleanly, ready for the next one (a new page costs ≈0.3 s). */
  private idle: PooledPage[] = [];
  private readonly slots: Slots;
  private readonly log: (msg: string) => void;

  constructor(private readonly options: ChromiumRendererOptions) {
    this.slots = new Slots(Math.max(1, options.pagePoolSize ?? 2));
    this.log = options.log ?? (() => undefined);
  }

  browserPid(): number | undefined {
    return this.browser?.connected ? this.browser.process()?.pid : undefined;
  }

  async renderPdf(req: RenderRequest): Promise<RenderResult> {
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const attempt: Attempt = { cancelled: false };
    const work = this.attempt(req, attempt);
    work.catch(() => undefined); // it may settle after the deadline rejected the race
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RenderError(`render of ${req.htmlPath} exceeded ${timeoutMs}ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([work, deadline]);
    } catch (e) {
      if (e instanceof BulletinError) throw e;
      throw new RenderError(`render of ${req.htmlPath} failed: ${message(e)}`, { cause: e });
    } finally {
      clearTimeout(timer);
      if (!attempt.cancelled) {
        attempt.cancelled = true;
        // After a timeout the page is still busy: closing it makes goto/pdf give up.
        if (attempt.pooled?.ctx) await this.closePage(attempt.pooled);
      }
    }
  }

  async close(): Promise<void> {
    const pending = this.browserPromise;
    this.browserPromise = undefined;
    if (!pending) return;
    let browser: Browser;
    try {
      browser = await pending;
    } catch {
      return; // the launch failed: nothing runs
    }
    this.idle = [];
    await Promise.allSettled([...this.pages].map((p) => this.closePage(p)));
    const proc = browser.process();
    try {
      await withTimeout(browser.close(), BROWSER_CLOSE_TIMEOUT_MS, 'browser.close()');
    } catch (e) {
      this.log(`render: ${message(e)}; killing browser pid ${proc?.pid}`);
      killProcessGroup(proc);
    }
    if (this.browser === browser) this.browser = undefined;
  }

  private async attempt(req: RenderRequest, attempt: Attempt): Promise<RenderResult> {
    if (!existsSync(req.htmlPath)) {
      throw new RenderError(`HTML file not found: ${req.htmlPath}`);
    }
    const browser = await this.getBrowser();
    await this.slots.acquire();
    let reusable = false;
    try {
      if (attempt.cancelled) throw new RenderError('render cancelled');
      const pooled = await this.takePage(browser);
      attempt.pooled = pooled;
      try {
        if (attempt.cancelled) throw new RenderError('render cancelled');
        const result = await this.renderOnPage(pooled, req);
        reusable = !attempt.cancelled;
        return result;
      } finally {
        await this.givePageBack(pooled, reusable);
      }
    } finally {
      this.slots.release();
    }
  }

  private async renderOnPage(pooled: PooledPage, req: RenderRequest): Promise<RenderResult> {
    const { page } = pooled;
    const htmlPath = resolve(req.htmlPath);
    const ctx: RenderContext = {
      roots: [...req.allowedRoots, ...fontDirs(this.fonts?.files ?? [])].map((r) => resolve(r)),
      files: new Set([htmlPath]),
      problems: [],
      blocked: [],
    };
    pooled.ctx = ctx;
    const check = (): void => {
      if (ctx.problems.length > 0) {
        throw new RenderPageError(htmlPath, [...ctx.problems], [...ctx.blocked]);
      }
    };

    const t0 = performance.now();
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load', timeout: 0 });
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    const t1 = performance.now();
    check();

    const { metadata } = req;
    if (metadata?.title !== undefined) {
      await page.evaluate((title) => {
        document.title = title;
      }, metadata.title);
    }
    if (metadata && (metadata.author || metadata.subject || metadata.keywords?.length)) {
      this.log('render: metadata author/subject/keywords are not written (no Chromium option)');
    }

    const footer = req.footer === false ? undefined : (req.footer?.template ?? DEFAULT_FOOTER);
    const data = await page.pdf({
      format: 'A4',
      printBackground: true,
      preferCSSPageSize: true,
      margin: DEFAULT_MARGIN,
      displayHeaderFooter: footer !== undefined,
      headerTemplate: '<span></span>',
      footerTemplate: footerTemplate(footer ?? ''),
      outline: true,
      tagged: true,
      waitForFonts: false, // awaited above, inside the load timing
      timeout: 0, // the render deadline applies
    });
    check();
    const pdf = fixToUnicode(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      this.equivalents,
    );
    const t2 = performance.now();
    const pages = countPdfPages(pdf);
    const timings = { loadMs: Math.round(t1 - t0), pdfMs: Math.round(t2 - t1) };
    this.log(
      `render: ${htmlPath} → ${pages} page(s), ${pdf.byteLength} bytes, load ${timings.loadMs}ms, pdf ${timings.pdfMs}ms`,
    );
    return { pdf, pages, timings };
  }

  /** An idle page of this browser, or a new one with interception and listeners set up. */
  private async takePage(browser: Browser): Promise<PooledPage> {
    this.idle = this.idle.filter((p) => p.browser.connected && !p.page.isClosed());
    const i = this.idle.findIndex((p) => p.browser === browser);
    if (i >= 0) return this.idle.splice(i, 1)[0] as PooledPage;

    const page = await browser.newPage();
    const pooled: PooledPage = { page, browser, ctx: undefined, renders: 0 };
    this.pages.add(pooled);
    const problem = (text: string): void => {
      pooled.ctx?.problems.push(text);
    };
    page.on('request', (request: HTTPRequest) => {
      const url = request.url();
      const { ctx } = pooled;
      if (url === 'about:blank' || (ctx && isAllowedUrl(url, ctx.roots, ctx.files))) {
        request.continue().catch(() => undefined);
        return;
      }
      ctx?.blocked.push(url);
      problem(
        `blocked request to ${url} (only data: and file:// URLs under ` +
          `${ctx?.roots.join(', ')} may load)`,
      );
      this.log(`render: blocked ${url}`);
      request.abort('blockedbyclient').catch(() => undefined);
    });
    page.on('requestfailed', (request) => {
      const url = request.url();
      if (pooled.ctx?.blocked.includes(url)) return;
      problem(`failed to load ${url}: ${request.failure()?.errorText ?? 'unknown error'}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) {
        problem(`failed to load ${response.url()}: HTTP status ${response.status()}`);
      }
    });
    page.on('console', (msg) => {
      // "Failed to load resource" duplicates requestfailed/response above, which name the URL.
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
        problem(`console.error: ${msg.text()}`);
      }
    });
    page.on('pageerror', (error) => problem(`page error: ${message(error)}`));
    page.on('error', (error) => problem(`page crashed: ${message(error)}`));
    page.on('dialog', (dialog) => {
      problem(`page opened a ${dialog.type()} dialog: ${dialog.message()}`);
      dialog.dismiss().catch(() => undefined);
    });
    await page.setRequestInterception(true);
    return pooled;
  }

  /** Back to the pool after a clean render (blanked), else (or when worn) closed. */
  private async givePageBack(pooled: PooledPage, reusable: boolean): Promise<void> {
    pooled.ctx = undefined;
    pooled.renders += 1;
    const worn = pooled.renders >= Math.max(1, this.options.rendersPerPage ?? 25);
    if (reusable && !worn && pooled.browser.connected && this.browser === pooled.browser) {
      try {
        await withTimeout(
          pooled.page.goto('about:blank', { timeout: 0 }),
          PAGE_CLOSE_TIMEOUT_MS,
          'resetting the page',
        );
        this.idle.push(pooled);
        return;
      } catch (e) {
        this.log(`render: ${message(e)}`);
      }
    }
    await this.closePage(pooled);
  }

  private async closePage(pooled: PooledPage): Promise<void> {
    if (!this.pages.delete(pooled)) return;
    this.idle = this.idle.filter((p) => p !== pooled);
    try {
      await withTimeout(pooled.page.close(), PAGE_CLOSE_TIMEOUT_MS, 'page.close()');
    } catch (e) {
      this.log(`render: ${message(e)}`);
    }
  }

  private getBrowser(): Promise<Browser> {
    if (this.browser && !this.browser.connected) this.browserPromise = undefined;
    if (!this.browserPromise) {
      const launching = this.launch();
      this.browserPromise = launching;
      launching.catch(() => {
        if (this.browserPromise === launching) this.browserPromise = undefined;
      });
    }
    return this.browserPromise;
  }

  private async launch(): Promise<Browser> {
    const t0 = performance.now();
    this.fonts = await prepareFontconfig(
      this.options.fontDir ? { fontDir: this.options.fontDir } : {},
    );
    this.equivalents = await radicalEquivalents(this.fonts.files);
    const executablePath =
      this.options.executablePath ??
      process.env['CHROMIUM_EXECUTABLE_PATH'] ??
      (await chromium.executablePath());
    const t1 = performance.now();
    // --single-process breaks new pages/contexts here but is needed on Lambda (see the option);
    // puppeteer adds its own --headless for 'shell'.
    const singleProcess =
      this.options.singleProcess ?? process.env['BULLETIN_CHROMIUM_SINGLE_PROCESS'] === 'true';
    const args = [
      ...chromium.args.filter(
        (a) => (singleProcess || a !== '--single-process') && !a.startsWith('--headless'),
      ),
      // Request interception never sees WebSocket handshakes (nor WebRTC): send everything
      // that gets past it, loopback included, to a proxy that does not exist, and keep WebRTC
      // off non-proxied UDP. The page prints local files only; nothing may leave.
      '--proxy-server=http://127.0.0.1:9',
      '--proxy-bypass-list=<-loopback>',
      '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
    ];
    let browser: Browser;
    try {
      browser = await puppeteer.launch({
        executablePath,
        args,
        headless: 'shell',
        pipe: true,
        env: { ...process.env, ...this.fonts.env },
        defaultViewport: null,
      });
    } catch (e) {
      throw new RenderError(`could not launch Chromium ${executablePath}: ${message(e)}`, {
        cause: e,
      });
    }
    const t2 = performance.now();
    this.browser = browser;
    const pid = browser.process()?.pid;
    browser.once('disconnected', () => {
      this.log(`render: browser pid ${pid} disconnected`);
      if (this.browser === browser) {
        this.browser = undefined;
        this.browserPromise = undefined;
      }
    });
    this.log(
      `render: launched ${executablePath} pid ${pid} (executable ${Math.round(t1 - t0)}ms, launch ${Math.round(t2 - t1)}ms)`,
    );
    return browser;
  }
}

/** Kills the browser and its child processes (puppeteer starts it as a process group leader). */
function killProcessGroup(proc: ChildProcess | null): void {
  if (!proc?.pid || proc.exitCode !== null) return;
  try {
    process.kill(-proc.pid, 'SIGKILL');
  } catch {
    proc.kill('SIGKILL');
  }
}

/**
 * Rewrites the ToUnicode maps of a Chromium PDF so that glyphs shared by a radical and an
 * ideograph extract as the ideograph (see `radicalEquivalents` in `fonts.ts`): without this,
 * 高 一 页 行 … copy, search and extract as ⾼ ⼀ ⻚ ⾏. The fixed maps are appended as a PDF
 * incremental update; the original bytes are kept. Returns `pdf` itself when nothing needed
 * fixing.
 */
export function fixToUnicode(
  pdf: Uint8Array,
  equivalents: ReadonlyMap<number, number>,
): Uint8Array {
  const bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  const text = bytes.toString('latin1');
  const ids = new Set(
    [...text.matchAll(/\/ToUnicode\s+(\d+)\s+0\s+R/g)].map((m) => m[1] as string),
  );
  const updates: { id: string; data: Buffer }[] = [];
  for (const id of ids) {
    // The last definition wins (a PDF may already carry incremental updates).
    const header = [...text.matchAll(new RegExp(`(?:^|\\s)${id}\\s+0\\s+obj\\s*<<`, 'g'))].at(-1);
    if (!header) continue;
    const dictStart = header.index + header[0].length;
    const streamAt = text.indexOf('stream', dictStart);
    const dict = text.slice(dictStart, streamAt);
    const length = /\/Length\s+(\d+)(?!\s+\d+\s+R)/.exec(dict)?.[1];
    if (streamAt < 0 || !length) continue;
    let dataStart = streamAt + 'stream'.length;
    if (text[dataStart] === '\r') dataStart += 1;
    if (text[dataStart] === '\n') dataStart += 1;
    const raw = bytes.subarray(dataStart, dataStart + Number(length));
    const flate = /\/Filter\s*\/FlateDecode\b/.test(dict);
    if (!flate && /\/Filter\b/.test(dict)) continue;
    const cmap = (flate ? inflateSync(raw) : raw).toString('latin1');
    const fixed = fixCmap(cmap, equivalents);
    if (fixed !== undefined) updates.push({ id, data: deflateSync(Buffer.from(fixed, 'latin1')) });
  }
  if (updates.length === 0) return pdf;

  const trailers = [...text.matchAll(/trailer\s*<<([\s\S]*?)>>\s*startxref\s*(\d+)/g)];
  const last = trailers.at(-1);
  if (!last) return pdf; // a cross-reference stream: not what Chromium writes
  const trailer = last[1] as string;
  const keep = ['Size', 'Root', 'Info', 'ID']
    .map((k) => new RegExp(`/${k}\\s*(\\[[^\\]]*\\]|\\d+\\s+\\d+\\s+R|\\d+)`).exec(trailer))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => m[0]);

  const parts: Buffer[] = [bytes, Buffer.from('\n')];
  let offset = bytes.length + 1;
  const xref: string[] = [];
  for (const { id, data } of updates) {
    const head = Buffer.from(
      `${id} 0 obj\n<</Filter /FlateDecode\n/Length ${data.length}>> stream\n`,
    );
    const tail = Buffer.from('\nendstream\nendobj\n');
    xref.push(`${id} 1\n${String(offset).padStart(10, '0')} 00000 n \n`);
    parts.push(head, data, tail);
    offset += head.length + data.length + tail.length;
  }
  parts.push(
    Buffer.from(
      `xref\n${xref.join('')}trailer\n<<${keep.join('\n')}\n/Prev ${last[2]}>>\n` +
        `startxref\n${offset}\n%%EOF\n`,
    ),
  );
  const out = Buffer.concat(parts);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The CMap with radical destinations replaced, or `undefined` when none occur. */
function fixCmap(cmap: string, equivalents: ReadonlyMap<number, number>): string | undefined {
  const entries = new Map<number, string>(); // source code → destination, UTF-16BE hex
  const hex = (s: string): number => Number.parseInt(s, 16);
  const add16 = (dst: string, n: number): string => {
    // bfrange: the last UTF-16 unit is incremented.
    const head = dst.slice(0, -4);
    return head + (hex(dst.slice(-4)) + n).toString(16).toUpperCase().padStart(4, '0');
  };
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of (block[1] as string).matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) {
      entries.set(hex(m[1] as string), m[2] as string);
    }
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    const body = block[1] as string;
    for (const m of body.matchAll(
      /<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(?:<([0-9A-Fa-f]+)>|\[([^\]]*)\])/g,
    )) {
      const lo = hex(m[1] as string);
      const hi = hex(m[2] as string);
      if (m[3] !== undefined) {
        for (let c = lo; c <= hi; c += 1) entries.set(c, add16(m[3], c - lo));
      } else {
        const list = [...(m[4] as string).matchAll(/<([0-9A-Fa-f]+)>/g)].map((x) => x[1] as string);
        list.forEach((dst, i) => entries.set(lo + i, dst));
      }
    }
  }
  let changed = false;
  for (const [src, dst] of entries) {
    const str = Buffer.from(dst, 'hex').swap16().toString('utf16le');
    const mapped = [...str]
      .map((ch) => {
        const to = equivalents.get(ch.codePointAt(0) as number);
        return to === undefined ? ch : String.fromCodePoint(to);
      })
      .join('');
    if (mapped !== str) {
      changed = true;
      entries.set(src, Buffer.from(mapped, 'utf16le').swap16().toString('hex').toUpperCase());
    }
  }
  if (!changed) return undefined;

  const codespace =
    /\d+\s+begincodespacerange[\s\S]*?endcodespacerange/.exec(cmap)?.[0] ??
    '1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange';
  const width = /<([0-9A-Fa-f]+)>/.exec(codespace)?.[1]?.length ?? 4;
  const lines = [...entries]
    .sort(([a], [b]) => a - b)
    .map(([src, dst]) => `<${src.toString(16).toUpperCase().padStart(width, '0')}> <${dst}>`);
  const blocks: string[] = [];
  for (let i = 0; i < lines.length; i += 100) {
    const chunk = lines.slice(i, i + 100);
    blocks.push(`${chunk.length} beginbfchar\n${chunk.join('\n')}\nendbfchar\n`);
  }
  return (
    '/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n' +
    '/CIDSystemInfo\n<<  /Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n' +
    '/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n' +
    `${codespace}\n` +
    blocks.join('') +
    'endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n'
  );
}
