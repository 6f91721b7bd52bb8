/**
 * The cover thumbnail: page 1 as a PNG, made in the page that has just printed the PDF (no
 * second render). The document is laid out as in `paginate.ts` — print media, one column per
 * page area (the `@page` size less its margins), so the first column holds what page 1 holds —
 * offset by the page margins on white, and the first page's box is captured, scaled to `width`.
 * The page is put back as it was (styles, media, viewport) for its next render.
 */
import type { Page } from 'puppeteer-core';

export interface Cover {
  png: Uint8Array;
  width: number;
  height: number;
}

/** A4 and the renderer's default margins, in mm, when the style sheets say nothing. */
export interface CoverDefaults {
  widthMm: number;
  heightMm: number;
  margin: { top: string; right: string; bottom: string; left: string };
}

interface PageBox {
  width: number;
  height: number;
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** Lays page 1 out on the loaded `page` and captures it `width` pixels wide. */
export async function coverOf(page: Page, width: number, defaults: CoverDefaults): Promise<Cover> {
  await page.emulateMediaType('print');
  try {
    const source =
      `(() => { const __name = (f) => f; return (${layOutFirstPage.toString()})` +
      `(${JSON.stringify(defaults)}); })()`;
    const box = (await page.evaluate(source)) as PageBox;
    await page.setViewport({
      width: Math.ceil(box.width),
      height: Math.ceil(box.height),
      deviceScaleFactor: 1,
    });
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
    await page.evaluate(() => document.getElementById('__cover-layout')?.remove());
    await page.setViewport(null);
    await page.emulateMediaType(undefined);
  }
}

/** Runs in the page: no closure over module scope. Returns the page box in CSS pixels. */
function layOutFirstPage(defaults: CoverDefaults): PageBox {
  const probe = document.createElement('div');
  probe.style.cssText = 'position:absolute;visibility:hidden;height:0;';
  document.body.appendChild(probe);
  const px = (length: string, fallback: string): number => {
    probe.style.width = length || fallback;
    const w = probe.getBoundingClientRect().width;
    if (w > 0 || /^0/.test(length)) return w;
    probe.style.width = fallback;
    return probe.getBoundingClientRect().width;
  };
  let size = '';
  const margin = { ...defaults.margin };
  for (const sheet of Array.from(document.styleSheets)) {
    let rules: CSSRuleList;
    try {
      rules = sheet.cssRules;
    } catch {
      continue;
    }
    for (const rule of Array.from(rules)) {
      if (!(rule instanceof CSSPageRule) || rule.selectorText !== '') continue;
      const s = rule.style;
      size = s.getPropertyValue('size') || size;
      for (const side of ['top', 'right', 'bottom', 'left'] as const) {
        const v = s.getPropertyValue(`margin-${side}`);
        if (v) margin[side] = v;
      }
    }
  }
  let width = px(`${defaults.widthMm}mm`, `${defaults.widthMm}mm`);
  let height = px(`${defaults.heightMm}mm`, `${defaults.heightMm}mm`);
  const parts = size.trim().split(/\s+/).filter(Boolean);
  if (parts.length >= 1 && /^[\d.]/.test(parts[0] as string)) {
    width = px(parts[0] as string, `${defaults.widthMm}mm`);
    height = px((parts[1] ?? parts[0]) as string, `${defaults.heightMm}mm`);
  } else if (parts.includes('landscape')) {
    [width, height] = [height, width];
  }
  const box = {
    width,
    height,
    top: px(margin.top, '0'),
    right: px(margin.right, '0'),
    bottom: px(margin.bottom, '0'),
    left: px(margin.left, '0'),
  };
  probe.remove();
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
