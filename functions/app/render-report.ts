/**
 * One path for every report kind, without numbering or storing anything (the preview path;
 * `publish.ts` adds the catalog and the archive): resolve a request with its kind's module
 * (`functions/reports/`), load its inputs once, compose the view, print it.
 *
 * A kind whose contents print page numbers (the bulletin) prints once: its contents print a
 * placeholder in a box of fixed width where each number goes (so that no number can move a page
 * break), and the renderer writes each entry's page — where the printed PDF's own named
 * destination of its anchor is — over the placeholder in the PDF (see
 * `adapters/print/link-pages.ts`): no measuring pass. A renderer that cannot write them prints
 * the PDF's numbers in a second pass (a third only if those moved the layout). A colophon that
 * opens the last page alone is moved to that page's foot in the PDF as well
 * (`adapters/print/last-page-foot.ts`); one the renderer cannot move is printed there in a
 * second pass. The others (zone profiles, regional reports, the 指标快报) print their contents
 * as a list of links without page numbers, in one pass (their colophon follows the text, never
 * moved to the foot of the last page). The renderer appends the metadata (title, author, subject, keywords) as an
 * incremental update; `zh-CN` comes from `<html lang>`.
 */
import { writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, RenderError } from '../errors.ts';
import type { ReportKind } from '../contract/kinds.ts';
import type { ReportParams } from '../contract/schedules.ts';
import type { Series } from '../core/model.ts';
import type { ReportView } from '../core/report-parts.ts';
import type { Imprint, KindContext, Loaded, ReportKindModule, Resolved } from '../reports/kind.ts';
import { reportKind } from '../reports/registry.ts';
import { makesCovers, type CoverSource, type PdfRenderer, type RenderResult } from './ports.ts';
import { paramsOf, parseOrReject } from './requests.ts';
import { renderHtml, templatesDir } from './templates.ts';
import { DATA_CSV_TYPE, dataCsv as csvOf } from './data-export.ts';
import { buildDataFile, describeCharts, type DataFile } from '../core/data-file.ts';
import { timed, timedAsync } from './step-times.ts';
import { blockPagesOf, placedAnchors } from '../core/printed-pages.ts';

export { currentPeriod, loadBulletinInputs } from '../reports/torch-bulletin.ts';

/** What printing needs: the renderer and a folder for the HTML and PDF of each render. */
export interface RenderDeps {
  renderer: PdfRenderer;
  /** Folder for the HTML and PDF files of each render. */
  workDir: string;
}

/** What resolving, loading and composing need. */
export type ReportDeps = KindContext;

export interface RenderedReport<V extends ReportView = ReportView> {
  view: V;
  pdf: Uint8Array;
  pages: number;
  pdfPath: string;
  htmlPath: string;
  inputHash: string;
  /** The issue's data (every printed figure) as CSV: the file attached inside the PDF. */
  dataCsv: Uint8Array;
  /** The data file the CSV was written from (the archive's workbook is made from it too). */
  dataFile: DataFile;
  /**
   * What the issue's cover (page 1 as PNG) is made from on its first request — the HTML as
   * printed and what was written into the PDF over it — when the renderer can make covers.
   */
  coverSource?: CoverSource;
  /** What the printed PDF clips at the margin (see RenderResult.warnings); empty: nothing. */
  warnings: string[];
  /** Renders it took: the bulletin until its contents' numbers were stable (2, rarely 3); 1 else. */
  passes: number;
  timings: { composeMs: number; htmlMs: number; pdfMs: number };
}

/** A request resolved by its kind: the module, the series, the subject and period, the title. */
export interface Resolution {
  kind: ReportKindModule;
  series: Series;
  params: ReportParams;
  resolved: Resolved<unknown>;
  /** Catalog title of an issue. */
  title: string;
}

/**
 * Step 1: resolves a request with its kind's module — its parameters checked, its series
 * found, its subject and period determined (a few small reads at most, never a whole period).
 * @throws ValidationError for parameters the kind does not take; NotFoundError for an unknown
 *   kind, series, zone or region, or no data yet.
 */
export async function resolveReport(
  deps: ReportDeps,
  req: ReportParams & { kind: ReportKind | string },
): Promise<Resolution> {
  const kind = reportKind(req.kind);
  // The request's parameters only (not its slot or requester), checked by the kind's schema.
  const params = parseOrReject(kind.params, paramsOf(req), `${kind.id} 请求`);
  const seriesId = kind.seriesOf(params);
  const series = deps.reference.seriesById(seriesId);
  if (!series) throw new NotFoundError('publish', `未知的报告系列 (series) "${seriesId}"`);
  const resolved = await kind.resolve(deps, params);
  return { kind, series, params, resolved, title: kind.title(series, resolved) };
}

/** Step 2: loads the inputs of a resolved request, once. */
export function loadReport(deps: ReportDeps, r: Resolution): Promise<Loaded<unknown>> {
  return r.kind.load(deps, r.resolved);
}

/** Step 3: composes the view (pure) for an imprint: an issue's numbers and date, or a preview. */
export function composeReport(
  deps: ReportDeps,
  r: Resolution,
  loaded: Loaded<unknown>,
  imprint: Imprint,
): ReportView {
  return timed('compose', () => r.kind.compose(deps, r.series, r.resolved, loaded.inputs, imprint));
}

/**
 * A view composed earlier (the all-zones plan's) under another imprint: re-imprinted when the
 * kind can, else composed again.
 */
export function imprintReport(
  deps: ReportDeps,
  r: Resolution,
  composed: { loaded: Loaded<unknown>; view?: ReportView },
  imprint: Imprint,
): ReportView {
  const { reimprint } = r.kind;
  if (composed.view && reimprint)
    return timed('compose', () => reimprint(deps, r.series, composed.view!, imprint));
  return composeReport(deps, r, composed.loaded, imprint);
}

/** Step 4: prints a composed view to `<workDir>/<fileStem>.html` and `.pdf` (no cover source). */
export async function renderReport(
  deps: RenderDeps,
  r: Resolution,
  view: ReportView,
  loaded: Loaded<unknown>,
  fileStem: string,
  composeMs = 0,
): Promise<RenderedReport> {
  // No cover source: only a published issue stores one (its cover is made on first request).
  const files = await renderReportFiles(deps, r.kind, view, fileStem, { cover: false });
  return {
    ...files,
    inputHash: loaded.inputHash,
    timings: { composeMs, htmlMs: files.htmlMs, pdfMs: files.pdfMs },
  };
}

/**
 * Resolves, loads, composes and prints a report without numbering or storing it: the
 * preview (printed with `opts.issue`'s numbers when given, else as a preview). The file stem is
 * the kind's preview name unless given.
 */
export async function previewReport(
  deps: ReportDeps & RenderDeps,
  req: ReportParams & { kind: ReportKind | string },
  opts: Imprint & { fileStem?: string },
): Promise<RenderedReport> {
  const t0 = performance.now();
  const r = await resolveReport(deps, req);
  const loaded = await loadReport(deps, r);
  const view = composeReport(deps, r, loaded, {
    date: opts.date,
    ...(opts.issue ? { issue: opts.issue } : {}),
  });
  const composeMs = performance.now() - t0;
  const fileStem = opts.fileStem ?? r.kind.previewStem(r.params, r.resolved);
  return renderReport(deps, r, view, loaded, fileStem, composeMs);
}

/** The view with each contents entry's page number set from `pages` (anchor → page). */
export function withPageNumbers<V extends ReportView>(view: V, pages: Map<string, number>): V {
  return {
    ...view,
    sections: view.sections.map((s) => ({
      ...s,
      entries: s.entries.map((e) => {
        const page = pages.get(e.anchor);
        const { page: _old, ...rest } = e;
        return page === undefined ? rest : { ...rest, page };
      }),
    })),
  };
}

const MAX_PASSES = 4;
/**
 * What a page-numbered contents prints where each number goes, before the renderer writes the
 * number over it in the PDF (one digit, in the fixed-width box `.contents-page`).
 */
const PAGE_PLACEHOLDER = 0;
/** Width of the cover thumbnail (page 1) in pixels. */
export const COVER_WIDTH = 300;
/**
 * The cover's source from a print: the HTML as printed and, when the renderer wrote the
 * contents' page numbers into the PDF over the placeholders it holds, those numbers (written
 * into the page before the capture, as the PDF shows them).
 */
function coverSourceOf(html: string, result: RenderResult): CoverSource {
  const written =
    result.linkPages && 'pages' in result.linkPages ? result.linkPages.pages : undefined;
  return {
    html,
    width: COVER_WIDTH,
    ...(written ? { fill: { selector: CONTENTS_PAGE, pages: written } } : {}),
  };
}

/** The element of a contents entry that holds its page number. */
const CONTENTS_PAGE = '.contents-page';
/** A colophon starting this close to the top of the last page has the page to itself. */
const COLOPHON_ALONE_PT = 90;

/**
 * Renders a composed view to `<workDir>/<fileStem>.html` and `.pdf`, in one pass as a rule (the
 * bulletin's page numbers written into the PDF by the renderer; see the module comment).
 * @throws RenderError when an entry's anchor is missing from the PDF or the numbers never settle.
 */
export async function renderReportFiles<V extends ReportView>(
  deps: RenderDeps,
  print: Pick<ReportKindModule, 'template' | 'contents'>,
  view: V,
  fileStem: string,
  /** `cover: false`: no cover source (a preview stores none). */
  opts: { cover?: boolean } = {},
): Promise<{
  view: V;
  pdf: Uint8Array;
  pages: number;
  htmlPath: string;
  pdfPath: string;
  passes: number;
  htmlMs: number;
  pdfMs: number;
  dataCsv: Uint8Array;
  dataFile: DataFile;
  coverSource?: CoverSource;
  warnings: string[];
}> {
  // Each chart with its text alternative and data table (the tagged PDF's /Alt, the web's 数据表).
  view = timed('compose', () => describeCharts(view));
  // Where each block that prints figures lands: its start and end named in the PDF.
  const blockMarks = placedAnchors(view);
  if (blockMarks.length) view = { ...view, blockMarks };
  const template = print.template;
  const numberedContents = print.contents === 'numbered';
  const anchors = view.sections.flatMap((s) => s.entries.map((e) => e.anchor));
  const metadata = {
    title: view.metadata.title,
    author: view.metadata.author,
    subject: view.metadata.subject,
    keywords: view.metadata.keywords,
    creator: 'Torch Bulletin',
  };
  // The data behind the report, attached inside the PDF (the same bytes are archived beside it).
  const { dataFile, dataCsv } = timed('data files', () => {
    const file = buildDataFile(view);
    return { dataFile: file, dataCsv: csvOf(file) };
  });
  const attachments = [
    {
      name: `${view.kind}-${view.period}-data.csv`.replace(/[^A-Za-z0-9._-]/g, '_'),
      bytes: dataCsv,
      mimeType: DATA_CSV_TYPE.split(';')[0]!,
      description: `${view.documentTitle} 数据（每个刊印数字及其记录与位置）`,
    },
  ];
  await mkdir(deps.workDir, { recursive: true });
  const htmlPath = join(deps.workDir, `${fileStem}.html`);
  let htmlMs = 0;
  let pdfMs = 0;
  let pages = new Map<string, number>();
  let colophonAlone = false;
  /** The settled pass before the colophon was moved to the page foot, to fall back on. */
  let beforeMove:
    { result: RenderResult; numbered: V & { colophonAlone: boolean }; html: string } | undefined;
  const covers = opts.cover !== false && makesCovers(deps.renderer);
  /**
   * Writes the PDF, then beside it the HTML it was printed from. `onDisk`: the HTML file
   * already holds `numbered` (it was written for this very print). Else it is rendered again:
   * the bulletin's numbers were written into the PDF over the placeholders the file holds, or
   * an earlier pass is kept — the file on disk lacks what the PDF shows. That HTML is not on
   * the way to the PDF (the PDF is on disk before it is rendered): its time is the HTML's.
   */
  const finish = async (
    result: RenderResult,
    numbered: V & { colophonAlone: boolean },
    pass: number,
    printedHtml: string,
    onDisk = false,
  ) => {
    const t2 = performance.now();
    const { pdf } = result;
    const pdfPath = join(deps.workDir, `${fileStem}.pdf`);
    // Written at once, not through the thread pool: an asynchronous write's three steps (open,
    // write, close) each wait for the event loop, which a run shares with the other zones' work
    // and Chromium's answers — 0.4 to 20 ms for the bulletin's 326 kB in the warm bench, against
    // ≈ 0.3 ms of the thread's own time to write it.
    writeFileSync(pdfPath, pdf);
    const t3 = performance.now();
    pdfMs += t3 - t2;
    if (!onDisk) {
      await writeFile(htmlPath, await timedAsync('html', () => renderHtml(template, numbered)));
      htmlMs += performance.now() - t3;
    }
    // The pages each block landed on, for the pages a correction names (core/printed-pages.ts).
    const blockPages = blockPagesOf(blockMarks, result.destinations);
    return {
      view: { ...numbered, blockPages },
      pdf,
      pages: result.pages,
      htmlPath,
      pdfPath,
      passes: pass,
      htmlMs,
      pdfMs,
      dataCsv,
      dataFile,
      ...(covers ? { coverSource: coverSourceOf(printedHtml, result) } : {}),
      warnings: result.warnings ?? [],
    };
  };
  for (let pass = 1; pass <= MAX_PASSES; pass += 1) {
    const t0 = performance.now();
    // The first pass of a numbered contents prints placeholders, numbered in the PDF after.
    const placeholders = numberedContents && pass === 1;
    const numbered = {
      ...withPageNumbers(
        view,
        placeholders ? new Map(anchors.map((a) => [a, PAGE_PLACEHOLDER])) : pages,
      ),
      colophonAlone,
      ...(numberedContents ? {} : { contentsLinked: true }),
    };
    const html = await timedAsync('html', () => renderHtml(template, numbered));
    await writeFile(htmlPath, html);
    const t1 = performance.now();
    const result = await deps.renderer.renderPdf({
      htmlPath,
      allowedRoots: [deps.workDir, templatesDir()],
      metadata,
      attachments,
      ...(placeholders
        ? {
            linkPages: {
              anchors,
              fill: CONTENTS_PAGE,
              placeholder: String(PAGE_PLACEHOLDER),
            },
          }
        : {}),
      ...(numberedContents && !colophonAlone
        ? {
            footOfLastPage: {
              id: 'colophon',
              className: 'colophon-alone',
              withinPt: COLOPHON_ALONE_PT,
            },
          }
        : {}),
    });
    htmlMs += t1 - t0;
    if (!numberedContents) {
      // One print: no page numbers to find, and the colophon stays where the text ends (moving
      // it to the foot of a last page it would open alone took a second print in most profiles).
      pdfMs += performance.now() - t1;
      return finish(result, numbered, pass, html, true);
    }
    const positions = new Map(Object.entries(result.destinations));
    pdfMs += performance.now() - t1;
    const found = new Map([...positions].map(([a, p]) => [a, p.page]));
    const lost = anchors.filter((a) => !found.has(a));
    if (lost.length)
      throw new RenderError(`${fileStem} 的 PDF 中缺少目录锚点 (anchor)：${lost.join('、')}`);
    const written = result.linkPages && 'pages' in result.linkPages ? result.linkPages.pages : {};
    // Placeholders numbered in the PDF (each its anchor's destination, as the PDF reads):
    // settled at once. Else the PDF's numbers are printed in the next pass.
    const settled = anchors.every(
      (a) => (placeholders ? written[a] : pages.get(a)) === found.get(a),
    );
    pages = new Map(anchors.map((a) => [a, found.get(a)!]));
    if (!settled) continue;
    if (beforeMove) {
      // Moving the colophon must not cost a page or move an article; else keep the first layout.
      const worse = result.pages > beforeMove.result.pages;
      return worse
        ? finish(beforeMove.result, beforeMove.numbered, pass, beforeMove.html)
        : finish(result, numbered, pass, html, true);
    }
    // The colophon moved to the last page's foot in the PDF, when it opened that page alone.
    const foot = result.footOfLastPage;
    const moved = foot !== undefined && 'moved' in foot && foot.moved;
    // What the PDF shows: the numbers written over the placeholders, the colophon moved (the
    // HTML is written again when it differs from the file printed).
    const printed =
      placeholders || moved
        ? { ...withPageNumbers(view, pages), colophonAlone: colophonAlone || moved }
        : numbered;
    // A colophon opening the last page alone that the renderer could not move: print it at
    // that page's foot instead.
    const colophon = positions.get('colophon');
    if (
      (foot === undefined || 'missed' in foot) &&
      colophon?.page === result.pages &&
      colophon.fromTop < COLOPHON_ALONE_PT
    ) {
      beforeMove = { result, numbered: printed, html };
      colophonAlone = true;
      continue;
    }
    return finish(result, printed, pass, html, printed === numbered);
  }
  if (beforeMove)
    return finish(beforeMove.result, beforeMove.numbered, MAX_PASSES, beforeMove.html);
  throw new RenderError(`${fileStem} 的目录页码渲染 ${MAX_PASSES} 次仍未确定`);
}
