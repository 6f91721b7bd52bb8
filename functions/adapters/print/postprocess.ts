/**
 * Reading and finishing the PDFs Chromium writes. Chromium (Skia) writes a classic PDF: plain
 * objects, one cross-reference table, no object streams. Reading it with a PDF library costs
 * 70–200 ms per bulletin (parsing every object); what is needed here is a few objects, so:
 *
 * - {@link finishPdf}: one incremental update appended to Chromium's bytes (which stay as they
 *   are: outline, structure tree, fonts): the ToUnicode maps rewritten so that ideographs
 *   sharing a glyph with a radical extract as the ideograph, the document information
 *   (Title, Author, Subject, Keywords, Creator), the XMP metadata stream (the same facts) and
 *   the attached files (the issue's data). Chromium already writes the catalog's `/Lang` (from
 *   `<html lang>`) and `/DisplayDocTitle`.
 * - {@link readDestinations}: the page and position of each named destination (an element `id`
 *   a link points to, e.g. the contents' `#a-…` links), from the catalog's `/Dests` and the
 *   page tree; falls back to `@cantoo/pdf-lib` ({@link anchorPositions}) for anything else.
 * - {@link describePdf}: the same XMP metadata and attached files written by pdf-lib, for a PDF
 *   that is not as Chromium writes it.
 * - {@link countPdfPages}: the page count.
 */
import {
  AFRelationship,
  PDFArray,
  PDFNumber,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFRef,
  PDFString,
  PDFHexString,
} from '@cantoo/pdf-lib';
import { deflateSync, inflateSync } from 'node:zlib';
import { RenderError } from '#errors';
import { escapeXml } from '../../core/escape.ts';
import type { DocumentInfo, PdfAttachment } from '../../app/ports.ts';

/** Where a named destination lands: its page, and its distance from the page's top in pt. */
export interface AnchorPosition {
  page: number;
  fromTop: number;
}

/** Number of pages of a PDF written by Chromium (counts `/Type /Page` dictionaries). */
export function countPdfPages(pdf: Uint8Array | RawPdf): number {
  return rawPdf(pdf).text.match(/\/Type\s*\/Page(?![A-Za-z])/g)?.length ?? 0;
}

/** The catalog's `/Lang` (Chromium writes it from `<html lang>`), if any. */
export function catalogLang(pdf: Uint8Array | RawPdf): string | undefined {
  const catalog = rawPdf(pdf).catalog();
  const token = catalog && /\/Lang\s*(\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f\s]*>)/.exec(catalog)?.[1];
  return token ? decodePdfString(token) || undefined : undefined;
}

/** `pdf` read (its text once: a render's steps share one, see `renderer.ts`). */
export const rawPdf = (pdf: Uint8Array | RawPdf): RawPdf =>
  pdf instanceof RawPdf ? pdf : new RawPdf(pdf);

/** A PDF as Chromium writes it, read lazily from its bytes. */
export class RawPdf {
  readonly bytes: Buffer;
  readonly text: string;
  private offsets: Map<number, number> | undefined;
  constructor(pdf: Uint8Array) {
    this.bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
    this.text = this.bytes.toString('latin1');
  }

  /** The last trailer: its dictionary text and the offset of its cross-reference section. */
  trailer(): { dict: string; startxref: string } | undefined {
    const at = this.text.lastIndexOf('trailer');
    if (at < 0) return undefined;
    const m = /^trailer\s*<<([\s\S]*?)>>\s*startxref\s*(\d+)/.exec(this.text.slice(at));
    return m ? { dict: m[1] as string, startxref: m[2] as string } : undefined;
  }

  /** The text of the document catalog (the last trailer's `/Root`). */
  catalog(): string | undefined {
    const trailer = this.trailer();
    const rootId = trailer && ref(trailer.dict, 'Root');
    return rootId === undefined ? undefined : this.object(rootId);
  }

  /**
   * Where each object's body starts, from the cross-reference tables (the newest section first,
   * following `/Prev`): never from scanning the bytes, which binary streams could fool.
   */
  private objectOffsets(): Map<number, number> {
    if (this.offsets) return this.offsets;
    const offsets = new Map<number, number>();
    let at = Number(this.trailer()?.startxref ?? -1);
    for (let sections = 0; at >= 0 && sections < 64; sections += 1) {
      if (this.text.startsWith('xref', at) === false) break;
      let pos = at + 4;
      const head = /\s*(\d+)\s+(\d+)[ \t]*\r?\n/y;
      for (;;) {
        head.lastIndex = pos;
        const m = head.exec(this.text);
        if (!m) break;
        const first = Number(m[1]);
        const count = Number(m[2]);
        pos = head.lastIndex;
        for (let i = 0; i < count; i += 1) {
          const entry = /^(\d{10}) (\d{5}) ([nf])/.exec(this.text.slice(pos, pos + 20));
          if (!entry) break;
          pos += 20;
          if (entry[3] === 'n' && !offsets.has(first + i)) offsets.set(first + i, Number(entry[1]));
        }
      }
      const trailer = /^\s*trailer\s*<<([\s\S]*?)>>/.exec(this.text.slice(pos, pos + 4096));
      const prev = trailer ? /\/Prev\s+(\d+)/.exec(trailer[1] as string) : null;
      at = prev ? Number(prev[1]) : -1;
    }
    for (const [id, offset] of offsets) {
      const m = /^\s*\d+\s+\d+\s+obj\b/.exec(this.text.slice(offset, offset + 40));
      if (m) offsets.set(id, offset + m[0].length);
      else offsets.delete(id);
    }
    this.offsets = offsets;
    return offsets;
  }

  /** The text of object `id` from after `obj` to `endobj`. */
  object(id: number): string | undefined {
    const start = this.objectOffsets().get(id);
    if (start === undefined) return undefined;
    const end = this.text.indexOf('endobj', start);
    return this.text.slice(start, end < 0 ? undefined : end);
  }

  /**
   * The ToUnicode CMap stream `id` parsed, once for every step that reads it (the contents'
   * numbers read a font's, the finish fixes them all): its text, its mappings (code →
   * destination as UTF-16BE hex, as written) and each destination's text. Undefined when the
   * stream cannot be read. Treat as read-only.
   */
  toUnicode(id: number): ToUnicodeMap | undefined {
    this.cmaps ??= new Map();
    if (!this.cmaps.has(id)) {
      const stream = this.stream(id);
      if (!stream) this.cmaps.set(id, undefined);
      else {
        const cmap = stream.data.toString('latin1');
        const entries = cmapEntries(cmap);
        const text = new Map<number, string>();
        for (const [code, dst] of entries) text.set(code, utf16Text(dst));
        this.cmaps.set(id, { cmap, entries, text });
      }
    }
    return this.cmaps.get(id);
  }
  private cmaps: Map<number, ToUnicodeMap | undefined> | undefined;

  /** The stream data of object `id`, inflated; undefined for another filter. */
  stream(id: number): { dict: string; data: Buffer } | undefined {
    const body = this.object(id);
    if (body === undefined) return undefined;
    const start = this.objectOffsets().get(id)!;
    const streamAt = body.indexOf('stream');
    const dict = body.slice(0, streamAt);
    const length = /\/Length\s+(\d+)(?!\s+\d+\s+R)/.exec(dict)?.[1];
    if (streamAt < 0 || !length) return undefined;
    let dataStart = start + streamAt + 'stream'.length;
    if (this.text[dataStart] === '\r') dataStart += 1;
    if (this.text[dataStart] === '\n') dataStart += 1;
    const raw = this.bytes.subarray(dataStart, dataStart + Number(length));
    const flate = /\/Filter\s*\/FlateDecode\b/.test(dict);
    if (!flate && /\/Filter\b/.test(dict)) return undefined;
    return { dict, data: flate ? inflateSync(raw) : raw };
  }
}

/** A ToUnicode CMap as read by {@link RawPdf.toUnicode}. */
export interface ToUnicodeMap {
  cmap: string;
  entries: ReadonlyMap<number, string>;
  text: ReadonlyMap<number, string>;
}

/** The text of a destination written as UTF-16BE hex (one code unit: without a Buffer). */
export const utf16Text = (hex: string): string =>
  hex.length === 4 && /^[0-9A-Fa-f]{4}$/.test(hex)
    ? String.fromCharCode(Number.parseInt(hex, 16))
    : Buffer.from(hex, 'hex').swap16().toString('utf16le');

export const ref = (dict: string, key: string): number | undefined => {
  const m = new RegExp(`/${key}\\s+(\\d+)\\s+0\\s+R`).exec(dict);
  return m ? Number(m[1]) : undefined;
};

/** A text string of the document information: UTF-16BE with a byte order mark, in hex. */
function pdfText(s: string): string {
  return `<FEFF${Buffer.from(s, 'utf16le').swap16().toString('hex').toUpperCase()}>`;
}

/** One object of an incremental update: its number and its bytes (`n 0 obj … endobj`). */
export interface Update {
  id: number;
  body: Buffer;
}

export const streamObject = (id: number, dict: string, data: Uint8Array): Update => ({
  id,
  body: Buffer.concat([
    Buffer.from(`${id} 0 obj\n<<${dict}\n/Length ${data.length}>> stream\n`),
    data,
    Buffer.from('\nendstream\nendobj\n'),
  ]),
});

/** A PDF name (`/text#2Fcsv`): delimiters, `#` and bytes outside `!`…`~` written as `#xx`. */
export function pdfName(s: string): string {
  return `/${[...Buffer.from(s, 'utf8')]
    .map((b) =>
      b < 0x21 || b > 0x7e || '()<>[]{}/%#'.includes(String.fromCharCode(b))
        ? `#${b.toString(16).toUpperCase().padStart(2, '0')}`
        : String.fromCharCode(b),
    )
    .join('')}`;
}

/** The text of a PDF string token: `(literal)` (escapes undone) or `<hex>`; UTF-16BE with its BOM. */
function decodePdfString(token: string): string {
  let bytes: Buffer;
  if (token.startsWith('<')) {
    const hex = token.slice(1, -1).replace(/\s+/g, '');
    bytes = Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex');
  } else {
    const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };
    const text = token
      .slice(1, -1)
      .replace(/\\(?:([0-7]{1,3})|\r?\n|(.))/gs, (_, octal?: string, ch?: string) =>
        octal !== undefined
          ? String.fromCharCode(Number.parseInt(octal, 8) & 0xff)
          : ch === undefined
            ? ''
            : (escapes[ch] ?? ch),
      );
    bytes = Buffer.from(text, 'latin1');
  }
  return bytes[0] === 0xfe && bytes[1] === 0xff
    ? Buffer.from(bytes.subarray(2)).swap16().toString('utf16le')
    : bytes.toString('latin1');
}

/** A PDF date (`D:20261130045109+00'00'`) as a Date, as pdf-lib reads it; undefined if not one. */
function parsePdfDate(text: string): Date | undefined {
  const m = /^D:(\d\d\d\d)(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?([+\-Z])?(\d\d)?'?(\d\d)?'?$/.exec(
    text,
  );
  if (!m) return undefined;
  const [
    ,
    y,
    mo = '01',
    d = '01',
    h = '00',
    mi = '00',
    sec = '00',
    sign = 'Z',
    oh = '00',
    om = '00',
  ] = m;
  const zone = sign === 'Z' ? 'Z' : `${sign}${oh}:${om}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${sec}${zone}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `D:YYYYMMDDHHmmSSZ` in UTC (as pdf-lib writes an attachment's dates). */
const pdfDate = (date: Date): string =>
  `D:${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

/**
 * The PDF Chromium wrote, finished in one incremental update appended to its bytes (which stay
 * as they are: outline, structure tree, fonts):
 *
 * - its ToUnicode maps fixed (see `radicalEquivalents` in `fonts.ts`: without this, 高 一 页 行 …
 *   copy, search and extract as ⾼ ⼀ ⻚ ⾏);
 * - `info` written in the document information (Title, Author, Subject, Keywords, Creator);
 * - the XMP metadata stream ({@link xmpPacket}: the same facts, with the producer and dates of
 *   the document information and `info.lang`);
 * - `attachments` embedded as files with the relationship `Data`, listed in the catalog's
 *   `/EmbeddedFiles` name tree and `/AF`, dated with the document's creation date.
 *
 * Written from the bytes (a few ms; pdf-lib's load and commit took 30–300 ms per bulletin). A
 * PDF not as Chromium writes it (a cross-reference stream, a catalog that already has
 * `/Metadata`, `/Names` or `/AF`) is finished by pdf-lib instead ({@link describePdf}).
 */
export async function finishPdf(
  pdf: Uint8Array | RawPdf,
  equivalents: ReadonlyMap<number, number>,
  info: DocumentInfo = {},
  /** `deflated`: the file's bytes deflated already (as `deflateSync` would), e.g. while printing. */
  attachments: (PdfAttachment & { deflated?: Uint8Array })[] = [],
  /** Further objects replaced in the same update (e.g. `link-pages.ts`'s content streams). */
  extra: Update[] = [],
): Promise<Uint8Array> {
  for (const a of attachments) {
    if (!/^[A-Za-z0-9._-]+$/.test(a.name))
      throw new RenderError(`附件名“${a.name}”须为纯 ASCII 字符`);
  }
  const doc = rawPdf(pdf);
  const trailer = doc.trailer();
  const rootId = trailer && ref(trailer.dict, 'Root');
  const catalog = rootId === undefined ? undefined : doc.object(rootId)?.trim();
  if (
    !trailer ||
    rootId === undefined ||
    !catalog?.startsWith('<<') ||
    !catalog.endsWith('>>') ||
    /\/(?:Metadata|Names|AF)\b/.test(catalog)
  ) {
    // Not what Chromium writes: the ToUnicode fix and Info by hand where possible, then pdf-lib.
    return describePdf(
      trailer ? fixedPdf(doc, trailer, equivalents, info, extra) : doc.bytes,
      info,
      attachments,
    );
  }

  const fixed = fixesAndInfo(doc, trailer, equivalents, info);
  const { updates, infoId, entries } = fixed;
  updates.push(...extra);
  let { size } = fixed;

  // The XMP packet: the same facts as the document information.
  const fact = (key: string): string | undefined => {
    const token = entries.values.get(key);
    return token === undefined ? undefined : decodePdfString(token);
  };
  const createdAt = parsePdfDate(fact('CreationDate') ?? '');
  const modifiedAt = parsePdfDate(fact('ModDate') ?? '');
  const producer = fact('Producer');
  const created = isoDate(createdAt);
  const modified = isoDate(modifiedAt);
  const xmp = xmpPacket({
    ...info,
    ...(producer ? { producer } : {}),
    ...(created ? { created } : {}),
    ...(modified ? { modified } : {}),
  });
  const metadataId = size++;
  updates.push(
    streamObject(metadataId, '/Type /Metadata\n/Subtype /XML', Buffer.from(xmp, 'utf8')),
  );

  // The attached files: an embedded file stream and a file specification each.
  const when = pdfDate(createdAt ?? new Date(0));
  const specs: { key: Buffer; id: number }[] = [];
  for (const a of attachments) {
    const specId = size++;
    const fileId = size++;
    updates.push(
      streamObject(
        fileId,
        `/Type /EmbeddedFile\n/Subtype ${pdfName(a.mimeType)}\n` +
          `/Params <</Size ${a.bytes.byteLength}\n/CreationDate (${when})\n/ModDate (${when})>>\n` +
          '/Filter /FlateDecode',
        a.deflated ?? deflateSync(a.bytes),
      ),
    );
    const desc = a.description ? `\n/Desc ${pdfText(a.description)}` : '';
    updates.push({
      id: specId,
      body: Buffer.from(
        `${specId} 0 obj\n<</Type /Filespec\n/F (${a.name})\n/UF ${pdfText(a.name)}\n` +
          `/EF <</F ${fileId} 0 R>>${desc}\n/AFRelationship /Data>>\nendobj\n`,
      ),
    });
    specs.push({ key: Buffer.from(a.name, 'utf16le').swap16(), id: specId });
  }
  // The catalog as Chromium wrote it, with the metadata and the attached files added.
  const names = [...specs]
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map((s) => `<FEFF${s.key.toString('hex').toUpperCase()}> ${s.id} 0 R`);
  const added =
    `\n/Metadata ${metadataId} 0 R` +
    (specs.length
      ? `\n/Names <</EmbeddedFiles <</Names [${names.join(' ')}]>>>>` +
        `\n/AF [${specs.map((s) => `${s.id} 0 R`).join(' ')}]`
      : '');
  updates.push({
    id: rootId,
    body: Buffer.from(`${rootId} 0 obj\n${catalog.slice(0, -2)}${added}>>\nendobj\n`, 'latin1'),
  });
  return appendUpdate(doc, trailer, updates, size, infoId);
}

/** The ToUnicode maps with radical destinations, rewritten (see {@link fixCmap}). */
function toUnicodeUpdates(doc: RawPdf, equivalents: ReadonlyMap<number, number>): Update[] {
  const updates: Update[] = [];
  const ids = new Set(
    [...doc.text.matchAll(/\/ToUnicode\s+(\d+)\s+0\s+R/g)].map((m) => Number(m[1])),
  );
  for (const id of ids) {
    const cmap = doc.toUnicode(id);
    if (!cmap) continue;
    const fixed = fixCmap(cmap, equivalents);
    if (fixed === undefined) continue;
    updates.push(
      streamObject(
        id,
        '/Filter /FlateDecode',
        deflateSync(Buffer.from(fixed, 'latin1'), { level: 1 }),
      ),
    );
  }
  return updates;
}

/** The document information's entries (string tokens as written) with `info` set in them. */
function infoEntries(
  doc: RawPdf,
  trailer: { dict: string },
  info: DocumentInfo,
): { infoId: number | undefined; entries: { values: Map<string, string>; changed: boolean } } {
  const infoId = ref(trailer.dict, 'Info');
  const old = infoId === undefined ? '' : (doc.object(infoId) ?? '');
  const values = new Map<string, string>();
  for (const m of old.matchAll(/\/([A-Za-z]+)\s*(\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f\s]*>)/g)) {
    values.set(m[1] as string, m[2] as string);
  }
  const given: [string, string | undefined][] = [
    ['Title', info.title],
    ['Author', info.author],
    ['Subject', info.subject],
    ['Keywords', info.keywords?.length ? info.keywords.join(' ') : undefined],
    ['Creator', info.creator],
  ];
  let changed = false;
  for (const [key, value] of given) {
    if (value) {
      values.set(key, pdfText(value));
      changed = true;
    }
  }
  return { infoId, entries: { values, changed } };
}

/** The ToUnicode fixes and the document information: the updates, the next free object number. */
function fixesAndInfo(
  doc: RawPdf,
  trailer: { dict: string },
  equivalents: ReadonlyMap<number, number>,
  info: DocumentInfo,
): {
  updates: Update[];
  size: number;
  infoId: number | undefined;
  entries: { values: Map<string, string>; changed: boolean };
} {
  const updates = toUnicodeUpdates(doc, equivalents);
  let size = Number(/\/Size\s+(\d+)/.exec(trailer.dict)?.[1] ?? 0);
  const { infoId: oldInfoId, entries } = infoEntries(doc, trailer, info);
  let infoId = oldInfoId;
  if (entries.changed) {
    if (infoId === undefined) infoId = size++;
    updates.push(infoUpdate(infoId, entries.values));
  }
  return { updates, size, infoId, entries };
}

const infoUpdate = (id: number, values: Map<string, string>): Update => ({
  id,
  body: Buffer.from(
    `${id} 0 obj\n<<${[...values].map(([k, v]) => `/${k} ${v}`).join('\n')}>>\nendobj\n`,
  ),
});

/** `updates` appended to the bytes of `doc` as one incremental update (cross-reference table). */
function appendUpdate(
  doc: RawPdf,
  trailer: { dict: string; startxref: string },
  updates: Update[],
  size: number,
  infoId: number | undefined,
): Uint8Array {
  const keep = ['Root', 'ID']
    .map((k) => new RegExp(`/${k}\\s*(\\[[^\\]]*\\]|\\d+\\s+\\d+\\s+R)`).exec(trailer.dict))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => m[0]);
  if (infoId !== undefined) keep.push(`/Info ${infoId} 0 R`);
  const parts: Buffer[] = [doc.bytes, Buffer.from('\n')];
  let offset = doc.bytes.length + 1;
  const xref: string[] = [];
  for (const { id, body } of updates) {
    xref.push(`${id} 1\n${String(offset).padStart(10, '0')} 00000 n \n`);
    parts.push(body);
    offset += body.length;
  }
  parts.push(
    Buffer.from(
      `xref\n${xref.join('')}trailer\n<</Size ${size}\n${keep.join('\n')}\n/Prev ${trailer.startxref}>>\n` +
        `startxref\n${offset}\n%%EOF\n`,
    ),
  );
  const out = Buffer.concat(parts);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The ToUnicode fix and the document information only (before pdf-lib adds the rest). */
function fixedPdf(
  doc: RawPdf,
  trailer: { dict: string; startxref: string },
  equivalents: ReadonlyMap<number, number>,
  info: DocumentInfo,
  extra: Update[],
): Uint8Array {
  const { updates, infoId, size } = fixesAndInfo(doc, trailer, equivalents, info);
  updates.push(...extra);
  return updates.length === 0 ? doc.bytes : appendUpdate(doc, trailer, updates, size, infoId);
}

/**
 * Named destination → page and distance from the top of the page, read from the catalog's
 * `/Dests` dictionary and the page tree as Chromium writes them; anything else (a name tree,
 * object streams) is read with pdf-lib ({@link anchorPositions}).
 */
export async function readDestinations(
  pdf: Uint8Array | RawPdf,
): Promise<Map<string, AnchorPosition>> {
  const doc = rawPdf(pdf);
  return destinationsOf(doc) ?? anchorPositions(doc.bytes);
}

export function chromiumDestinations(pdf: Uint8Array): Map<string, AnchorPosition> | undefined {
  return destinationsOf(new RawPdf(pdf));
}

/**
 * Page object → its number (from 1) and height, walking the page tree of `catalog` in order;
 * undefined when the tree is not as Chromium writes it.
 */
export function pageTree(
  doc: RawPdf,
  catalog: string,
): Map<number, { n: number; height: number }> | undefined {
  const pagesId = ref(catalog, 'Pages');
  if (pagesId === undefined) return undefined;
  const pages = new Map<number, { n: number; height: number }>();
  const walk = (id: number, inherited: number | undefined, depth: number): boolean => {
    const node = doc.object(id);
    if (node === undefined || depth > 32) return false;
    const box = /\/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]/.exec(node);
    const height = box ? Number(box[4]) - Number(box[2]) : inherited;
    if (/\/Type\s*\/Pages\b/.test(node)) {
      const kids = /\/Kids\s*\[([^\]]*)\]/.exec(node)?.[1] ?? '';
      return [...kids.matchAll(/(\d+)\s+0\s+R/g)].every((k) =>
        walk(Number(k[1]), height, depth + 1),
      );
    }
    if (height === undefined) return false;
    pages.set(id, { n: pages.size + 1, height });
    return true;
  };
  return walk(pagesId, undefined, 0) ? pages : undefined;
}

/** What {@link destinationsOf} read from each PDF: every step of a render reads it once. */
const destinationsRead = new WeakMap<RawPdf, Map<string, AnchorPosition> | undefined>();

/**
 * The named destinations of a PDF as Chromium writes it (see {@link readDestinations}), read once
 * per `doc`; undefined when not as Chromium writes them. Treat as read-only.
 */
export function destinationsOf(doc: RawPdf): Map<string, AnchorPosition> | undefined {
  if (!destinationsRead.has(doc)) destinationsRead.set(doc, readDestinationsOf(doc));
  return destinationsRead.get(doc);
}

function readDestinationsOf(doc: RawPdf): Map<string, AnchorPosition> | undefined {
  const catalog = doc.catalog();
  if (!catalog || /\/Names\b/.test(catalog)) return undefined;
  const destsId = ref(catalog, 'Dests');
  const pages = pageTree(doc, catalog);
  if (!pages) return undefined;
  const result = new Map<string, AnchorPosition>();
  if (destsId === undefined) return result;
  const dests = doc.object(destsId);
  if (dests === undefined) return undefined;
  for (const m of dests.matchAll(
    /\/((?:[^\s/[\]<>(){}%#]|#[0-9A-Fa-f]{2})+)\s*\[\s*(\d+)\s+0\s+R\s*\/XYZ\s+\S+\s+([-\d.]+|null)/g,
  )) {
    const name = Buffer.from(
      (m[1] as string).replace(/#([0-9A-Fa-f]{2})/g, (_, h: string) =>
        String.fromCharCode(Number.parseInt(h, 16)),
      ),
      'latin1',
    ).toString('utf8');
    const page = pages.get(Number(m[2]));
    if (!page) return undefined;
    const top = m[3] === 'null' ? page.height : Number(m[3]);
    result.set(name, { page: page.n, fromTop: Math.max(0, page.height - top) });
  }
  return result;
}

/**
 * Named destination → 1-based page number, from the catalog's `/Dests` dictionary (what
 * Chromium writes) or a `/Names /Dests` name tree.
 */
export async function anchorPages(pdf: Uint8Array): Promise<Map<string, number>> {
  const positions = await anchorPositions(pdf);
  return new Map([...positions].map(([name, p]) => [name, p.page]));
}

/** Named destination → page and distance from the top of the page (see {@link anchorPages}). */
export async function anchorPositions(pdf: Uint8Array): Promise<Map<string, AnchorPosition>> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(pdf, { updateMetadata: false });
  } catch (err) {
    throw new RenderError('无法读取生成的 PDF 以取得其目标位置（destinations）', { cause: err });
  }
  const pageOf = new Map<string, { n: number; height: number }>();
  doc
    .getPages()
    .forEach((p, i) => pageOf.set(p.ref.toString(), { n: i + 1, height: p.getHeight() }));
  const result = new Map<string, AnchorPosition>();
  const record = (name: string, dest: unknown) => {
    let target = dest;
    if (target instanceof PDFRef) target = doc.context.lookup(target);
    if (target instanceof PDFDict) target = target.lookup(PDFName.of('D'));
    if (!(target instanceof PDFArray)) return;
    const page = target.get(0);
    const found = page instanceof PDFRef ? pageOf.get(page.toString()) : undefined;
    // [page /XYZ left top zoom]: `top` is from the bottom of the page.
    const top = target.get(3);
    const y = top instanceof PDFNumber ? top.asNumber() : found?.height;
    if (found) result.set(name, { page: found.n, fromTop: Math.max(0, found.height - (y ?? 0)) });
  };
  const catalog = doc.catalog;
  const dests = catalog.lookup(PDFName.of('Dests'));
  if (dests instanceof PDFDict) {
    for (const [key, value] of dests.entries()) record(key.decodeText(), value);
  }
  const names = catalog.lookup(PDFName.of('Names'));
  const tree = names instanceof PDFDict ? names.lookup(PDFName.of('Dests')) : undefined;
  if (tree instanceof PDFDict) walkNameTree(tree, record);
  return result;
}

function walkNameTree(node: PDFDict, visit: (name: string, value: unknown) => void): void {
  const names = node.lookup(PDFName.of('Names'));
  if (names instanceof PDFArray) {
    for (let i = 0; i + 1 < names.size(); i += 2) {
      const key = names.lookup(i);
      if (key instanceof PDFString || key instanceof PDFHexString)
        visit(key.decodeText(), names.get(i + 1));
    }
  }
  const kids = node.lookup(PDFName.of('Kids'));
  if (kids instanceof PDFArray) {
    for (let i = 0; i < kids.size(); i += 1) {
      const kid = kids.lookup(i);
      if (kid instanceof PDFDict) walkNameTree(kid, visit);
    }
  }
}

/**
 * A ToUnicode CMap's mappings: source code (a glyph id, for Chromium's Identity-H fonts) →
 * destination as UTF-16BE hex, from its `bfchar` and `bfrange` blocks.
 */
export function cmapEntries(cmap: string): Map<number, string> {
  const entries = new Map<number, string>(); // source code → destination, UTF-16BE hex
  const hex = (s: string): number => Number.parseInt(s, 16);
  const add16 = (dst: string, n: number): string => {
    // bfrange: the last UTF-16 unit is incremented.
    const head = dst.slice(0, -4);
    return head + (hex(dst.slice(-4)) + n).toString(16).toUpperCase().padStart(4, '0');
  };
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of (block[1] as string).matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) {
      entries.set(hex(m[1] as string), m[2] as string);
    }
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    const body = block[1] as string;
    for (const m of body.matchAll(
      /<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(?:<([0-9A-Fa-f]+)>|\[([^\]]*)\])/g,
    )) {
      const lo = hex(m[1] as string);
      const hi = hex(m[2] as string);
      if (m[3] !== undefined) {
        for (let c = lo; c <= hi; c += 1) entries.set(c, add16(m[3], c - lo));
      } else {
        const list = [...(m[4] as string).matchAll(/<([0-9A-Fa-f]+)>/g)].map((x) => x[1] as string);
        list.forEach((dst, i) => entries.set(lo + i, dst));
      }
    }
  }
  return entries;
}

/** The CMap with radical destinations replaced, or `undefined` when none occur. */
function fixCmap(
  { cmap, entries: read, text }: ToUnicodeMap,
  equivalents: ReadonlyMap<number, number>,
): string | undefined {
  let entries: Map<number, string> | undefined;
  for (const [src, str] of text) {
    let mapped: string;
    if (str.length === 1) {
      // Most destinations are one character: looked up without splitting it.
      const to = equivalents.get(str.charCodeAt(0));
      if (to === undefined) continue;
      mapped = String.fromCodePoint(to);
    } else {
      mapped = [...str]
        .map((ch) => {
          const to = equivalents.get(ch.codePointAt(0) as number);
          return to === undefined ? ch : String.fromCodePoint(to);
        })
        .join('');
    }
    if (mapped === str) continue;
    entries ??= new Map(read);
    entries.set(src, Buffer.from(mapped, 'utf16le').swap16().toString('hex').toUpperCase());
  }
  if (!entries) return undefined;

  const codespace =
    /\d+\s+begincodespacerange[\s\S]*?endcodespacerange/.exec(cmap)?.[0] ??
    '1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange';
  const width = /<([0-9A-Fa-f]+)>/.exec(codespace)?.[1]?.length ?? 4;
  const lines = [...entries]
    .sort((a, b) => a[0] - b[0])
    .map((e) => `<${e[0].toString(16).toUpperCase().padStart(width, '0')}> <${e[1]}>`);
  const blocks: string[] = [];
  for (let i = 0; i < lines.length; i += 100) {
    const chunk = lines.slice(i, i + 100);
    blocks.push(`${chunk.length} beginbfchar\n${chunk.join('\n')}\nendbfchar\n`);
  }
  return (
    '/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n' +
    '/CIDSystemInfo\n<<  /Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n' +
    '/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n' +
    `${codespace}\n` +
    blocks.join('') +
    'endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n'
  );
}

/** A PDF date (`D:20261130045109+00'00'`) as ISO 8601, or undefined. */
function isoDate(date: Date | undefined): string | undefined {
  return date && !Number.isNaN(date.getTime())
    ? date.toISOString().replace(/\.\d{3}Z$/, 'Z')
    : undefined;
}

/**
 * The XMP packet of a document: dc:title, dc:creator, dc:description, dc:language,
 * pdf:Keywords, pdf:Producer, xmp:CreatorTool and the dates, the same values as its Info.
 */
export function xmpPacket(
  info: DocumentInfo & { producer?: string; created?: string; modified?: string },
): string {
  const x = escapeXml;
  const alt = (v: string) => `<rdf:Alt><rdf:li xml:lang="x-default">${x(v)}</rdf:li></rdf:Alt>`;
  const lines = [
    '<dc:format>application/pdf</dc:format>',
    info.title && `<dc:title>${alt(info.title)}</dc:title>`,
    info.author && `<dc:creator><rdf:Seq><rdf:li>${x(info.author)}</rdf:li></rdf:Seq></dc:creator>`,
    info.subject && `<dc:description>${alt(info.subject)}</dc:description>`,
    info.lang && `<dc:language><rdf:Bag><rdf:li>${x(info.lang)}</rdf:li></rdf:Bag></dc:language>`,
    info.keywords?.length && `<pdf:Keywords>${x(info.keywords.join(' '))}</pdf:Keywords>`,
    info.producer && `<pdf:Producer>${x(info.producer)}</pdf:Producer>`,
    info.creator && `<xmp:CreatorTool>${x(info.creator)}</xmp:CreatorTool>`,
    info.created && `<xmp:CreateDate>${info.created}</xmp:CreateDate>`,
    info.modified && `<xmp:ModifyDate>${info.modified}</xmp:ModifyDate>`,
    info.modified && `<xmp:MetadataDate>${info.modified}</xmp:MetadataDate>`,
  ].filter((l): l is string => typeof l === 'string');
  return (
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n' +
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n' +
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" ' +
    'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">\n' +
    lines.join('\n') +
    '\n</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end="w"?>'
  );
}

/**
 * The fallback of {@link finishPdf} for a PDF not as Chromium writes it: appends (one incremental
 * update, pdf-lib) the XMP metadata of `info` — consistent with the Info dictionary, its dates
 * and producer read from it — and embeds
 * `attachments` as files with the relationship `Data` (listed in the catalog's
 * `/EmbeddedFiles` and `/AF`). The bytes before stay as they are.
 */
export async function describePdf(
  pdf: Uint8Array,
  info: DocumentInfo,
  attachments: PdfAttachment[] = [],
): Promise<Uint8Array> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(pdf, { forIncrementalUpdate: true, updateMetadata: false });
  } catch (err) {
    throw new RenderError('无法读取生成的 PDF 以写入其说明信息', { cause: err });
  }
  const created = isoDate(doc.getCreationDate());
  const xmp = xmpPacket({
    ...info,
    ...(doc.getProducer() ? { producer: doc.getProducer()! } : {}),
    ...(created ? { created } : {}),
    ...(isoDate(doc.getModificationDate())
      ? { modified: isoDate(doc.getModificationDate())! }
      : {}),
  });
  const metadata = doc.context.stream(Buffer.from(xmp, 'utf8'), {
    Type: 'Metadata',
    Subtype: 'XML',
  });
  doc.catalog.set(PDFName.of('Metadata'), doc.context.register(metadata));
  doc.context.snapshot?.markObjForSave(doc.catalog);
  const when = doc.getCreationDate() ?? new Date(0);
  for (const a of attachments) {
    if (!/^[A-Za-z0-9._-]+$/.test(a.name))
      throw new RenderError(`附件名“${a.name}”须为纯 ASCII 字符`);
    await doc.attach(a.bytes, a.name, {
      mimeType: a.mimeType,
      ...(a.description ? { description: a.description } : {}),
      afRelationship: AFRelationship.Data,
      creationDate: when,
      modificationDate: when,
    });
  }
  return doc.commit({ useObjectStreams: false });
}
