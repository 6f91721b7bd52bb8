/**
 * The PDF renderer port and its Chromium adapter (puppeteer-core + `@sparticuz/chromium`).
 *
 * A render leases a page of the browser pool (`browser-pool.ts`: one browser, reused pages),
 * loads the HTML file from its `file://` URL under the request sandbox (`sandbox.ts`: only
 * `data:` and `file://` URLs under the allowed roots load; anything else fails the render,
 * naming the URL), lays it out for print in one evaluate (`layout.ts`: the fonts awaited,
 * tables fitted, `fit.ts`; the title), prints it (`printPdf`: `page.pdf`'s command, the PDF in
 * its answer), writes the contents' page numbers into the printed PDF when asked
 * (`link-pages.ts`), and appends them with the ToUnicode fix and the document information in
 * one update (`postprocess.ts`).
 */
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BulletinError, RenderError } from '#errors';
import { escapeHtml } from '../../core/escape.ts';
import type {
  CoverImage,
  CoverRenderer,
  CoverRequest,
  PdfRenderer,
  RenderRequest,
  RenderResult,
} from '../../app/ports.ts';
import type { CDPSession, Page, PDFOptions } from 'puppeteer-core';
// How `page.pdf` turns its options into `Page.printToPDF`'s parameters (see `printPdf`).
import { parsePDFOptions } from 'puppeteer-core/internal/common/util.js';
import { BrowserPool, type BrowserPoolOptions, type PageLease } from './browser-pool.ts';
import { fontFamilies } from './fonts.ts';
import { coverOf } from './cover.ts';
import { layOutForPrint } from './layout.ts';
import { readChromiumPdf } from './content-stream.ts';
import { moveToFootOfLastPage } from './last-page-foot.ts';
import { linkPages } from './link-pages.ts';
import { catalogLang, countPdfPages, finishPdf, RawPdf, readDestinations } from './postprocess.ts';
import { renderContext } from './sandbox.ts';

export { countPdfPages } from './postprocess.ts';
export { isAllowedUrl } from './sandbox.ts';

/**
 * Where Chromium and the fonts come from (see {@link BrowserPoolOptions}; the values come from
 * `config.ts`'s `PrintConfig`, nothing is read from the environment here) and the pool's size.
 */
export interface ChromiumRendererOptions extends Omit<BrowserPoolOptions, 'size'> {
  /** Concurrent pages (renders) at most; further renders wait. Default 2. */
  pagePoolSize?: number;
}

/** The Chromium adapter; makes covers too, and adds diagnostics to the port. */
export interface ChromiumRenderer extends PdfRenderer, CoverRenderer {
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
      `页面 ${htmlPath} 有 ${problems.length} 个问题：\n${problems.map((p) => `- ${p}`).join('\n')}`,
    );
  }
}

export const DEFAULT_FOOTER = '第{page}页 共{total}页';
const DEFAULT_TIMEOUT_MS = 60_000;
/** Used when the template's CSS `@page` rule sets no margins (`preferCSSPageSize` lets it win). */
const DEFAULT_MARGIN = { top: '20mm', bottom: '18mm', left: '18mm', right: '18mm' };
/** A4 with those margins, when the template's `@page` rule says nothing. */
const PAGE_BOX = { widthMm: 210, heightMm: 297, margin: DEFAULT_MARGIN };
/**
 * What every pooled page is set to before its first render, and keeps: print media (the one a
 * document prints in: it is loaded, laid out, printed and captured in it, with no media switch
 * and no relayout between) and a viewport. Measured under the all-zones run's load: the
 * switches and resizes around each print cost ≈ 4 round trips and 4 relayouts.
 *
 * The viewport: the A4 page box at 96 dpi when the render captures a cover (its capture size:
 * `cover.ts` sets none for an A4 document); else one pixel high — what a page shows on screen
 * is painted and rasterized after loading, for nothing when only `page.pdf` follows (the
 * bulletin's 1123 px-high first screen: ≈ 10 ms of Chromium's CPU a print, measured in paired
 * rounds against bare Chromium) — and as wide as the text block, where the layout step
 * measures (`fit.ts`): the document loads laid out there, with no style switched in and out
 * for the measure (another ≈ 10 ms of Chromium's CPU). `page.pdf` lays out at the page's own
 * size whatever the viewport. A page changes viewport only when the next render wants the
 * other one.
 */
const COVER_VIEWPORT = { width: 794, height: 1123, deviceScaleFactor: 1 };
const PRINT_VIEWPORT = {
  // The text block's width (A4 less the default margins, 174 mm = 657.6 px), so that the
  // layout step measures the document as loaded, without a style switched in and out (`fit.ts`).
  width: Math.round(
    ((PAGE_BOX.widthMm - parseFloat(DEFAULT_MARGIN.left) - parseFloat(DEFAULT_MARGIN.right)) /
      25.4) *
      96,
  ),
  height: 1,
  deviceScaleFactor: 1,
};
const deflating = promisify(deflate);
const standing = new WeakMap<Page, typeof COVER_VIEWPORT>();
async function keepForPrint(page: Page, cover = true): Promise<void> {
  const viewport = cover ? COVER_VIEWPORT : PRINT_VIEWPORT;
  const now = standing.get(page);
  if (now === viewport) return;
  await Promise.all([page.setViewport(viewport), now ? undefined : page.emulateMediaType('print')]);
  standing.set(page, viewport);
}

/**
 * `page.pdf(options)` in one round trip: the PDF comes back in `Page.printToPDF`'s answer
 * (base64) instead of as a stream — which Chromium writes to a temporary file, and puppeteer
 * reads back with `IO.read` calls and closes: three more round trips, ≈ 4–10 ms of a
 * bulletin's print under load. The parameters are the ones `page.pdf` sends (puppeteer's own
 * `parsePDFOptions`), so the PDF is the one it prints. Sent on the page's own session
 * (`browser-pool.ts`); no font wait (the layout step awaited the fonts), no timeout (the
 * render's deadline applies: it closes the page, which fails this command).
 */
async function printPdf(
  session: CDPSession,
  options: Omit<PDFOptions, 'path' | 'timeout' | 'waitForFonts' | 'omitBackground'>,
): Promise<Uint8Array> {
  const o = parsePDFOptions(options);
  const { data } = await session.send('Page.printToPDF', {
    transferMode: 'ReturnAsBase64',
    landscape: o.landscape,
    displayHeaderFooter: o.displayHeaderFooter,
    headerTemplate: o.headerTemplate,
    footerTemplate: o.footerTemplate,
    printBackground: o.printBackground,
    scale: o.scale,
    paperWidth: o.width,
    paperHeight: o.height,
    marginTop: o.margin.top,
    marginBottom: o.margin.bottom,
    marginLeft: o.margin.left,
    marginRight: o.margin.right,
    pageRanges: o.pageRanges,
    preferCSSPageSize: o.preferCSSPageSize,
    generateTaggedPDF: o.tagged,
    generateDocumentOutline: o.outline,
  });
  return Buffer.from(data, 'base64');
}

export function createChromiumRenderer(options: ChromiumRendererOptions = {}): ChromiumRenderer {
  return new ChromiumPdfRenderer(options);
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

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

interface Attempt {
  cancelled: boolean;
  lease?: PageLease;
}

class ChromiumPdfRenderer implements ChromiumRenderer {
  private readonly pool: BrowserPool;
  private readonly log: (msg: string) => void;

  constructor(options: ChromiumRendererOptions) {
    const { pagePoolSize, ...rest } = options;
    this.pool = new BrowserPool({ ...rest, size: pagePoolSize ?? 2 });
    this.log = options.log ?? (() => undefined);
  }

  browserPid(): number | undefined {
    return this.pool.browserPid();
  }

  browserLosses(): number {
    return this.pool.browserLosses();
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  renderPdf(req: RenderRequest): Promise<RenderResult> {
    return this.withPage(req, (lease) => this.renderOnPage(lease, req));
  }

  /**
   * A cover on its own (a released issue's first cover request): the printed HTML loaded and
   * laid out as `renderOnPage` lays it out before `page.pdf` (tables fitted), the fill written,
   * page 1 captured — the picture the print's own cover (`req.cover`) would be.
   */
  renderCover(req: CoverRequest): Promise<CoverImage> {
    return this.withPage(req, async (lease) => {
      const { page, check } = await this.loadForPrint(lease, req, true);
      await layOutForPrint(page, PAGE_BOX);
      check();
      const t0 = performance.now();
      const cover = await coverOf(page, req.width, PAGE_BOX, req.fill);
      check();
      this.log(
        `cover: ${req.htmlPath} → ${cover.width}×${cover.height}, ${Math.round(performance.now() - t0)}ms`,
      );
      return cover;
    });
  }

  /** Runs `work` on a leased page under the request's deadline (see `renderPdf`). */
  private async withPage<T>(
    req: { htmlPath: string; timeoutMs?: number },
    work: (lease: PageLease) => Promise<T>,
  ): Promise<T> {
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const attempt: Attempt = { cancelled: false };
    const running = this.attempt(req.htmlPath, attempt, work);
    running.catch(() => undefined); // it may settle after the deadline rejected the race
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RenderError(`渲染 ${req.htmlPath} 超时：超过 ${timeoutMs}ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([running, deadline]);
    } catch (e) {
      if (e instanceof BulletinError) throw e;
      throw new RenderError(`渲染 ${req.htmlPath} 失败：${message(e)}`, { cause: e });
    } finally {
      clearTimeout(timer);
      if (!attempt.cancelled) {
        attempt.cancelled = true;
        // After a timeout the page is still busy: closing it makes goto/pdf give up.
        await attempt.lease?.abort();
      }
    }
  }

  private async attempt<T>(
    htmlPath: string,
    attempt: Attempt,
    work: (lease: PageLease) => Promise<T>,
  ): Promise<T> {
    if (!existsSync(htmlPath)) {
      throw new RenderError(`找不到 HTML 文件：${htmlPath}`);
    }
    const lease = await this.pool.lease(() => attempt.cancelled);
    attempt.lease = lease;
    let reusable = false;
    try {
      if (attempt.cancelled) throw new RenderError('渲染已取消');
      const result = await work(lease);
      reusable = !attempt.cancelled;
      return result;
    } finally {
      attempt.lease = undefined;
      await lease.release(reusable);
    }
  }

  /**
   * Loads the HTML file on the leased page under the request sandbox, in print media (its fonts
   * are awaited by the layout step, in the same round trip: `layout.ts`); `check` throws what
   * the page did wrong so far. `loadStart`: when the navigation started.
   */
  private async loadForPrint(
    lease: PageLease,
    req: { htmlPath: string; allowedRoots: string[] },
    /** Whether page 1 is captured after (the viewport then is the A4 page box). */
    cover: boolean,
  ): Promise<{ page: Page; htmlPath: string; check: () => void; loadStart: number }> {
    const { page, setup } = lease;
    const htmlPath = resolve(req.htmlPath);
    const ctx = renderContext(htmlPath, [...req.allowedRoots, ...setup.fontDirs]);
    lease.use(ctx);
    const check = (): void => {
      if (ctx.problems.length > 0) {
        throw new RenderPageError(htmlPath, [...ctx.problems], [...ctx.blocked]);
      }
    };
    await keepForPrint(page, cover);
    const loadStart = performance.now();
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load', timeout: 0 });
    check();
    return { page, htmlPath, check, loadStart };
  }

  private async renderOnPage(lease: PageLease, req: RenderRequest): Promise<RenderResult> {
    const { setup } = lease;
    const { page, htmlPath, check, loadStart } = await this.loadForPrint(
      lease,
      req,
      req.cover !== undefined,
    );

    // One evaluate (see `layout.ts`): the fonts awaited, wide tables tightened and what still
    // overflows the text block named, the foot element measured, the title set.
    const { metadata } = req;
    const foot = req.footOfLastPage;
    const layout = await layOutForPrint(page, PAGE_BOX, {
      ...(metadata?.title !== undefined ? { title: metadata.title } : {}),
      ...(foot ? { foot: { id: foot.id, className: foot.className } } : {}),
    });
    const { warnings } = layout;
    const tLayout = performance.now();
    // The load until the fonts were ready (the evaluate's round trip included), then the layout.
    const t1 = tLayout - layout.ms;

    const footer = req.footer === false ? undefined : (req.footer?.template ?? DEFAULT_FOOTER);
    check();
    // The attached files deflated on the thread pool while Chromium prints (the finish needs
    // them; as `deflateSync` would: the same bytes).
    const attaching = Promise.all(
      (req.attachments ?? []).map(async (a) => ({ ...a, deflated: await deflating(a.bytes) })),
    );
    attaching.catch(() => undefined); // awaited after the print; a failed print leaves it
    const data = await printPdf(lease.session, {
      format: 'A4',
      printBackground: true,
      preferCSSPageSize: true,
      margin: DEFAULT_MARGIN,
      displayHeaderFooter: footer !== undefined,
      headerTemplate: '<span></span>',
      footerTemplate: footerTemplate(footer ?? ''),
      outline: true,
      tagged: true,
    });
    check();
    const tp0 = performance.now();
    // Chromium's bytes, read once for every step below.
    const raw = new RawPdf(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    // Changes made in the printed PDF: the contents' page numbers over their placeholders
    // (`link-pages.ts`), the colophon moved to the last page's foot (`last-page-foot.ts`).
    const printed = req.linkPages || foot ? readChromiumPdf(raw) : undefined;
    const unread = { reason: 'PDF 不是 Chromium 写出的原样' };
    const numbered = req.linkPages
      ? printed
        ? linkPages(printed, req.linkPages.anchors, req.linkPages.placeholder)
        : unread
      : undefined;
    const written = numbered && 'pages' in numbered ? numbered : undefined;
    const footed = foot
      ? !printed
        ? unread
        : !layout.foot
          ? { reason: `#${foot.id} 未测量` }
          : moveToFootOfLastPage(
              printed,
              foot,
              layout.foot,
              new Set((written?.updates ?? []).map((u) => u.id)),
            )
      : undefined;
    const tp1 = performance.now();
    // Page 1 as an image, from the same page (no second render), with the numbers written.
    const cover = req.cover
      ? await coverOf(
          page,
          req.cover.width,
          PAGE_BOX,
          written && req.linkPages
            ? { selector: req.linkPages.fill, pages: Object.fromEntries(written.pages) }
            : undefined,
        )
      : undefined;
    const tp2 = performance.now();
    // Read from Chromium's own bytes: its catalog, page tree and /Lang (from `<html lang>`).
    // The page tree and destinations as `readChromiumPdf` read them, when it did (read once).
    const pages = printed ? printed.pages.length : countPdfPages(raw);
    const destinations = Object.fromEntries(printed?.destinations ?? (await readDestinations(raw)));
    const lang = catalogLang(raw);
    const tp3 = performance.now();
    const pdf = await finishPdf(
      raw,
      setup.equivalents,
      { ...metadata, ...(lang ? { lang } : {}) },
      await attaching,
      [...(written?.updates ?? []), ...(footed && 'updates' in footed ? footed.updates : [])],
    );
    const t2 = performance.now();
    const timings = {
      loadMs: Math.round(t1 - loadStart),
      layoutMs: Math.round(tLayout - t1),
      pdfMs: Math.round(t2 - tLayout),
    };
    this.log(
      `render: ${htmlPath} → ${pages} page(s), ${pdf.byteLength} bytes, load ${timings.loadMs}ms, layout ${timings.layoutMs}ms, pdf ${timings.pdfMs}ms (page.pdf ${Math.round(tp0 - tLayout)}, numbers ${Math.round(tp1 - tp0)}, cover ${Math.round(tp2 - tp1)}, read ${Math.round(tp3 - tp2)}, finish ${Math.round(t2 - tp3)})` +
        (numbered && 'reason' in numbered ? `; page numbers not written: ${numbered.reason}` : '') +
        (footed && 'reason' in footed ? `; #${foot?.id} not moved: ${footed.reason}` : ''),
    );
    return {
      pdf,
      pages,
      timings,
      destinations,
      ...(numbered
        ? {
            linkPages: written
              ? { pages: Object.fromEntries(written.pages) }
              : { missed: (numbered as { reason: string }).reason },
          }
        : {}),
      ...(footed
        ? {
            footOfLastPage: 'moved' in footed ? { moved: footed.moved } : { missed: footed.reason },
          }
        : {}),
      ...(cover ? { cover } : {}),
      warnings,
    };
  }
}
