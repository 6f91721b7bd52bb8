/**
 * The hash of a report's inputs: its records, sorted by key, and its articles. Kept with each
 * issue (`inputHash`), it tells whether a report's data changed.
 */
import { createHash } from 'node:crypto';
import type { Article, IndicatorRecord } from '../core/model.ts';
import { recordKey } from '../core/record-key.ts';

/** Records as hashed: each one's JSON, in the order of its key (zone#indicator#period). */
export interface SortedRecords {
  keys: string[];
  json: string[];
}

/** Sorts records by key with a plain code-unit comparison (no `localeCompare`: 10× cheaper). */
export function sortedRecordsOf(records: IndicatorRecord[]): SortedRecords {
  const keyed = records.map((r) => ({ key: recordKey(r), json: JSON.stringify(r) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { keys: keyed.map((k) => k.key), json: keyed.map((k) => k.json) };
}

/** Two sorted record lists as one (a zone's few records into a period's many: linear). */
export function mergeSorted(a: SortedRecords, b: SortedRecords): SortedRecords {
  const out: SortedRecords = { keys: [], json: [] };
  let i = 0;
  let j = 0;
  while (i < a.keys.length || j < b.keys.length) {
    const fromA = j >= b.keys.length || (i < a.keys.length && a.keys[i]! <= b.keys[j]!);
    const [list, at] = fromA ? [a, i++] : [b, j++];
    out.keys.push(list.keys[at]!);
    out.json.push(list.json[at]!);
  }
  return out;
}

/** The hash of sorted records and articles (the JSON of `{records, articles}`). */
export function hashSorted(records: SortedRecords, articles: Article[] = []): string {
  const hash = createHash('sha256').update('{"records":[');
  records.json.forEach((json, i) => hash.update(i ? `,${json}` : json));
  return hash.update(`],"articles":${JSON.stringify(articles)}}`).digest('hex');
}

/** A stable hash of the inputs of a report: records (sorted) and articles. */
export function inputHashOf(records: IndicatorRecord[], articles: Article[] = []): string {
  return hashSorted(sortedRecordsOf(records), articles);
}
