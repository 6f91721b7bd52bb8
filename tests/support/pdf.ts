/**
 * PDF inspection helpers for tests: text per page (pdfjs-dist), and document facts — page
 * count, title, outline, fonts — so a test can tell a PDF with real Chinese glyphs from one
 * that only *extracts* as Chinese but prints boxes.
 */
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

type PdfDocument = Awaited<ReturnType<typeof getDocument>['promise']>;

async function withDocument<T>(pdf: Uint8Array, use: (doc: PdfDocument) => Promise<T>): Promise<T> {
  // pdfjs transfers (detaches) the buffer it is given: hand it a copy.
  const doc = await getDocument({
    data: new Uint8Array(pdf),
    verbosity: 0,
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
  }).promise;
  try {
    return await use(doc);
  } finally {
    await doc.destroy();
  }
}

/**
 * The text of each page. Items are joined without separator (Chinese has no spaces between
 * words) unless one is given; a `\n` follows every item that ends a line.
 */
export async function pdfText(pdf: Uint8Array, separator = ''): Promise<string[]> {
  return withDocument(pdf, async (doc) => {
    const pages: string[] = [];
    for (let n = 1; n <= doc.numPages; n += 1) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items) {
        if (!('str' in item)) continue;
        text += item.str + (item.hasEOL ? '\n' : separator);
      }
      pages.push(text);
    }
    return pages;
  });
}

/** Where page `n` draws its text (each item: text, x, y of its origin, pt) and its links. */
export async function pdfPagePlaces(
  pdf: Uint8Array,
  n: number,
): Promise<{ text: { str: string; x: number; y: number }[]; links: number[][] }> {
  return withDocument(pdf, async (doc) => {
    const page = await doc.getPage(n);
    const content = await page.getTextContent();
    const text = content.items.flatMap((item) =>
      'str' in item && item.str.trim()
        ? [{ str: item.str, x: item.transform[4] as number, y: item.transform[5] as number }]
        : [],
    );
    const links = ((await page.getAnnotations()) as { subtype: string; rect: number[] }[])
      .filter((a) => a.subtype === 'Link')
      .map((a) => a.rect);
    return { text, links };
  });
}

export interface PdfFont {
  /** `/BaseFont`, e.g. `CAAAAA+NotoSerifSC-Regular`; for Type 3 fonts `/Name` or `Type3 <obj>`. */
  name: string;
  /** `/Subtype` of the top-level font: `Type0`, `TrueType`, `Type1`, `Type3` … */
  type: string;
  /** Whether the font program is in the file (`/FontFile*`); Type 3 glyphs always are. */
  embedded: boolean;
  /** Whether the name carries a subset tag (`ABCDEF+`). */
  subset: boolean;
}

export interface PdfInfo {
  pages: number;
  title?: string;
  /** Outline (bookmark) titles, depth first. */
  outline: string[];
  fonts: PdfFont[];
}

/** Page count, title, outline (via pdfjs) and the fonts (from the raw object dictionaries). */
export async function pdfInfo(pdf: Uint8Array): Promise<PdfInfo> {
  const { pages, title, outline } = await withDocument(pdf, async (doc) => {
    const meta = await doc.getMetadata();
    const info = meta.info as { Title?: unknown } | undefined;
    const titles: string[] = [];
    type Node = { title: string; items: Node[] };
    const walk = (nodes: Node[] | null): void => {
      for (const node of nodes ?? []) {
        titles.push(node.title);
        walk(node.items);
      }
    };
    walk((await doc.getOutline()) as Node[] | null);
    return {
      pages: doc.numPages,
      title: typeof info?.Title === 'string' && info.Title !== '' ? info.Title : undefined,
      outline: titles,
    };
  });
  return { pages, ...(title === undefined ? {} : { title }), outline, fonts: pdfFonts(pdf) };
}

/**
 * The top-level fonts of a PDF, read from the object dictionaries. Chromium (Skia) writes
 * them uncompressed and uses no object streams; a PDF with object streams is refused rather
 * than reported without its fonts.
 */
export function pdfFonts(pdf: Uint8Array): PdfFont[] {
  const objects = pdfObjects(pdf);
  const dicts = [...objects.values()];
  if (dicts.some((d) => /\/Type\s*\/ObjStm\b/.test(d))) {
    throw new Error('pdfFonts: PDFs with object streams are not supported');
  }
  const ref = (dict: string, key: string): string | undefined =>
    new RegExp(`/${key}\\s*(\\d+)\\s+\\d+\\s+R`).exec(dict)?.[1];
  const name = (dict: string, key: string): string | undefined =>
    new RegExp(`/${key}\\s*/([^\\s/<>\\[\\]()]+)`).exec(dict)?.[1];
  const hasFontFile = (fontDict: string | undefined): boolean => {
    const descriptor = fontDict && ref(fontDict, 'FontDescriptor');
    return !!descriptor && /\/FontFile[23]?\b/.test(objects.get(descriptor) ?? '');
  };

  const fonts: PdfFont[] = [];
  for (const [id, dict] of objects) {
    if (!/\/Type\s*\/Font\b/.test(dict)) continue;
    const type = name(dict, 'Subtype') ?? 'unknown';
    if (type.startsWith('CIDFontType')) continue; // descendant of a Type0 font
    let embedded: boolean;
    if (type === 'Type3') {
      embedded = true;
    } else if (type === 'Type0') {
      const descendant = /\/DescendantFonts\s*\[\s*(\d+)\s+\d+\s+R/.exec(dict)?.[1];
      embedded = hasFontFile(descendant ? objects.get(descendant) : undefined);
    } else {
      embedded = hasFontFile(dict);
    }
    const fontName = name(dict, 'BaseFont') ?? name(dict, 'Name') ?? `${type} ${id}`;
    fonts.push({ name: fontName, type, embedded, subset: /^[A-Z]{6}\+/.test(fontName) });
  }
  return fonts;
}

/** Object number → dictionary text (up to `stream`/`endobj`); stream data is skipped. */
function pdfObjects(pdf: Uint8Array): Map<string, string> {
  const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1');
  const objects = new Map<string, string>();
  const header = /(\d+)\s+\d+\s+obj\b/g;
  let match: RegExpExecArray | null;
  while ((match = header.exec(text))) {
    const start = header.lastIndex;
    const stream = text.indexOf('stream', start);
    const end = text.indexOf('endobj', start);
    if (end < 0) break;
    if (stream >= 0 && stream < end) {
      objects.set(match[1] as string, text.slice(start, stream));
      const endStream = text.indexOf('endstream', stream + 6);
      header.lastIndex = endStream < 0 ? end : endStream;
    } else {
      objects.set(match[1] as string, text.slice(start, end));
      header.lastIndex = end;
    }
  }
  return objects;
}
