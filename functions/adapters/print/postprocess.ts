/**
 * Reading and finishing the PDFs Chromium writes. Chromium (Skia) writes a classic PDF: plain
 * objects, one cross-reference table, no object streams. Reading it with a PDF library costs
 * 70–200 ms per bulletin (parsing every object); what is needed here is a few objects, so:
 *
 * - {@link finishPdf}: one incremental update appended to Chromium's bytes (which stay as they
 *   are: outline, structure tree, fonts): the ToUnicode maps rewritten so that ideographs
 *   sharing a glyph with a radical extract as the ideograph, and the document information
 *   (Title, Author, Subject, Keywords, Creator). Chromium already writes the catalog's
 *   `/Lang` (from `<html lang>`) and `/DisplayDocTitle`.
 * - {@link readDestinations}: the page and position of each named destination (an element `id`
 *   a link points to, e.g. the contents' `#a-…` links), from the catalog's `/Dests` and the
 *   page tree; falls back to `@cantoo/pdf-lib` ({@link anchorPositions}) for anything else.
 * - {@link describePdf}: a second incremental update (pdf-lib): the XMP metadata stream, the
 *   same facts as the document information, and the attached files (the issue's data).
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
export function countPdfPages(pdf: Uint8Array): number {
  return new RawPdf(pdf).text.match(/\/Type\s*\/Page(?![A-Za-z])/g)?.length ?? 0;
}

/** A PDF as Chromium writes it, read lazily from its bytes. */
class RawPdf {
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

const ref = (dict: string, key: string): number | undefined => {
  const m = new RegExp(`/${key}\\s+(\\d+)\\s+0\\s+R`).exec(dict);
  return m ? Number(m[1]) : undefined;
};

/** A text string of the document information: UTF-16BE with a byte order mark, in hex. */
function pdfText(s: string): string {
  return `<FEFF${Buffer.from(s, 'utf16le').swap16().toString('hex').toUpperCase()}>`;
}

/**
 * The PDF with its ToUnicode maps fixed (see `radicalEquivalents` in `fonts.ts`: without this,
 * 高 一 页 行 … copy, search and extract as ⾼ ⼀ ⻚ ⾏) and `info` written, as one incremental
 * update after the original bytes. Returns `pdf` itself when there is nothing to change.
 */
export function finishPdf(
  pdf: Uint8Array,
  equivalents: ReadonlyMap<number, number>,
  info: DocumentInfo = {},
): Uint8Array {
  const doc = new RawPdf(pdf);
  const updates: { id: number; body: Buffer }[] = [];
  const ids = new Set(
    [...doc.text.matchAll(/\/ToUnicode\s+(\d+)\s+0\s+R/g)].map((m) => Number(m[1])),
  );
  for (const id of ids) {
    const stream = doc.stream(id);
    if (!stream) continue;
    const fixed = fixCmap(stream.data.toString('latin1'), equivalents);
    if (fixed === undefined) continue;
    const data = deflateSync(Buffer.from(fixed, 'latin1'));
    updates.push({
      id,
      body: Buffer.concat([
        Buffer.from(`${id} 0 obj\n<</Filter /FlateDecode\n/Length ${data.length}>> stream\n`),
        data,
        Buffer.from('\nendstream\nendobj\n'),
      ]),
    });
  }
  const trailer = doc.trailer();
  if (!trailer) return pdf; // a cross-reference stream: not what Chromium writes
  let size = Number(/\/Size\s+(\d+)/.exec(trailer.dict)?.[1] ?? 0);
  let infoId = ref(trailer.dict, 'Info');
  const given: [string, string | undefined][] = [
    ['Title', info.title],
    ['Author', info.author],
    ['Subject', info.subject],
    ['Keywords', info.keywords?.length ? info.keywords.join(' ') : undefined],
    ['Creator', info.creator],
  ];
  if (given.some(([, v]) => v)) {
    const old = infoId === undefined ? '' : (doc.object(infoId) ?? '');
    const entries = new Map<string, string>();
    for (const m of old.matchAll(/\/([A-Za-z]+)\s*(\([^()]*\)|<[0-9A-Fa-f\s]*>)/g)) {
      entries.set(m[1] as string, m[2] as string);
    }
    for (const [key, value] of given) if (value) entries.set(key, pdfText(value));
    if (infoId === undefined) infoId = size++;
    const dict = [...entries].map(([k, v]) => `/${k} ${v}`).join('\n');
    updates.push({ id: infoId, body: Buffer.from(`${infoId} 0 obj\n<<${dict}>>\nendobj\n`) });
  }
  if (updates.length === 0) return pdf;

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

/**
 * Named destination → page and distance from the top of the page, read from the catalog's
 * `/Dests` dictionary and the page tree as Chromium writes them; anything else (a name tree,
 * object streams) is read with pdf-lib ({@link anchorPositions}).
 */
export async function readDestinations(pdf: Uint8Array): Promise<Map<string, AnchorPosition>> {
  return destinationsOf(new RawPdf(pdf)) ?? anchorPositions(pdf);
}

export function chromiumDestinations(pdf: Uint8Array): Map<string, AnchorPosition> | undefined {
  return destinationsOf(new RawPdf(pdf));
}

function destinationsOf(doc: RawPdf): Map<string, AnchorPosition> | undefined {
  const trailer = doc.trailer();
  const rootId = trailer && ref(trailer.dict, 'Root');
  const catalog = rootId === undefined ? undefined : doc.object(rootId);
  if (!catalog || /\/Names\b/.test(catalog)) return undefined;
  const pagesId = ref(catalog, 'Pages');
  const destsId = ref(catalog, 'Dests');
  if (pagesId === undefined) return undefined;
  // Page object → number and height, walking the page tree in order.
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
  if (!walk(pagesId, undefined, 0)) return undefined;
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
    throw new RenderError('cannot read the rendered PDF for its destinations', { cause: err });
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

/** The CMap with radical destinations replaced, or `undefined` when none occur. */
function fixCmap(cmap: string, equivalents: ReadonlyMap<number, number>): string | undefined {
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
  let changed = false;
  for (const [src, dst] of entries) {
    const str = Buffer.from(dst, 'hex').swap16().toString('utf16le');
    const mapped = [...str]
      .map((ch) => {
        const to = equivalents.get(ch.codePointAt(0) as number);
        return to === undefined ? ch : String.fromCodePoint(to);
      })
      .join('');
    if (mapped !== str) {
      changed = true;
      entries.set(src, Buffer.from(mapped, 'utf16le').swap16().toString('hex').toUpperCase());
    }
  }
  if (!changed) return undefined;

  const codespace =
    /\d+\s+begincodespacerange[\s\S]*?endcodespacerange/.exec(cmap)?.[0] ??
    '1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange';
  const width = /<([0-9A-Fa-f]+)>/.exec(codespace)?.[1]?.length ?? 4;
  const lines = [...entries]
    .sort(([a], [b]) => a - b)
    .map(([src, dst]) => `<${src.toString(16).toUpperCase().padStart(width, '0')}> <${dst}>`);
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
 * Appends (one incremental update, pdf-lib) the XMP metadata of `info` — consistent with the
 * Info dictionary {@link finishPdf} wrote, its dates and producer read from it — and embeds
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
    throw new RenderError('cannot read the rendered PDF to describe it', { cause: err });
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
      throw new RenderError(`attachment name "${a.name}" is not plain ASCII`);
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
