/**
 * How the browser is kept, apart from what is printed with it (cf. jsreport's
 * `chromePoolStrategy`): one Chromium per pool, launched on the first lease and reused; at most
 * `size` pages at a time, each page kept for `rendersPerPage` renders and then replaced, so
 * neither a launch (≈ 0.2–0.6 s) nor a new page (≈ 0.3 s) is paid per render. A browser that
 * disconnects is relaunched on the next lease.
 *
 * The fonts are set up once per browser (fontconfig, see `fonts.ts`), the Chromium binary is
 * unpacked once per machine (see `executable.ts`), and every page is guarded by the request
 * sandbox (`sandbox.ts`) before its first use.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type CDPSession, type Page } from 'puppeteer-core';
import { RenderError } from '#errors';
import { unpackedChromium } from './executable.ts';
import { fontDirs, prepareFontconfig, radicalEquivalents, type FontFile } from './fonts.ts';
import { guardPage, SANDBOX_ARGS, type RenderContext } from './sandbox.ts';

export interface BrowserPoolOptions {
  /** Chromium binary; default the one of `@sparticuz/chromium`. */
  executablePath?: string;
  /**
   * Where `@sparticuz/chromium` is unpacked and kept between runs (checked against the package
   * version before reuse). Default: its own `executablePath()` (`$TMPDIR/chromium`, Lambda).
   */
  chromiumDir?: string;
  /**
   * Directory of `@sparticuz/chromium`'s `*.br` files when they are not beside its code (the
   * Lambda layer: its JavaScript is bundled, the binaries are in `/opt/chromium/bin`).
   */
  chromiumBinDir?: string;
  /** Flat directory with the TTF files; default the npm packages. */
  fontDir?: string;
  /**
   * Keep `--single-process` from `chromium.args`. Off by default: here it breaks new pages. On
   * Lambda, Chromium without it can hang in `newPage()` (`prctl(PR_SET_NO_NEW_PRIVS) failed`,
   * Sparticuz/chromium#80), so the deployment turns it on.
   */
  singleProcess?: boolean;
  /** Concurrent pages (renders) at most; further leases wait. Default 2. */
  size?: number;
  /**
   * Renders a page serves before it is closed and a fresh one opened. Chromium's renderer
   * processes keep growing on a reused page (≈ 3 GB over 520 renders on two pages). Default 25.
   */
  rendersPerPage?: number;
  log?: (msg: string) => void;
  /**
   * Let puppeteer handle Ctrl-C (kill Chromium and exit the process at once). Default true;
   * the all-zones batch turns it off to stop cleanly itself.
   */
  handleSIGINT?: boolean;
}

/**
 * `chromium.args`' GPU emulation (SwiftShader GL, for WebGL), left out: the reports draw no
 * canvas or WebGL (charts are static SVG), and with `--disable-gpu` (software compositing) the
 * cover's screenshot takes half the time (median 76 vs 149 ms, 15 rounds on this machine) while
 * `page.pdf` is unchanged (103 vs 102 ms) and prints the same PDF. Its `--in-process-gpu` is
 * kept (see {@link IN_PROCESS_ARGS}).
 */
const GPU_ARGS = /^--(?:use-gl|use-angle|enable-unsafe-swiftshader|ignore-gpu-blocklist)\b/;

/**
 * The GPU process (software compositing only, with `--disable-gpu`) and the network service
 * (it serves nothing but `file:` and `data:` URLs here) run as threads of the browser process
 * instead of two processes of their own (issue 27). Each process maps its own copy of
 * Chromium's code and heaps: 60 zone profiles on two pages peaked at 921–935 MB of RSS for
 * the browser's processes with them (browser 188 + GPU 95 + network 58 + two renderers) and
 * 804–814 MB without (browser 224 + two renderers), with the same PDFs and covers
 * (`pdftoppm -png -r 60`, `pdftotext -layout` and the cover PNGs byte-identical). puppeteer
 * merges `--enable-features` with its own.
 */
const IN_PROCESS_ARGS = ['--in-process-gpu', '--enable-features=NetworkServiceInProcess2'];

/** What the browser was launched with: read by the renderer. */
export interface BrowserSetup {
  fontFiles: FontFile[];
  /** Directories the fonts are in (a page may load them). */
  fontDirs: string[];
  /** Radical → ideograph of the shipped fonts, for the ToUnicode fix. */
  equivalents: ReadonlyMap<number, number>;
}

/** A page lent to one render. */
export interface PageLease {
  page: Page;
  /**
   * A DevTools session of its own on the page, opened with it: commands sent as they are
   * (the renderer prints through it, `renderer.ts`).
   */
  session: CDPSession;
  setup: BrowserSetup;
  /** The sandbox context of this render: the page's listeners report into it. */
  use(ctx: RenderContext): void;
  /** Back to the pool when `reusable` (a clean render), else closed. */
  release(reusable: boolean): Promise<void>;
  /** Closes the page now (a render past its deadline); `release` then does nothing more. */
  abort(): Promise<void>;
}

const PAGE_CLOSE_TIMEOUT_MS = 5_000;
const BROWSER_CLOSE_TIMEOUT_MS = 5_000;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Resolves with `p`, or rejects after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} 未在 ${ms} ms 内完成`)), ms);
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

/** A page of the pool; its listeners report to whichever render currently uses it. */
interface PooledPage {
  page: Page;
  session: CDPSession;
  browser: Browser;
  ctx: RenderContext | undefined;
  /** Renders this page has served. */
  renders: number;
}

interface Launched {
  browser: Browser;
  setup: BrowserSetup;
}

export class BrowserPool {
  private launching: Promise<Launched> | undefined;
  private browser: Browser | undefined;
  /** Every open page, busy or idle. */
  private readonly pages = new Set<PooledPage>();
  /** Pages that finished a render cleanly, ready for the next one. */
  private idle: PooledPage[] = [];
  private readonly slots: Slots;
  private readonly log: (msg: string) => void;
  /** Browsers that disconnected while in use (not closed by `close()`). */
  private losses = 0;
  /** The browser `close()` is closing: its disconnection is no loss. */
  private closing: Browser | undefined;

  constructor(private readonly options: BrowserPoolOptions = {}) {
    this.slots = new Slots(Math.max(1, options.size ?? 2));
    this.log = options.log ?? (() => undefined);
  }

  /** Browsers lost (disconnected or crashed) while in use, since the pool was made. */
  browserLosses(): number {
    return this.losses;
  }

  /** PID of the running browser process, if one is running. */
  browserPid(): number | undefined {
    return this.browser?.connected ? this.browser.process()?.pid : undefined;
  }

  /**
   * A page for one render: waits for a free slot; `isCancelled` is checked after each wait so
   * a render past its deadline takes no page.
   */
  async lease(isCancelled: () => boolean): Promise<PageLease> {
    const { browser, setup } = await this.getBrowser();
    await this.slots.acquire();
    let pooled: PooledPage;
    try {
      if (isCancelled()) throw new RenderError('渲染已取消');
      pooled = await this.takePage(browser);
    } catch (e) {
      this.slots.release();
      throw e;
    }
    let released = false;
    const done = async (close: boolean, reusable: boolean) => {
      if (released) return;
      released = true;
      try {
        if (close) await this.closePage(pooled);
        else await this.givePageBack(pooled, reusable);
      } finally {
        this.slots.release();
      }
    };
    return {
      page: pooled.page,
      session: pooled.session,
      setup,
      use: (ctx) => {
        pooled.ctx = ctx;
      },
      release: (reusable) => done(false, reusable),
      abort: () => done(true, false),
    };
  }

  /** Closes the pages, then the browser (killed if closing hangs). A later lease relaunches. */
  async close(): Promise<void> {
    const pending = this.launching;
    this.launching = undefined;
    if (!pending) return;
    let browser: Browser;
    try {
      ({ browser } = await pending);
    } catch {
      return; // the launch failed: nothing runs
    }
    this.idle = [];
    this.closing = browser;
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

  /** An idle page of this browser, or a new one guarded by the sandbox. */
  private async takePage(browser: Browser): Promise<PooledPage> {
    this.idle = this.idle.filter((p) => p.browser.connected && !p.page.isClosed());
    const i = this.idle.findIndex((p) => p.browser === browser);
    if (i >= 0) return this.idle.splice(i, 1)[0] as PooledPage;

    const page = await browser.newPage();
    const guarded = { page, browser, ctx: undefined as RenderContext | undefined, renders: 0 };
    let session: CDPSession;
    try {
      [session] = await Promise.all([
        page.createCDPSession(),
        guardPage(page, () => guarded.ctx, this.log),
      ]);
    } catch (e) {
      await withTimeout(page.close(), PAGE_CLOSE_TIMEOUT_MS, 'page.close()').catch(() => undefined);
      throw e;
    }
    const pooled: PooledPage = Object.assign(guarded, { session });
    this.pages.add(pooled);
    return pooled;
  }

  /**
   * Back to the pool after a clean render, else (or when worn) closed. The page keeps its last
   * document until the next render navigates away (no `about:blank` in between: that was one
   * more navigation per render); with no render context, whatever it might still load is
   * blocked.
   */
  private async givePageBack(pooled: PooledPage, reusable: boolean): Promise<void> {
    pooled.ctx = undefined;
    pooled.renders += 1;
    const worn = pooled.renders >= Math.max(1, this.options.rendersPerPage ?? 25);
    if (reusable && !worn && pooled.browser.connected && this.browser === pooled.browser) {
      this.idle.push(pooled);
      return;
    }
    await this.closePage(pooled);
  }

  private async closePage(pooled: PooledPage): Promise<void> {
    pooled.ctx = undefined;
    if (!this.pages.delete(pooled)) return;
    this.idle = this.idle.filter((p) => p !== pooled);
    try {
      await withTimeout(pooled.page.close(), PAGE_CLOSE_TIMEOUT_MS, 'page.close()');
    } catch (e) {
      this.log(`render: ${message(e)}`);
    }
  }

  private getBrowser(): Promise<Launched> {
    if (this.browser && !this.browser.connected) this.launching = undefined;
    if (!this.launching) {
      const launching = this.launch();
      this.launching = launching;
      launching.catch(() => {
        if (this.launching === launching) this.launching = undefined;
      });
    }
    return this.launching;
  }

  private async executablePath(): Promise<string> {
    if (this.options.executablePath) return this.options.executablePath;
    if (!this.options.chromiumDir) return chromium.executablePath(this.options.chromiumBinDir);
    const found = await unpackedChromium(this.options.chromiumDir);
    this.log(
      `render: Chromium ${found.unpacked ? 'unpacked' : 'found unpacked'} at ${found.executablePath} (${Math.round(found.ms)}ms)`,
    );
    return found.executablePath;
  }

  private async launch(): Promise<Launched> {
    const t0 = performance.now();
    // Where Chromium is kept, fontconfig's cache is kept too (a cold cache costs a font scan).
    const fonts = await prepareFontconfig({
      ...(this.options.fontDir ? { fontDir: this.options.fontDir } : {}),
      ...(this.options.chromiumDir
        ? { cacheDir: join(this.options.chromiumDir, 'fontconfig') }
        : {}),
    });
    const [equivalents, executablePath] = await Promise.all([
      radicalEquivalents(fonts.files),
      this.executablePath(),
    ]);
    const t1 = performance.now();
    // --single-process breaks new pages/contexts here but is needed on Lambda (see the option);
    // puppeteer adds its own --headless for 'shell'.
    const singleProcess = this.options.singleProcess ?? false;
    const args = [
      ...chromium.args.filter(
        (a) =>
          (singleProcess || a !== '--single-process') &&
          !a.startsWith('--headless') &&
          !GPU_ARGS.test(a),
      ),
      '--disable-gpu',
      ...IN_PROCESS_ARGS.filter((a) => !chromium.args.includes(a)),
      ...SANDBOX_ARGS,
      // Issue 15: left alone, a renderer's V8 heap collects lazily and the process grew by
      // ≈ 20 MB per print (850 MB after 40 zone profiles on one page); capped, it holds
      // ≈ 260 MB. A page's own heap is ≈ 1.5 MB (the charts are drawn in Node). Issue 27: what
      // the cap holds back is mostly the documents printed before (their DOM, collected with
      // V8's heap: 32 000 nodes alive after a dozen prints of 2 700 each); at 32 MB instead of
      // 64 a renderer peaks at 233–239 MB instead of 283–295 over 60 zone profiles, for the same
      // Chromium CPU (9.9–10.3 s against 9.4–10.0 s), and the most a page's heap held there,
      // garbage included, was 11 MB.
      '--js-flags=--max-old-space-size=32',
    ];
    let browser: Browser;
    try {
      browser = await puppeteer.launch({
        executablePath,
        args,
        headless: 'shell',
        pipe: true,
        env: { ...process.env, ...fonts.env },
        defaultViewport: null,
        handleSIGINT: this.options.handleSIGINT ?? true,
      });
    } catch (e) {
      throw new RenderError(`无法启动 Chromium（${executablePath}）：${message(e)}`, {
        cause: e,
      });
    }
    // The launch's own about:blank tab keeps a renderer process (≈ 85 MB) that prints nothing.
    for (const blank of await browser.pages()) await blank.close().catch(() => undefined);
    const t2 = performance.now();
    this.browser = browser;
    const pid = browser.process()?.pid;
    browser.once('disconnected', () => {
      if (this.closing !== browser) this.losses += 1;
      this.log(`render: browser pid ${pid} disconnected`);
      if (this.browser === browser) {
        this.browser = undefined;
        this.launching = undefined;
      }
    });
    this.log(
      `render: launched ${executablePath} pid ${pid} (executable ${Math.round(t1 - t0)}ms, launch ${Math.round(t2 - t1)}ms)`,
    );
    return {
      browser,
      setup: { fontFiles: fonts.files, fontDirs: fontDirs(fonts.files), equivalents },
    };
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
