/**
 * The one escaper per output language. Handlebars escapes the report templates itself; these
 * are for the few strings we put into markup by hand (error pages, the print footer, feeds,
 * fontconfig files).
 */

const HTML: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

const XML: Record<string, string> = { ...HTML, "'": '&apos;' };

/**
 * Text or a quoted attribute value in HTML.
 * @example escapeHtml(`<a href="x">Tom's</a>`) // '&lt;a href=&quot;x&quot;&gt;Tom&#39;s&lt;/a&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML[c]!);
}

/**
 * Text or a quoted attribute value in XML (Atom feeds, fontconfig): the five predefined entities.
 * @example escapeXml(`R&D "zones"`) // 'R&amp;D &quot;zones&quot;'
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML[c]!);
}
