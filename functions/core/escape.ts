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
 * Characters XML 1.0 does not allow at all (C0 controls but tab, LF and CR; U+FFFE, U+FFFF; a
 * surrogate without its pair): one of them makes a whole Atom feed invalid.
 */
const NOT_XML =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Control and non-characters refused in every text we are given (ingest): all of
 * {@link NOT_XML}, DEL and the C1 controls (U+007F–U+009F) — invisible, and never meant.
 */
const CONTROL =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The first control character of a text (`U+0001`) and its position (1-based, in UTF-16 code
 * units), or undefined when it has none. Tab, LF and CR are text.
 * @example controlCharacterIn('标题\u0001') // { code: 'U+0001', at: 3 }
 */
export function controlCharacterIn(text: string): { code: string; at: number } | undefined {
  const m = CONTROL.exec(text);
  if (!m) return undefined;
  const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return { code, at: m.index + 1 };
}

/** The message for a field with a control character in it (ingest, articles). */
export function controlCharacterMessage(found: { code: string; at: number }): string {
  return `含控制字符 ${found.code}（第 ${found.at} 个字符），不可见且会使 XML（Atom 订阅源）无效：请删去`;
}

/**
 * Text or a quoted attribute value in XML (Atom feeds, fontconfig): the five predefined entities.
 * Characters XML cannot hold (U+0001, U+FFFE …; refused at ingest already) are dropped, so that
 * one bad title can never make a whole feed unreadable.
 * @example escapeXml(`R&D "zones"`) // 'R&amp;D &quot;zones&quot;'
 */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => XML[c]!);
}
