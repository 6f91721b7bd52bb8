/**
 * The steps between loading and printing, in one round trip: one `page.evaluate` that tightens
 * wide tables and reports what still overflows (`fit.ts`), measures and writes the contents'
 * page numbers (`paginate.ts`, when asked) and sets the document title. The page is in print
 * media already: the renderer keeps its pooled pages in print media and at the A4 page box for
 * good (`renderer.ts`), so a document is loaded, laid out, printed and captured in the one
 * media it prints in. Before, each step switched the media on and off around its own evaluate
 * (seven round trips to the browser, four media switches); then three round trips and two
 * switches; now one round trip and none.
 */
import type { Page } from 'puppeteer-core';
import type { PaginateRequest, Pagination } from '../../app/ports.ts';
import { fitInPage } from './fit.ts';
import { inPage, type PageBox, type PageBoxDefaults } from './page-box.ts';
import { measureInPage } from './paginate.ts';

export interface PrintLayout {
  /** One line per element still wider than the text block (see `fit.ts`). */
  warnings: string[];
  /** The measured page numbers, when `paginate` was asked (see `paginate.ts`). */
  pagination?: Pagination;
}

interface LayoutArg {
  defaults: PageBoxDefaults;
  paginate?: PaginateRequest;
  title?: string;
}

const steps = { fitInPage, measureInPage };

/** Lays the loaded `page` (in print media) out for printing: see the module comment. */
export async function layOutForPrint(
  page: Page,
  defaults: PageBoxDefaults,
  opts: { paginate?: PaginateRequest; title?: string } = {},
): Promise<PrintLayout> {
  const arg: LayoutArg = {
    defaults,
    ...(opts.paginate ? { paginate: opts.paginate } : {}),
    ...(opts.title !== undefined ? { title: opts.title } : {}),
  };
  return (await page.evaluate(inPage(layOutInPage, arg, steps))) as PrintLayout;
}

/** Runs in the page: no closure over module scope (the two steps come with it as source). */
function layOutInPage(
  pageBox: (defaults: PageBoxDefaults) => PageBox,
  arg: LayoutArg,
  { fitInPage: fit, measureInPage: measure }: typeof steps,
): PrintLayout {
  const warnings = fit(pageBox, arg.defaults);
  const pagination = arg.paginate
    ? measure(pageBox, { req: arg.paginate, defaults: arg.defaults })
    : undefined;
  if (arg.title !== undefined) document.title = arg.title;
  return { warnings, ...(pagination ? { pagination } : {}) };
}
