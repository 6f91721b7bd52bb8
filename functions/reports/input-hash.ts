/**
 * The hash of a report's inputs: its records, sorted by key, and its articles. Kept with each
 * issue (`inputHash`), it tells whether a report's data changed.
 */
import { createHash } from 'node:crypto';
import type { Article, IndicatorRecord } from '../core/model.ts';
import { recordKey } from '../core/record-key.ts';

/**
 * A stable hash of the inputs of a report: the JSON of `{records, articles}`, the records in
 * the order of their key (zone#indicator#period; a plain code-unit comparison, no
 * `localeCompare`: 10× cheaper).
 */
export function inputHashOf(records: IndicatorRecord[], articles: Article[] = []): string {
  const keyed = records.map((r) => ({ key: recordKey(r), json: JSON.stringify(r) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const hash = createHash('sha256').update('{"records":[');
  keyed.forEach(({ json }, i) => hash.update(i ? `,${json}` : json));
  return hash.update(`],"articles":${JSON.stringify(articles)}}`).digest('hex');
}

/**
 * One hash of several named parts (input hashes, a period): equal only when every part is
 * equal. A zone profile hashes its period's records once for all zones of a run and its zone's
 * own records per profile (hashing both merged was O(zones) a profile, O(zones²) a run).
 */
export function combinedHash(kind: string, parts: Record<string, string>): string {
  const named = Object.entries(parts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify([kind, ...named]))
    .digest('hex');
}
