/**
 * Reading and finishing the PDFs Chromium writes, with `@cantoo/pdf-lib`:
 *
 * - {@link anchorPages}: the page each named destination (an element `id` that a link points
 *   to, e.g. the contents' `#a-…` links) lands on — what a second render prints in the
 *   contents;
 * - {@link writePdfMetadata}: Title, Author, Subject, Keywords, Creator and the catalog's
 *   `/Lang`, appended as an incremental update: Chromium's bytes (outline, structure tree,
 *   fonts, the ToUnicode fix) stay as they are.
 */
import {
  PDFArray,
  PDFNumber,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFRef,
  PDFString,
  PDFHexString,
} from '@cantoo/pdf-lib';
import { RenderError } from '#errors';

export interface PdfMetadata {
  title: string;
  author?: string;
  subject?: string;
  keywords?: string[];
  /** BCP 47 language of the document, e.g. `zh-CN`. */
  lang?: string;
  creator?: string;
}

/**
 * Named destination → 1-based page number, from the catalog's `/Dests` dictionary (what
 * Chromium writes) or a `/Names /Dests` name tree.
 */
export async function anchorPages(pdf: Uint8Array): Promise<Map<string, number>> {
  const positions = await anchorPositions(pdf);
  return new Map([...positions].map(([name, p]) => [name, p.page]));
}

/** Where a named destination lands: its page, and its distance from the page's top in pt. */
export interface AnchorPosition {
  page: number;
  fromTop: number;
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

/**
 * Writes the document information and language as an incremental update (the original
 * bytes are kept, a new Info dictionary and catalog revision are appended).
 */
export async function writePdfMetadata(pdf: Uint8Array, meta: PdfMetadata): Promise<Uint8Array> {
  try {
    const doc = await PDFDocument.load(pdf, { forIncrementalUpdate: true, updateMetadata: false });
    doc.setTitle(meta.title, { showInWindowTitleBar: true });
    if (meta.author) doc.setAuthor(meta.author);
    if (meta.subject) doc.setSubject(meta.subject);
    if (meta.keywords?.length) doc.setKeywords(meta.keywords);
    if (meta.lang) doc.setLanguage(meta.lang);
    if (meta.creator) doc.setCreator(meta.creator);
    return await doc.commit({ useObjectStreams: false });
  } catch (err) {
    throw new RenderError(`cannot write the PDF metadata of "${meta.title}"`, { cause: err });
  }
}
