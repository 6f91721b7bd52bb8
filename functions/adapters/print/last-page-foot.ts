/**
 * An element that opens the last page alone moved to that page's foot, after printing (the
 * bulletin's colophon, like the back page of the printed 《火炬动态》): no second print.
 *
 * Before printing, in the layout step (`layout.ts`), the element is measured as it is and with
 * the class that would put it at the foot (where its box starts and its content ends). After
 * printing, its named destination says where it starts. When that is the last page, within
 * `withinPt` of the top of its text area, and the class would keep it on that page, everything
 * drawn from its top down — in the page's text group: text placed by `Tm`, paths, the links'
 * rectangles and the named destinations there — is moved down to where the class would print
 * it (the text above it stays). Anything not as expected (something drawn across its top, an
 * image or form there, a stream not read here) writes nothing and says why: the caller prints
 * again with the class.
 */
import {
  apply,
  editedContent,
  fmt,
  type ChromiumPdf,
  type Matrix,
  type PdfPage,
  type Placed,
} from './content-stream.ts';
import { pdfName, type Update } from './postprocess.ts';

/** What the layout step measured of the element (CSS px, as `getBoundingClientRect`). */
export interface FootMeasure {
  /** Where its content ends, from the top of its box, as it is. */
  naturalPx: number;
  /** … and with the class that puts it at the foot. */
  reachPx: number;
  /** Where its box starts with the class, less where it starts without (its margin's change). */
  topPx: number;
}

const PT_PER_PX = 72 / 96;

/**
 * Moves element `id` to the foot of the last page when it starts there near the top (see the
 * module comment): the objects to append, `moved: false` when it stays, or why nothing can be
 * done. `withinPt`: how close to the top of the text area it must start to be moved.
 */
export function moveToFootOfLastPage(
  pdf: ChromiumPdf,
  foot: { id: string; withinPt: number },
  measured: FootMeasure,
  /** Content streams already changed (the contents' numbers): not changed twice. */
  edited: ReadonlySet<number>,
): { moved: boolean; updates: Update[] } | { reason: string } {
  const stays = { moved: false, updates: [] };
  const last = pdf.pages.at(-1);
  const at = pdf.destinations.get(foot.id);
  if (!last || !at || at.page !== last.n || at.fromTop >= foot.withinPt || pdf.pages.length < 2)
    return stays;
  const content = last.content();
  if (!content) return { reason: `第 ${last.n} 页：此处无法读取其内容` };
  if (edited.has(content.id)) return { reason: `第 ${last.n} 页已经改动过` };
  // The text group: the smallest clip that draws text (the footer's is the whole page).
  const group = content.groups
    .filter((g) => g.clip && g.shows.length > 0)
    .sort((a, b) => area(a.clip!) - area(b.clip!))[0];
  if (!group?.clip) return { reason: `第 ${last.n} 页：找不到文字组` };
  const [, areaBottom, , areaTop] = group.clip;
  // Destinations are measured from the top of the text area.
  const top = areaTop - at.fromTop;
  const pt = (px: number) => px * PT_PER_PX;
  // With the class: its box starts higher by its margin's change (none at the top of the area).
  const aloneTop = Math.min(areaTop, top - pt(measured.topPx));
  const aloneBottom = aloneTop - pt(measured.reachPx);
  if (aloneBottom < areaBottom - 0.5) return stays; // the class would cost a page
  const dy = top - pt(measured.naturalPx) - aloneBottom;
  if (dy <= 0.01) return stays;

  const below = (p: [number, number]) => p[1] <= top + 1;
  const page = (q: Placed): [number, number] => apply(q.ctm, Number(q.x.text), Number(q.y.text));
  const edits = new Map<number, { start: number; end: number; text: string }>();
  const move = (q: Placed) => {
    const [tx, ty] = local(q.ctm, dy);
    for (const [token, d] of [
      [q.x, tx],
      [q.y, ty],
    ] as const) {
      // A rectangle's far corner shares the near corner's operands: moved once.
      if (!edits.has(token.start))
        edits.set(token.start, {
          start: token.start,
          end: token.end,
          text: fmt(Number(content.text.slice(token.start, token.end)) + d),
        });
    }
  };
  for (const block of group.blocks) {
    const lower = block.shows.filter((s) => below(s.origin)).length;
    if (lower === 0) continue;
    if (lower < block.shows.length || block.placed.length === 0)
      return { reason: `有文字跨过 #${foot.id} 的上沿` };
    block.placed.forEach(move);
  }
  for (const path of group.paths) {
    const lower = path.filter((q) => below(page(q))).length;
    if (lower === 0) continue;
    if (lower < path.length) return { reason: `有图形路径跨过 #${foot.id} 的上沿` };
    path.forEach(move);
  }
  if (group.opaque.length)
    return { reason: `第 ${last.n} 页绘有 ${group.opaque.join('、')}：此处不移动` };
  return {
    moved: true,
    updates: [
      editedContent(content, [...edits.values()]),
      ...linksMoved(last, top, dy),
      ...destinationsMoved(pdf, last, {
        id: foot.id,
        fromTop: at.fromTop,
        dy,
        boxTop: areaTop - aloneTop,
      }),
    ],
  };
}

const area = ([x1, y1, x2, y2]: [number, number, number, number]) => (x2 - x1) * (y2 - y1);

/** The page's (0, −dy) in the space of `ctm`: t × C = (0, −dy). */
function local(ctm: Matrix, dy: number): [number, number] {
  const [a, b, c, d] = ctm;
  const det = a * d - b * c;
  return [(dy * c) / det, (-dy * a) / det];
}

/** The page's links at or below `top`, `dy` lower. */
function linksMoved(page: PdfPage, top: number, dy: number): Update[] {
  return page.links
    .filter((l) => l.rect[3] <= top + 1)
    .map((l) => {
      const rect = `/Rect [${fmt(l.rect[0])} ${fmt(l.rect[1] - dy)} ${fmt(l.rect[2])} ${fmt(l.rect[3] - dy)}]`;
      const body = l.body.replace(/\/Rect\s*\[[^\]]*\]/, rect);
      return { id: l.id, body: Buffer.from(`${l.id} 0 obj${body}endobj\n`, 'latin1') };
    });
}

/**
 * The named destinations on the page from `fromTop` down (of the text area), `dy` lower; the
 * element's own where its box starts with the class (`boxTop` from the top of the text area).
 */
function destinationsMoved(
  pdf: ChromiumPdf,
  page: PdfPage,
  move: { id: string; fromTop: number; dy: number; boxTop: number },
): Update[] {
  if (pdf.destsId === undefined) return [];
  const dests = pdf.doc.object(pdf.destsId);
  if (dests === undefined) return [];
  const own = pdfName(move.id).slice(1);
  let changed = false;
  const body = dests.replace(
    /\/((?:[^\s/[\]<>(){}%#]|#[0-9A-Fa-f]{2})+)(\s*\[\s*(\d+)\s+0\s+R\s*\/XYZ\s+\S+\s+)([-\d.]+)/g,
    (all, name: string, head: string, pageId: string, y: string) => {
      if (Number(pageId) !== page.id || page.height - Number(y) < move.fromTop - 1) return all;
      changed = true;
      const to = name === own ? page.height - move.boxTop : Number(y) - move.dy;
      return `/${name}${head}${fmt(to)}`;
    },
  );
  return changed
    ? [{ id: pdf.destsId, body: Buffer.from(`${pdf.destsId} 0 obj${body}endobj\n`, 'latin1') }]
    : [];
}
