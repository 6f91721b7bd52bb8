/**
 * Where a report's figures are printed, by page: from the blocks each figure is placed in
 * (`ReportView.placements`) and the pages each block landed on when it was printed (the PDF's
 * named destinations of its top and of the mark at its end: a table broken across pages lands
 * on several). A corrected edition's 勘误说明
 * names the pages of the edition it corrects from this map, never from what an editor types.
 * Pure.
 */
import type { Figure } from './figures.ts';
import type { CorrectionLine } from './model.ts';
import { recordKey, RecordKeyMap } from './record-key.ts';
import type { ReportView } from './report-parts.ts';

/**
 * Whether a figure prints something of the records it names, and so gives them to the records
 * an issue keeps for its corrections (`printedRecordsOf`) and to its record pages. A rank and a
 * count do not: a rank names every record it ranked, a count every record it counted (each
 * names the 178 zones' records of an indicator in a zone profile), and neither prints their
 * values. A revision changes a record's value, growth, share or qualifier, never which records
 * there are (a record keeps its zone, indicator and period, and none is deleted), so it never
 * changes a count of records; it may move a rank, and with it a count of ranks (the regional
 * report's 前50名 bands), and a rank is not corrected (the zone's own values are, through their
 * own figures; so are the values of the zones a table or chart prints).
 */
export function printsItsRecords(figure: Pick<Figure, 'derived'>): boolean {
  return figure.derived !== 'rank' && figure.derived !== 'count';
}

/**
 * Record key (`<zone>#<indicator>#<period>`) → the pages, ascending, on which a figure made
 * from that record is printed. Ranks and counts are left out ({@link printsItsRecords}), as in
 * the records an issue keeps for its corrections.
 * @example recordPagesOf(view, { 'a-key-table': [2], 'a-lead': [1, 2] }) // { 'zgc#gdp#2024': [1, 2] }
 */
export function recordPagesOf(
  view: Pick<ReportView, 'trace' | 'placements'>,
  blockPages: Record<string, number[]>,
): Record<string, number[]> {
  // Pages by figure first, then by record (a figure may be placed in several blocks).
  const figurePages = new Map<number, number[]>();
  for (const { figure, anchor } of view.placements) {
    const on = blockPages[anchor];
    if (!on?.length) continue;
    const seen = figurePages.get(figure);
    figurePages.set(figure, seen ? [...seen, ...on] : on);
  }
  const pages = new RecordKeyMap<number[]>();
  for (const [figure, on] of figurePages) {
    const f = view.trace[figure];
    if (!f || !printsItsRecords(f)) continue;
    for (const ref of f.refs) {
      const seen = pages.get(ref);
      if (!seen) pages.set(ref, on);
      else if (seen !== on) pages.set(ref, [...seen, ...on]);
    }
  }
  const out: Record<string, number[]> = {};
  for (const [key, on] of pages.sorted()) out[key] = ascendingUnique(on);
  return out;
}

/** A fresh array of the distinct numbers of `list`, ascending (`list` is not changed). */
function ascendingUnique(list: number[]): number[] {
  if (list.length === 1) return [list[0]!];
  return [...new Set(list)].sort((a, b) => a - b);
}

/** The anchors of the blocks that print figures: the blocks whose pages are read. */
export function placedAnchors(view: Pick<ReportView, 'placements'>): string[] {
  return [...new Set(view.placements.map((p) => p.anchor))];
}

/**
 * The pages each block landed on, from the PDF's named destinations: the block's anchor (its
 * top) and the mark at its end (`<anchor>-end`, printed inside it when the view carries
 * `blockMarks`; the report links both from a hidden list, so Chromium names them). A block
 * broken across pages lands on every page from the first to the last.
 */
export function blockPagesOf(
  anchors: readonly string[],
  destinations: Record<string, { page: number }>,
): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const a of anchors) {
    const first = destinations[a]?.page;
    if (!first) continue;
    const last = Math.max(first, destinations[`${a}-end`]?.page ?? first);
    out[a] = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  }
  return out;
}

/**
 * Each changed figure with the pages it is printed on in the edition being corrected (from that
 * edition's `recordPages`); lines whose record the map does not name are left as they are.
 */
export function withPrintedPages(
  lines: CorrectionLine[],
  recordPages: Record<string, number[]> | undefined,
): CorrectionLine[] {
  if (!recordPages) return lines;
  return lines.map((line) => {
    const pages = recordPages[recordKey(line)];
    return pages?.length ? { ...line, pages } : line;
  });
}

/** One block printing a record's figure: its title and the pages it landed on. */
export interface PrintPlace {
  /** An article's title, a table's or chart's caption. */
  title: string;
  /** 1-based, ascending; empty when the print gave no pages. */
  pages: number[];
}

/**
 * Record key → the blocks printing a figure made from it, each with its title and pages, in
 * page order. Ranks and counts are left out, as in {@link recordPagesOf}.
 * @example recordPlacesOf(view)['zgc#gdp#2024'] // [{ title: '要闻', pages: [1] }, { title: '表1 …', pages: [2] }]
 */
export function recordPlacesOf(
  view: Pick<ReportView, 'trace' | 'placements' | 'sections' | 'blockPages'>,
): Record<string, PrintPlace[]> {
  const titles = new Map<string, string>();
  for (const s of view.sections)
    for (const b of s.blocks) {
      const part = b.article ?? b.zoneCards;
      const captioned = b.table ?? b.chart;
      if (part) titles.set(part.anchor, part.title);
      else if (captioned?.anchor) titles.set(captioned.anchor, captioned.caption);
    }
  const out: Record<string, PrintPlace[]> = {};
  for (const { figure, anchor } of view.placements) {
    const f = view.trace[figure];
    const title = titles.get(anchor);
    if (!f || !printsItsRecords(f) || !title) continue;
    for (const ref of f.refs) {
      const places = (out[recordKey(ref)] ??= []);
      if (!places.some((p) => p.title === title))
        places.push({ title, pages: view.blockPages?.[anchor] ?? [] });
    }
  }
  const first = (p: PrintPlace) => p.pages[0] ?? Infinity;
  for (const places of Object.values(out)) places.sort((a, b) => first(a) - first(b));
  return out;
}
