/**
 * Page numbers before printing: where elements will land on the printed pages, measured in
 * the browser without printing, so a report with a page-numbered contents prints once.
 *
 * The document is laid out for a moment as a multi-column box whose columns have exactly the
 * size of the page area (the `@page` size less its margins, read from the style sheets):
 * Chromium fragments columns with the same block-fragmentation engine as pages (`break-*`,
 * orphans and widows, repeated table heads), so column n holds what page n will hold. An
 * element's page is the column its box starts in. The numbers are written into the links
 * that point at the elements, the layout is measured again until it is stable, and the
 * column styles are removed before printing. The caller checks the numbers against the named
 * destinations of the printed PDF (see `postprocess.ts`), and prints again only if they
 * differ. It runs in the page with `fit.ts`'s step, in one evaluate (`layout.ts`).
 */
import type { PagePosition, PaginateRequest, Pagination } from '../../app/ports.ts';
import type { PageBox, PageBoxDefaults } from './page-box.ts';

/**
 * Measures and fills the page numbers (see the module comment). Runs in the page, in print media
 * (`layout.ts`): no closure over module scope (`pageBox` comes with it: see page-box.ts).
 */
export function measureInPage(
  pageBox: (defaults: PageBoxDefaults) => PageBox,
  { req, defaults }: { req: PaginateRequest; defaults: PageBoxDefaults },
): Pagination {
  // The page area: the @page size less its margins (the last rule wins, as in printing).
  const box = pageBox(defaults);
  const areaW = box.width - box.left - box.right;
  const areaH = box.height - box.top - box.bottom;

  const style = document.createElement('style');
  style.textContent =
    `html{height:auto !important;}` +
    `body{column-count:1 !important;column-width:auto !important;column-gap:0 !important;` +
    `column-fill:auto !important;width:${areaW}px !important;height:${areaH}px !important;` +
    `margin:0 !important;padding:0 !important;overflow:visible !important;}` +
    // Printing never leaves a table head alone at a page's foot; columns would.
    `thead{break-after:avoid !important;}`;
  document.head.appendChild(style);

  const measure = (): { pages: number; positions: Record<string, PagePosition> } => {
    const body = document.body.getBoundingClientRect();
    const positions: Record<string, PagePosition> = {};
    for (const id of req.measure) {
      const el = document.getElementById(id);
      if (!el) continue;
      const r = el.getBoundingClientRect();
      const column = Math.max(0, Math.floor((r.left - body.left + 0.5) / areaW));
      positions[id] = { page: column + 1, fromTop: ((r.top - body.top) * 72) / 96 };
    }
    const pages = Math.max(1, Math.ceil((document.body.scrollWidth - 0.5) / areaW));
    return { pages, positions };
  };
  const fill = (positions: Record<string, PagePosition>): boolean => {
    if (!req.fill) return false;
    let changed = false;
    for (const link of Array.from(document.querySelectorAll('a[href^="#"]'))) {
      const id = decodeURIComponent((link.getAttribute('href') ?? '').slice(1));
      const target = link.querySelector(req.fill);
      const at = positions[id];
      if (!target || !at) continue;
      const text = String(at.page);
      if (target.textContent !== text) {
        target.textContent = text;
        changed = true;
      }
    }
    return changed;
  };
  const samePages = (a: Record<string, PagePosition>, b: Record<string, PagePosition>) =>
    req.measure.every((id) => a[id]?.page === b[id]?.page);

  try {
    let layouts = 1;
    let m = measure();
    // Writing the numbers can reflow the contents: measure until nothing moves (twice, as a rule).
    while (fill(m.positions) && layouts < 4) {
      m = measure();
      layouts += 1;
    }
    let footOfLastPage = false;
    const foot = req.footOfLastPage;
    const at = foot ? m.positions[foot.id] : undefined;
    if (foot && at && at.page === m.pages && at.fromTop < foot.withinPt) {
      const el = document.getElementById(foot.id);
      if (el) {
        el.classList.add(foot.className);
        const moved = measure();
        layouts += 1;
        if (moved.pages <= m.pages && samePages(moved.positions, m.positions)) {
          m = moved;
          footOfLastPage = true;
        } else {
          el.classList.remove(foot.className);
        }
      }
    }
    return { pages: m.pages, positions: m.positions, footOfLastPage, layouts };
  } finally {
    style.remove();
  }
}
