/**
 * The contents' page numbers written into the printed PDF, after printing: no measuring pass.
 *
 * The document prints with a placeholder (one digit) in a box of fixed width at the end of each
 * contents link (`.contents-page`: `flex: 0 0 1.6em`, right-aligned), so the layout — every page
 * break — is the same whatever number the box will show. Chromium's PDF then says where each
 * link's target landed (its named destinations, `postprocess.ts`), and where each link is (its
 * `/Link` annotation: `/Rect` and `/Dest`). In the content stream of a page holding such links,
 * the text drawn furthest right inside a link's rectangle is its placeholder; it is replaced by
 * the page number — the glyphs of its digits in the same font, right-aligned on the
 * placeholder's right edge — in the same incremental update as the rest of the finish
 * (`finishPdf`). Nothing else of the page changes: its marked content and structure tags, the
 * links, the fonts (the digits' glyphs must be in the font's subset already: Chromium's footer
 * prints every page number in the same font, so they are). A text decoration would keep the
 * placeholder's width: the contents' numbers have none.
 *
 * Anything not as expected (a link without its placeholder, a digit missing from the font, an
 * operator the reading does not follow) writes nothing and says why: the caller prints again
 * with the numbers in the HTML.
 */
import { editedContent, fmt, showCodes, type ChromiumPdf, type Show } from './content-stream.ts';
import type { Update } from './postprocess.ts';

/** What was written: the page number of each anchor, and the objects to append. */
export interface LinkPages {
  pages: Map<string, number>;
  updates: Update[];
}

/**
 * Writes the page number of each of `anchors` over the placeholder its contents link shows
 * (see the module comment). Returns what to append, or why nothing can be.
 */
export function linkPages(
  pdf: ChromiumPdf,
  anchors: readonly string[],
  placeholder: string,
): LinkPages | { reason: string } {
  const wanted = new Set(anchors);
  const pages = new Map<string, number>();
  const updates: Update[] = [];
  for (const page of pdf.pages) {
    const links = page.links.filter((l) => l.dest && wanted.has(l.dest) && !pages.has(l.dest));
    if (links.length === 0) continue;
    // Its shows only: the placeholders are text (no groups or paths needed).
    const content = page.content({ groups: false });
    if (!content) return { reason: `第 ${page.n} 页：此处无法读取其内容` };
    const edits: { start: number; end: number; text: string }[] = [];
    for (const { dest: anchor, rect } of links) {
      // The text drawn furthest right inside the link: the placeholder. (Indexed, not
      // destructured: this loop runs links × shows times, mostly before it is optimized.)
      const x1 = rect[0] - 1;
      const y1 = rect[1] - 1;
      const x2 = rect[2] + 1;
      const y2 = rect[3] + 1;
      const { shows } = content;
      let last: Show | undefined;
      let lastX = -Infinity;
      for (let i = 0; i < shows.length; i += 1) {
        const show = shows[i]!;
        const x = show.origin[0];
        const y = show.origin[1];
        if (x < x1 || x > x2 || y < y1 || y > y2) continue;
        if (!last || x > lastX) {
          last = show;
          lastX = x;
        }
      }
      const font = last && content.font(last.font);
      const target = pdf.destinations.get(anchor!);
      if (!last || !font || !target)
        return { reason: `目录链接 #${anchor}：没有占位页码或没有目标` };
      const placed = showCodes(last);
      const shown = placed.map((c) => font.text.get(c) ?? '\uFFFD').join('');
      if (shown !== placeholder || !last.placedBy || last.block.length !== 1)
        return {
          reason: `目录链接 #${anchor}：末尾文字是 "${shown}"，不是占位页码`,
        };
      const [a, b] = last.tm;
      if (b !== 0 || a <= 0) return { reason: `目录链接 #${anchor}：文字经过旋转` };
      const codes = [...String(target.page)].map((digit) => font.digits.get(digit));
      if (codes.some((c) => c === undefined))
        return { reason: `目录链接 #${anchor}：${target.page} 中有数字不在其字体中` };
      const width = (cs: number[]) =>
        cs.reduce((sum, c) => sum + (font.widths.get(c) ?? font.defaultWidth), 0);
      // Right-aligned on the placeholder's right edge.
      const x = last.tm[4] + ((width(placed) - width(codes as number[])) / 1000) * last.size * a;
      const e = last.placedBy[4]!;
      edits.push({ start: e.start, end: e.end, text: fmt(x) });
      const hex = (codes as number[]).map((c) => c.toString(16).toUpperCase().padStart(4, '0'));
      edits.push({ start: last.start, end: last.end, text: `<${hex.join('')}> Tj` });
      pages.set(anchor!, target.page);
    }
    updates.push(editedContent(content, edits));
  }
  const lost = anchors.filter((a) => !pages.has(a));
  if (lost.length) return { reason: `找不到 ${lost.join('、')} 的目录链接` };
  return { pages, updates };
}
