/**
 * The cover thumbnail: page 1 as a PNG, made in a page that has loaded the printed HTML and laid
 * it out as the print does (`renderer.ts`'s `renderCover`, on a released issue's first cover
 * request; or right after `page.pdf` in the page that printed it). The document is laid out in print media, one column per
 * page area (the `@page` size less its margins), so the first column holds what page 1 holds —
 * offset by the page margins on white, and the first page's box is captured, scaled to `width`.
 * The page is in print media and at the A4 page box already (the renderer keeps its pooled pages
 * so, `renderer.ts`); a page of another size is captured at its own box and the viewport put
 * back. The layout style stays: the page's next render loads another document, and nothing
 * after the capture uses this one (no relayout to undo it: under load each cost ≈ 30 ms).
 */
import type { Page } from 'puppeteer-core';
import type { CoverFill, CoverImage } from '../../app/ports.ts';
import { inPage, type PageBox, type PageBoxDefaults } from './page-box.ts';

export type { CoverFill };
export type Cover = CoverImage;

/** Lays page 1 out on the loaded `page` and captures it `width` pixels wide. */
export async function coverOf(
  page: Page,
  width: number,
  defaults: PageBoxDefaults,
  fill?: CoverFill,
): Promise<Cover> {
  const box = (await page.evaluate(
    inPage(layOutFirstPage, { defaults, ...(fill ? { fill } : {}) }),
  )) as PageBox;
  const standing = page.viewport();
  const viewport = {
    width: Math.ceil(box.width),
    height: Math.ceil(box.height),
    deviceScaleFactor: 1,
  };
  const resize =
    standing?.width !== viewport.width ||
    standing.height !== viewport.height ||
    standing.deviceScaleFactor !== 1;
  if (resize) await page.setViewport(viewport);
  try {
    const scale = width / box.width;
    const png = await page.screenshot({
      type: 'png',
      clip: { x: 0, y: 0, width: box.width, height: box.height, scale },
    });
    return {
      png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength),
      width: Math.round(box.width * scale),
      height: Math.round(box.height * scale),
    };
  } finally {
    if (resize) await page.setViewport(standing);
  }
}

/** Runs in the page: no closure over module scope. Returns the page box in CSS pixels. */
function layOutFirstPage(
  pageBox: (defaults: PageBoxDefaults) => PageBox,
  { defaults, fill }: { defaults: PageBoxDefaults; fill?: CoverFill },
): PageBox {
  if (fill) {
    for (const link of Array.from(document.querySelectorAll('a[href^="#"]'))) {
      const page = fill.pages[decodeURIComponent((link.getAttribute('href') ?? '').slice(1))];
      const target = link.querySelector(fill.selector);
      if (target && page !== undefined) target.textContent = String(page);
    }
  }
  const box = pageBox(defaults);
  const { width, height } = box;
  const areaW = width - box.left - box.right;
  const areaH = height - box.top - box.bottom;
  const style = document.createElement('style');
  style.id = '__cover-layout';
  // Page 2 and later flow into columns to the right of the captured box.
  style.textContent =
    `html{height:auto !important;background:#fff !important;margin:0 !important;` +
    `padding:${box.top}px 0 0 ${box.left}px !important;overflow:hidden !important;}` +
    `body{column-count:1 !important;column-width:auto !important;` +
    `column-gap:${box.left + box.right}px !important;column-fill:auto !important;` +
    `width:${areaW}px !important;height:${areaH}px !important;` +
    `margin:0 !important;padding:0 !important;overflow:visible !important;}` +
    `thead{break-after:avoid !important;}`;
  document.head.appendChild(style);
  return box;
}
