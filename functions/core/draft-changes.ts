/**
 * What a draft changes against the last released issue of the same report: each figure printed
 * in both (matched by zone and indicator, whatever the period) whose value differs, old → new,
 * and the figures only one of them prints. Pure.
 */
import type { PrintedRecord } from './lifecycle.ts';

export interface FigureChange {
  /** Where the draft prints it (`武汉东湖高新区 · 地区生产总值 · 2025`). */
  printedAs: string;
  /** Where the last issue printed it. */
  before: string;
  old: string;
  new: string;
}

export interface DraftChanges {
  changed: FigureChange[];
  /** Figures the draft prints that the last issue did not (by where printed). */
  added: string[];
  /** Figures the last issue printed that the draft does not. */
  dropped: string[];
  unchanged: number;
}

/** `zone#indicator` of a printed key `zone#indicator#period`. */
const seriesOf = (key: string) => key.split('#').slice(0, 2).join('#');
const shown = (r: PrintedRecord) => r.text ?? `${r.value}${r.unit}`;

export function draftChanges(draft: PrintedRecord[], last: PrintedRecord[]): DraftChanges {
  const before = new Map(last.map((r) => [seriesOf(r.key), r]));
  const now = new Set(draft.map((r) => seriesOf(r.key)));
  const out: DraftChanges = { changed: [], added: [], dropped: [], unchanged: 0 };
  for (const r of draft) {
    const old = before.get(seriesOf(r.key));
    if (!old) out.added.push(r.label);
    else if (old.value === r.value && old.unit === r.unit) out.unchanged += 1;
    else
      out.changed.push({ printedAs: r.label, before: old.label, old: shown(old), new: shown(r) });
  }
  for (const r of last) if (!now.has(seriesOf(r.key))) out.dropped.push(r.label);
  return out;
}
