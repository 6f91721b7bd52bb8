/**
 * The steps between loading and printing, in one round trip: one `page.evaluate` that waits for
 * the fonts (`document.fonts.ready`, the load's last step: in the same round trip), tightens
 * wide tables and reports what still overflows (`fit.ts`), measures the element that may be
 * moved to the foot of the last page after printing (`last-page-foot.ts`: its content height as
 * it is and with the class that puts it there — the class is taken off again) and sets the
 * document title. The page is in print media already: the renderer keeps its pooled pages in
 * print media and at the A4 page box for good (`renderer.ts`), so a document is loaded, laid
 * out, printed and captured in the one media it prints in. Page numbers are not measured here:
 * they are written into the printed PDF (`link-pages.ts`).
 */
import type { Page } from 'puppeteer-core';
import { fitInPage } from './fit.ts';
import type { FootMeasure } from './last-page-foot.ts';
import { inPage, type PageBox, type PageBoxDefaults } from './page-box.ts';

export interface PrintLayout {
  /** One line per element still wider than the text block (see `fit.ts`). */
  warnings: string[];
  /** The foot element's heights, when asked and found. */
  foot?: FootMeasure;
  /** The layout's time in the page, fonts ready to done (ms): the rest of the call is the load's. */
  ms: number;
}

interface LayoutArg {
  defaults: PageBoxDefaults;
  title?: string;
  foot?: { id: string; className: string };
}

const steps = { fitInPage, footInPage };

/**
 * Lays the loaded `page` (in print media) out for printing once its fonts are ready: see the
 * module comment.
 */
export async function layOutForPrint(
  page: Page,
  defaults: PageBoxDefaults,
  opts: { title?: string; foot?: { id: string; className: string } } = {},
): Promise<PrintLayout> {
  const arg: LayoutArg = {
    defaults,
    ...(opts.title !== undefined ? { title: opts.title } : {}),
    ...(opts.foot ? { foot: opts.foot } : {}),
  };
  const layOut = inPage(layOutInPage, arg, steps);
  return (await page.evaluate(`document.fonts.ready.then(() => ${layOut})`)) as PrintLayout;
}

/** Runs in the page: no closure over module scope (the steps come with it as source). */
function layOutInPage(
  pageBox: (defaults: PageBoxDefaults) => PageBox,
  arg: LayoutArg,
  { fitInPage: fit, footInPage: measureFoot }: typeof steps,
): PrintLayout {
  const t0 = performance.now();
  let foot: FootMeasure | undefined;
  const warnings = fit(pageBox, arg.defaults, () => {
    if (arg.foot) foot = measureFoot(arg.foot);
  });
  if (arg.title !== undefined) document.title = arg.title;
  return { warnings, ...(foot ? { foot } : {}), ms: performance.now() - t0 };
}

/**
 * Runs in the page: where the element's content ends, from the top of its box, as it is and
 * with `className` (then taken off again).
 */
function footInPage(foot: { id: string; className: string }): FootMeasure | undefined {
  const el = document.getElementById(foot.id);
  if (!el || el.classList.contains(foot.className)) return undefined;
  const at = () => {
    const top = el.getBoundingClientRect().top;
    return { top, end: (el.lastElementChild ?? el).getBoundingClientRect().bottom - top };
  };
  const natural = at();
  el.classList.add(foot.className);
  const alone = at();
  el.classList.remove(foot.className);
  return { naturalPx: natural.end, reachPx: alone.end, topPx: alone.top - natural.top };
}
