/**
 * The steps between loading and printing, in one round trip: the page switched to print media
 * once, then one `page.evaluate` that tightens wide tables and reports what still overflows
 * (`fit.ts`), measures and writes the contents' page numbers (`paginate.ts`, when asked) and
 * sets the document title. The page stays in print media for `page.pdf` (which prints in print
 * media in any case); the caller puts the media back with {@link restoreMedia} once the page
 * has printed. Before, each step switched the media on and off around its own evaluate (seven
 * round trips to the browser, four media switches); now three round trips, two switches.
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

/**
 * Lays the loaded `page` out for printing (see the module comment) and leaves it in print
 * media. On failure the media is put back before the error is thrown.
 */
export async function layOutForPrint(
  page: Page,
  defaults: PageBoxDefaults,
  opts: { paginate?: PaginateRequest; title?: string } = {},
): Promise<PrintLayout> {
  await page.emulateMediaType('print');
  try {
    const arg: LayoutArg = {
      defaults,
      ...(opts.paginate ? { paginate: opts.paginate } : {}),
      ...(opts.title !== undefined ? { title: opts.title } : {}),
    };
    return (await page.evaluate(inPage(layOutInPage, arg, steps))) as PrintLayout;
  } catch (e) {
    await restoreMedia(page).catch(() => undefined);
    throw e;
  }
}

/** Puts the page back in screen media, as a pooled page is for its next render. */
export function restoreMedia(page: Page): Promise<void> {
  return page.emulateMediaType(undefined);
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
