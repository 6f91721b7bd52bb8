/**
 * Nothing clipped at the margin. Before printing, the document is laid out at the width of the
 * page area (print media, the `@page` size less its margins — see `page-box.ts`) and measured:
 *
 * - a table wider than the text block is tightened, in two steps: smaller type with cells that
 *   wrap between words (`fit-wrap`), then the smallest type with cells that may break anywhere
 *   (`fit-break`: no character is lost, a long number wraps inside its cell);
 * - a table, paragraph, list item, heading or code block still wider than the text block after
 *   that is reported: one warning naming the article or table it belongs to.
 *
 * Unbroken text in paragraphs (a 49,000-character token) wraps by the style sheets
 * (`overflow-wrap: anywhere` in `report.css`), so it is never clipped.
 */
import type { PageBox, PageBoxDefaults } from './page-box.ts';

/**
 * Tightens tables wider than the text block; returns one warning per element still too wide.
 * Runs in the page, in print media (`layout.ts`): no closure over module scope (`pageBox` comes
 * with the source).
 */
export function fitInPage(
  pageBox: (d: PageBoxDefaults) => PageBox,
  defaults: PageBoxDefaults,
  /** Called at the end, the document still laid out at the text block's width. */
  whileLaidOut?: () => void,
): string[] {
  const box = pageBox(defaults);
  const areaW = box.width - box.left - box.right;
  // Laid out at the text block's width already (a viewport that wide, `renderer.ts`: within
  // half a pixel): measured as it is. Else a style lays it out so, taken off after — each a
  // layout of the whole document, and the print restyles it again.
  const restyle = Math.abs(document.body.getBoundingClientRect().width - areaW) >= 0.5;
  const style = document.createElement('style');
  style.textContent =
    `html{height:auto !important;}` +
    `body{width:${areaW}px !important;margin:0 !important;padding:0 !important;}`;
  if (restyle) document.head.appendChild(style);
  try {
    const right = document.body.getBoundingClientRect().left + areaW + 1;
    const overBy = (el: Element): number => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return 0;
      return Math.max(r.right - right, el.scrollWidth - el.clientWidth - 1, 0);
    };
    for (const table of Array.from(document.querySelectorAll('table'))) {
      if (overBy(table) <= 0 && overBy(table.parentElement ?? table) <= 0) continue;
      table.classList.add('fit-wrap');
      if (overBy(table) > 0 || overBy(table.parentElement ?? table) > 0)
        table.classList.add('fit-break');
    }
    const nameOf = (el: Element): string => {
      const article = el.closest('article')?.querySelector('.article-title')?.textContent;
      const caption = (el.closest('table') ?? el.closest('figure'))
        ?.querySelector('caption, figcaption')
        ?.textContent?.trim();
      const parts = [article && `文章《${article.trim()}》`, caption && `“${caption}”`];
      const kind = el.tagName === 'TABLE' ? '表格' : el.tagName === 'PRE' ? '代码块' : '段落';
      return `${parts.filter(Boolean).join('中') || '正文'}的${kind}`;
    };
    const warnings: string[] = [];
    const candidates = 'table, pre, p, li, h1, h2, h3, h4, h5, h6, blockquote, .zone-card';
    for (const el of Array.from(document.body.querySelectorAll(candidates))) {
      // A cell's text is the table's (reported once, as the table).
      if (el.tagName !== 'TABLE' && el.closest('table')) continue;
      const over = overBy(el);
      if (over > 0) warnings.push(`${nameOf(el)}超出版心${Math.ceil(over)}px，打印时会被裁切`);
    }
    whileLaidOut?.();
    return warnings;
  } finally {
    if (restyle) style.remove();
  }
}
