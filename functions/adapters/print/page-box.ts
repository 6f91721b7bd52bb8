/**
 * The printed page box read in the browser from the style sheets' `@page` rule (its size and
 * margins, the last rule winning as in printing), for the steps that lay the document out as
 * it will print before printing it: the cover (`cover.ts`) and the overflow check (`fit.ts`).
 */

/** A4 and the renderer's default margins, when the style sheets say nothing. */
export interface PageBoxDefaults {
  widthMm: number;
  heightMm: number;
  margin: { top: string; right: string; bottom: string; left: string };
}

/** The page and its margins in CSS pixels. */
export interface PageBox {
  width: number;
  height: number;
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/**
 * Source text that runs `fn(pageBox, arg, helpers)` in the page, with a `__name` stub: tsx and
 * esbuild's keepNames wrap inner functions in `__name(…)`, which the page does not define.
 * `helpers` are further in-page functions (no closure over module scope either), sent as
 * source text beside `fn`.
 */
export function inPage<A, R, H extends Record<string, (...args: never[]) => unknown>>(
  fn: (pageBox: (defaults: PageBoxDefaults) => PageBox, arg: A, helpers: H) => R,
  arg: A,
  helpers?: H,
): string {
  const sent = Object.entries(helpers ?? {})
    .map(([name, f]) => `${JSON.stringify(name)}: (${f.toString()})`)
    .join(', ');
  return (
    `(() => { const __name = (f) => f; const pageBox = (${pageBoxInPage.toString()});` +
    ` return (${fn.toString()})(pageBox, ${JSON.stringify(arg)}, {${sent}}); })()`
  );
}

/** Runs in the page: no closure over module scope. */
function pageBoxInPage(defaults: PageBoxDefaults): PageBox {
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
  return box;
}
