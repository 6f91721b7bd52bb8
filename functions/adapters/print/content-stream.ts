/**
 * Reading a page of a PDF as Chromium (Skia) writes it, for the changes made after printing
 * (`link-pages.ts`, `last-page-foot.ts`): its content stream tokenized, where each text-showing
 * operator draws (the text matrix and the transformation matrix followed through `q`/`Q`, `cm`,
 * `BT`, `Tf`, `Tm`, `Td`, `Tj`/`TJ`), its top-level `q … Q` groups with their clip, its fonts
 * (ToUnicode map, widths) and its link annotations. Skia writes only these text operators; a
 * stream with others (`T*`, `Tc`, `Tz`, …) or an inline image is not read ("not as Chromium
 * writes it"), and the caller writes nothing.
 */
import { deflateSync } from 'node:zlib';
import {
  destinationsOf,
  pageTree,
  rawPdf,
  ref,
  type RawPdf,
  streamObject,
  type AnchorPosition,
  type Update,
} from './postprocess.ts';

export type Matrix = [number, number, number, number, number, number];
const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];
/** `m` then `n` (PDF's row-vector convention: a point is transformed by `m` first). */
const times = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[1] * n[2],
  m[0] * n[1] + m[1] * n[3],
  m[2] * n[0] + m[3] * n[2],
  m[2] * n[1] + m[3] * n[3],
  m[4] * n[0] + m[5] * n[2] + n[4],
  m[4] * n[1] + m[5] * n[3] + n[5],
];
/** The point (x, y) through `m`. */
export const apply = (m: Matrix, x: number, y: number): [number, number] => [
  m[0] * x + m[2] * y + m[4],
  m[1] * x + m[3] * y + m[5],
];

/** A font of the page: its glyphs' text (ToUnicode), widths (`/W`, `/DW`) and digits' glyphs. */
export interface FontFacts {
  text: ReadonlyMap<number, string>;
  widths: Map<number, number>;
  defaultWidth: number;
  /** '0' … '9' → the glyph (code) that shows it, for the digits the font's subset holds. */
  digits: Map<string, number>;
}

/** A token of a content stream: its kind, text and place (offsets in the stream). */
export interface Token {
  kind: 'num' | 'name' | 'hex' | 'str' | 'array' | 'dict' | 'op';
  text: string;
  start: number;
  end: number;
  items?: Token[];
}

/** A text-showing operator: where it draws and what. */
export interface Show {
  font: string;
  size: number;
  tm: Matrix;
  ctm: Matrix;
  /** Where its text starts on the page (user space, y up). */
  origin: [number, number];
  /** The operands it shows: a string (`Tj`), or strings and numbers (`TJ`). */
  strings: Token[];
  /** From its string operand to the end of its operator. */
  start: number;
  end: number;
  /** The operands of the `Tm` that placed it, when nothing moved the text between. */
  placedBy: Token[] | undefined;
  /** Shows in its `BT … ET` block. */
  block: Show[];
}

/** A point of the stream: its operands (x, y) and the transformation they are in. */
export interface Placed {
  x: Token;
  y: Token;
  ctm: Matrix;
}

/** A `q … Q` group at the top level of the stream, and what it draws. */
export interface Group {
  /** Just after its `q`, or after its clip (`re W n`) when it opens with one. */
  inside: number;
  /** The transformation there. */
  ctm: Matrix;
  /** Its clip rectangle on the page (x1, y1, x2, y2; user space), when it opens with one. */
  clip?: [number, number, number, number];
  shows: Show[];
  /** Its text blocks (`BT … ET`): the `Tm` origins that place them, and their shows. */
  blocks: { placed: Placed[]; shows: Show[] }[];
  /** Its paths (`re`, `m`, `l`, `c`, `v`, `y` up to the painting operator): their points. */
  paths: Placed[][];
  /** Operators drawing what is not placed by points read here (`Do`, `sh`, `d0`, `d1`). */
  opaque: string[];
}

/** PDF whitespace (1) and delimiters (2) (ISO 32000 7.2.2), by character code (< 256). */
const CLASS = new Uint8Array(256);
for (const c of [0, 9, 10, 12, 13, 32]) CLASS[c] = 1;
for (const ch of '()<>[]{}/%') CLASS[ch.charCodeAt(0)] = 2;
/** A run of regular characters (neither whitespace nor delimiters), scanned natively. */
const REGULAR_RUN = /[^\0\t\n\f\r ()<>[\]{}/%]*/y;
/** Where the run of regular characters from `i` ends. */
const regularEnd = (text: string, i: number): number => {
  REGULAR_RUN.lastIndex = i;
  REGULAR_RUN.test(text);
  return REGULAR_RUN.lastIndex;
};

/**
 * The tokens of a content stream handed to `visit` in order, `[` … `]` folded into one token
 * (its items kept) and `<<` … `>>` into one (its contents dropped); false if unreadable or
 * `visit` stops. A scanner by character codes that keeps no token once handed over: a regular
 * expression per token and an array of all of them cost ≈ 5× as much on a bulletin's first page.
 */
function tokenize(text: string, visit: (t: Token) => boolean): boolean {
  const open: { kind: 'array' | 'dict'; start: number; items: Token[] }[] = [];
  const emit = (t: Token): boolean => {
    const inner = open.at(-1);
    if (!inner) return visit(t);
    if (inner.kind === 'array') inner.items.push(t);
    return true;
  };
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c < 256 && CLASS[c] === 1) {
      i += 1;
      continue;
    }
    const start = i;
    let ok = true;
    if (c === 0x25 /* % */) {
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i += 1;
    } else if (c === 0x3c /* < */ && text.charCodeAt(i + 1) === 0x3c) {
      open.push({ kind: 'dict', start, items: [] });
      i += 2;
    } else if (c === 0x3e /* > */ && text.charCodeAt(i + 1) === 0x3e) {
      i += 2;
      const o = open.pop();
      if (o?.kind !== 'dict') return false;
      ok = emit({ kind: 'dict', text: '', start: o.start, end: i });
    } else if (c === 0x5b /* [ */) {
      open.push({ kind: 'array', start, items: [] });
      i += 1;
    } else if (c === 0x5d /* ] */) {
      i += 1;
      const o = open.pop();
      if (o?.kind !== 'array') return false;
      ok = emit({ kind: 'array', text: '', start: o.start, end: i, items: o.items });
    } else if (c === 0x3c /* < */) {
      const close = text.indexOf('>', i);
      if (close < 0) return false;
      i = close + 1;
      const hex = text.slice(start + 1, close);
      ok = emit({
        kind: 'hex',
        text: /\s/.test(hex) ? hex.replace(/\s+/g, '') : hex,
        start,
        end: i,
      });
    } else if (c === 0x28 /* ( */) {
      // A literal string: balanced parentheses, backslash escapes.
      let depth = 1;
      for (i += 1; i < n && depth > 0; i += 1) {
        const ch = text.charCodeAt(i);
        if (ch === 0x5c) i += 1;
        else if (ch === 0x28) depth += 1;
        else if (ch === 0x29) depth -= 1;
      }
      if (depth > 0) return false;
      ok = emit({ kind: 'str', text: '', start, end: i });
    } else if (c === 0x2f /* / */) {
      i = regularEnd(text, i + 1);
      ok = emit({ kind: 'name', text: text.slice(start, i), start, end: i });
    } else if (c < 256 && CLASS[c] === 2) {
      return false;
    } else {
      i = regularEnd(text, i + 1);
      const word = text.slice(start, i);
      if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
        if (!Number.isFinite(Number(word))) return false;
        ok = emit({ kind: 'num', text: word, start, end: i });
      } else {
        // An inline image's data is not tokens: not a stream this reading follows.
        if (word === 'BI' || word === 'ID') return false;
        ok = emit({ kind: 'op', text: word, start, end: i });
      }
    }
    if (!ok) return false;
  }
  return open.length === 0;
}

/** The glyph codes (2 bytes each) a show draws. */
export const showCodes = (show: Show): number[] =>
  show.strings.flatMap((s) => (s.kind === 'hex' ? codesOf(s.text) : []));

const codesOf = (hex: string): number[] => {
  const codes: number[] = [];
  for (let i = 0; i + 4 <= hex.length; i += 4) codes.push(Number.parseInt(hex.slice(i, i + 4), 16));
  return codes;
};

/**
 * The far corner of `x y w h re`, as a point whose operands are the near corner's (so that moving
 * the near corner moves the rectangle): its position is what is read, its tokens what is edited.
 */
const far = (x: Token, y: Token, w: Token, h: Token): { x: Token; y: Token } => ({
  x: { ...x, text: String(Number(x.text) + Number(w.text)) },
  y: { ...y, text: String(Number(y.text) + Number(h.text)) },
});

/** Text-moving operators Skia never writes: a stream with one is not read here. */
const UNFOLLOWED = new Set(['T*', "'", '"', 'TD', 'Tc', 'Tw', 'Tz', 'TL', 'Ts']);

/**
 * The shows and top-level groups of a content stream; undefined if unreadable. Without
 * `withGroups` only the shows are read (no groups, no paths: what the contents' numbers need).
 */
function read(text: string, withGroups = true): { shows: Show[]; groups: Group[] } | undefined {
  const shows: Show[] = [];
  const groups: Group[] = [];
  const stack: { ctm: Matrix; font: string; size: number }[] = [];
  let gs = { ctm: IDENTITY, font: '', size: 0 };
  let tm: Matrix = IDENTITY;
  let tlm: Matrix = IDENTITY;
  let block: Show[] = [];
  let placedBy: Token[] | undefined;
  let operands: Token[] = [];
  let path: Placed[] = [];
  let blockEntry: Group['blocks'][number] | undefined;
  /** The group open at the top level, and whether it may still open with a clip. */
  let group: (Group & { opening: boolean; rect?: number[] }) | undefined;
  const nums = (n: number): number[] | undefined => {
    if (operands.length < n) return undefined;
    const xs: number[] = [];
    for (let k = operands.length - n; k < operands.length; k += 1) {
      const o = operands[k]!;
      if (o.kind !== 'num') return undefined;
      xs.push(Number(o.text));
    }
    return xs;
  };
  const visit = (t: Token): boolean => {
    if (t.kind !== 'op') {
      operands.push(t);
      return true;
    }
    const opening = group?.opening === true;
    if (group) group.opening = false;
    // The text operators first: they are most of a page's operators.
    switch (t.text) {
      case 'Td': {
        const d = nums(2);
        if (!d) return false;
        tm = tlm = times([1, 0, 0, 1, d[0]!, d[1]!], tlm);
        placedBy = undefined;
        break;
      }
      case 'Tj':
      case 'TJ': {
        const arg = operands.at(-1);
        const strings =
          t.text === 'Tj' ? [arg] : arg?.kind === 'array' ? (arg.items ?? []) : [undefined];
        if (strings.some((s) => s?.kind !== 'hex' && s?.kind !== 'num')) return false;
        const show: Show = {
          font: gs.font,
          size: gs.size,
          tm,
          ctm: gs.ctm,
          origin: apply(gs.ctm, tm[4], tm[5]),
          strings: strings as Token[],
          start: arg!.start,
          end: t.end,
          placedBy,
          block,
        };
        shows.push(show);
        block.push(show);
        if (stack.length > 0) group?.shows.push(show);
        // The glyphs' advance is not followed: a show after another in its block (no `Tm` or
        // `Td` between) is read at the first one's origin — on its line, left of where it is,
        // never where a `Tm` of its own places a show (which is what the callers change).
        placedBy = undefined;
        break;
      }
      case 'q':
        if (stack.length === 0 && withGroups) {
          group = {
            inside: t.end,
            ctm: gs.ctm,
            shows: [],
            blocks: [],
            paths: [],
            opaque: [],
            opening: true,
          };
          groups.push(group);
        }
        stack.push(gs);
        break;
      case 'Q':
        gs = stack.pop() ?? gs;
        break;
      case 're':
        // A group opening with `x y w h re W n` (or `W*`): its clip.
        if (opening && stack.length === 1) {
          group!.rect = nums(4);
          group!.opening = true;
        } else if (stack.length > 0 && operands.length >= 4) {
          if (!nums(4)) return false;
          if (!withGroups) break;
          const [x, y, w, h] = operands.slice(-4);
          // Both corners: the second as offsets of the first (moved with it).
          path.push({ x: x!, y: y!, ctm: gs.ctm });
          path.push({ ...far(x!, y!, w!, h!), ctm: gs.ctm });
        }
        break;
      case 'm':
      case 'l':
      case 'c':
      case 'v':
      case 'y': {
        const n = { m: 2, l: 2, c: 6, v: 4, y: 4 }[t.text]!;
        const xs = operands.slice(-n);
        if (xs.length !== n || !nums(n)) return false;
        if (withGroups)
          for (let i = 0; i < n; i += 2) path.push({ x: xs[i]!, y: xs[i + 1]!, ctm: gs.ctm });
        break;
      }
      case 'S':
      case 's':
      case 'f':
      case 'F':
      case 'f*':
      case 'B':
      case 'B*':
      case 'b':
      case 'b*':
        if (stack.length > 0 && group && path.length) group.paths.push(path);
        path = [];
        break;
      case 'Do':
      case 'sh':
      case 'd0':
      case 'd1':
        if (stack.length > 0) group?.opaque.push(t.text);
        break;
      case 'W':
      case 'W*':
        if (opening && group?.rect) group.opening = true;
        break;
      case 'n':
        path = [];
        if (opening && group?.rect) {
          const [x, y, w, h] = group.rect as [number, number, number, number];
          const [ax, ay] = apply(gs.ctm, x, y);
          const [bx, by] = apply(gs.ctm, x + w, y + h);
          group.clip = [Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by)];
          group.inside = t.end;
          group.ctm = gs.ctm;
        }
        break;
      case 'cm': {
        const m = nums(6);
        if (!m) return false;
        gs = { ctm: times(m as Matrix, gs.ctm), font: gs.font, size: gs.size };
        break;
      }
      case 'BT':
        tm = tlm = IDENTITY;
        block = [];
        placedBy = undefined;
        blockEntry = { placed: [], shows: block };
        if (stack.length > 0) group?.blocks.push(blockEntry);
        break;
      case 'Tf': {
        const size = nums(1);
        const font = operands.at(-2);
        if (!size || font?.kind !== 'name') return false;
        gs = { ctm: gs.ctm, font: font.text.slice(1), size: size[0]! };
        break;
      }
      case 'Tm': {
        const m = nums(6);
        if (!m) return false;
        tm = tlm = m as Matrix;
        placedBy = operands.slice(-6);
        blockEntry?.placed.push({ x: placedBy[4]!, y: placedBy[5]!, ctm: gs.ctm });
        break;
      }
      default:
        if (UNFOLLOWED.has(t.text)) return false;
        break;
    }
    if (operands.length !== 0) operands = [];
    return true;
  };
  return tokenize(text, visit) ? { shows, groups } : undefined;
}

/** A font of a page's resources, read once (its ToUnicode map, widths, digits). */
function fontFacts(doc: RawPdf, fontId: number): FontFacts | undefined {
  const font = doc.object(fontId);
  if (!font || !/\/Identity-H\b/.test(font)) return undefined;
  const toUnicode = ref(font, 'ToUnicode');
  const descendant = /\/DescendantFonts\s*\[\s*(\d+)\s+0\s+R/.exec(font)?.[1];
  if (toUnicode === undefined || !descendant) return undefined;
  const cid = doc.object(Number(descendant));
  // Parsed once: the finish reads the same map for its fix (`RawPdf.toUnicode`).
  const cmap = doc.toUnicode(toUnicode);
  if (!cid || !cmap) return undefined;
  const { text } = cmap;
  const digits = new Map<string, number>();
  for (const [code, s] of text) {
    if (s.length === 1 && s >= '0' && s <= '9' && !digits.has(s)) digits.set(s, code);
  }
  const widths = new Map<number, number>();
  const w = /\/W\s*\[((?:[^[\]]|\[[^\]]*\])*)\]/.exec(cid)?.[1] ?? '';
  // `c [w1 w2 …]` or `cFirst cLast w`.
  for (const m of w.matchAll(/(\d+)\s*(?:\[([^\]]*)\]|(\d+)\s+([-\d.]+))/g)) {
    const first = Number(m[1]);
    if (m[2] !== undefined) {
      m[2]
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .forEach((x, i) => widths.set(first + i, Number(x)));
    } else {
      for (let c = first; c <= Number(m[3]); c += 1) widths.set(c, Number(m[4]));
    }
  }
  const defaultWidth = Number(/\/DW\s+([-\d.]+)/.exec(cid)?.[1] ?? 1000);
  return { text, widths, defaultWidth, digits };
}

/** A PDF name's text (`#xx` escapes undone, UTF-8). */
export const decodeName = (name: string): string =>
  Buffer.from(
    name.replace(/#([0-9A-Fa-f]{2})/g, (_, h: string) =>
      String.fromCharCode(Number.parseInt(h, 16)),
    ),
    'latin1',
  ).toString('utf8');

/** A number as a content stream writes it (at most 3 decimals). */
export const fmt = (x: number): string => String(Math.round(x * 1000) / 1000);

/** A link annotation of a page: its object, rectangle and named destination. */
export interface PageLink {
  id: number;
  body: string;
  rect: [number, number, number, number];
  dest?: string;
}

/** A page as read here: its object, links, content stream and fonts. */
export interface PdfPage {
  id: number;
  n: number;
  height: number;
  body: string;
  links: PageLink[];
  /**
   * Its content stream: read on first use (undefined: not one stream as Chromium writes it).
   * `{ groups: false }`: its shows only (its `groups` empty), unless read whole already.
   */
  content(opts?: { groups?: boolean }): PageContent | undefined;
}

export interface PageContent {
  id: number;
  text: string;
  shows: Show[];
  groups: Group[];
  font(name: string): FontFacts | undefined;
}

/** A PDF as Chromium writes it: its pages in order, and its named destinations. */
export interface ChromiumPdf {
  doc: RawPdf;
  pages: PdfPage[];
  destinations: Map<string, AnchorPosition>;
  /** The catalog's `/Dests` object, when there is one. */
  destsId?: number;
}

/** Reads `pdf` (pages, links, destinations); undefined when it is not as Chromium writes it. */
export function readChromiumPdf(pdf: Uint8Array | RawPdf): ChromiumPdf | undefined {
  const doc = rawPdf(pdf);
  const catalog = doc.catalog();
  const tree = catalog && pageTree(doc, catalog);
  const destinations = destinationsOf(doc);
  if (!catalog || !tree || !destinations) return undefined;
  const pages = [...tree].map(([id, { n, height }]): PdfPage => {
    const body = doc.object(id) ?? '';
    const links: PageLink[] = [];
    const annots = /\/Annots\s*\[([^\]]*)\]/.exec(body)?.[1] ?? '';
    for (const a of annots.matchAll(/(\d+)\s+0\s+R/g)) {
      const annot = doc.object(Number(a[1])) ?? '';
      if (!/\/Subtype\s*\/Link\b/.test(annot)) continue;
      const rect = /\/Rect\s*\[([^\]]*)\]/.exec(annot)?.[1]?.trim().split(/\s+/).map(Number);
      const dest = /\/Dest\s*\/((?:[^\s/[\]<>(){}%#]|#[0-9A-Fa-f]{2})+)/.exec(annot)?.[1];
      if (rect?.length !== 4 || !rect.every(Number.isFinite)) continue;
      const [x1, y1, x2, y2] = rect as [number, number, number, number];
      links.push({
        id: Number(a[1]),
        body: annot,
        rect: [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)],
        ...(dest ? { dest: decodeName(dest) } : {}),
      });
    }
    let whole: PageContent | undefined | null = null;
    let shows: PageContent | undefined | null = null;
    return {
      id,
      n,
      height,
      body,
      links,
      content: (opts) => {
        if (whole !== null) return whole;
        if (opts?.groups !== false) return (whole = pageContent(doc, body, true));
        return shows === null ? (shows = pageContent(doc, body, false)) : shows;
      },
    };
  });
  const destsId = ref(catalog, 'Dests');
  return { doc, pages, destinations, ...(destsId !== undefined ? { destsId } : {}) };
}

function pageContent(doc: RawPdf, page: string, withGroups: boolean): PageContent | undefined {
  const contentsId = /\/Contents\s+(\d+)\s+0\s+R/.exec(page)?.[1];
  const stream = contentsId && doc.stream(Number(contentsId));
  if (!stream) return undefined;
  const resourcesId = /\/Resources\s*(\d+)\s+0\s+R/.exec(page)?.[1];
  const resources = resourcesId ? (doc.object(Number(resourcesId)) ?? '') : page;
  const fontDict = /\/Font\s*<<([^>]*)>>/.exec(resources)?.[1] ?? '';
  const fonts = new Map<string, FontFacts | undefined>();
  const font = (name: string): FontFacts | undefined => {
    if (!fonts.has(name)) {
      const id = new RegExp(`/${name.replace(/[^\w.-]/g, '')}\\s+(\\d+)\\s+0\\s+R`).exec(
        fontDict,
      )?.[1];
      fonts.set(name, id === undefined ? undefined : fontFacts(doc, Number(id)));
    }
    return fonts.get(name);
  };
  const text = stream.data.toString('latin1');
  const read_ = read(text, withGroups);
  if (!read_) return undefined;
  return { id: Number(contentsId), text, ...read_, font };
}

/** A content stream with `edits` made (ranges of its text replaced), as an update. */
export function editedContent(
  content: PageContent,
  edits: { start: number; end: number; text: string }[],
): Update {
  let out = content.text;
  for (const e of [...edits].sort((p, q) => q.start - p.start))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return streamObject(
    content.id,
    '/Filter /FlateDecode',
    deflateSync(Buffer.from(out, 'latin1'), { level: 1 }),
  );
}
