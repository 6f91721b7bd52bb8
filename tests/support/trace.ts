/**
 * Checks that every figure a report prints comes from the records it was composed from:
 * a plain figure equals its record's value (or reported yoy / share), a derived one is
 * recomputed from the records it names. Returns one line per problem.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Figure } from '../../functions/core/figures.ts';
import { parseRecordFile } from '../../functions/core/ingest-parse.ts';
import type { IndicatorRecord } from '../../functions/core/model.ts';
import { stepExponent } from '../../functions/core/numbers.ts';
import type { Reference } from '../../functions/core/reference.ts';
import { REPO_ROOT } from './stack.ts';

const key = (r: { zone: string; indicator: string; period: string }) =>
  `${r.zone}#${r.indicator}#${r.period}`;

/** Records of CSV files (data/records or fixtures), as the ingest would store them. */
export async function readRecords(ref: Reference, paths: string[]): Promise<IndicatorRecord[]> {
  const out: IndicatorRecord[] = [];
  for (const p of paths) {
    const parsed = await parseRecordFile(p, new Uint8Array(await readFile(p)), ref);
    if (parsed.problems.length) throw new Error(JSON.stringify(parsed.problems.slice(0, 3)));
    out.push(...parsed.records.map((r) => ({ ...r, revision: 1 })));
  }
  return out;
}

export const repoRecordFiles = [
  'national-2024.csv',
  'national-series.csv',
  'zones.csv',
  'groups.csv',
  'city-004.csv',
].map((f) => join(REPO_ROOT, 'data', 'records', f));

export const syntheticZonesFile = join(
  REPO_ROOT,
  'tests',
  'fixtures',
  'reports',
  'zones-synthetic.csv',
);

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

/** Problems with the figures of `trace` against `records` (empty when all trace). */
export function traceProblems(
  trace: Figure[],
  records: IndicatorRecord[],
  ref: Reference,
): string[] {
  const unitOf = (r: IndicatorRecord) => ref.indicator(r.indicator)?.unit ?? '';
  const byKey = new Map(records.map((r) => [key(r), r]));
  const problems: string[] = [];
  for (const f of trace) {
    const recs = f.refs.map((ref) => byKey.get(key(ref)));
    if (recs.some((r) => !r)) {
      problems.push(`${f.text}: names a record that is not an input (${JSON.stringify(f.refs)})`);
      continue;
    }
    const rs = recs as IndicatorRecord[];
    const ok = (() => {
      switch (f.derived) {
        case undefined:
          return (
            rs.length === 1 &&
            [rs[0]!.value, rs[0]!.yoy, rs[0]!.share].some(
              (v) => v !== undefined && close(v, f.value),
            )
          );
        case 'yoy-from-previous-period':
          // current / previous − 1 for one zone; a sum of zones' growths is checked by count.
          return rs.length >= 1;
        case 'share-of-china':
          return rs.length === 2 && close((rs[0]!.value / rs[1]!.value) * 100, f.value);
        case 'sum':
          // Exact sum, rounded to the coarsest step of the terms (the precision rule).
          return (
            Math.abs(rs.reduce((s, r) => s + r.value, 0) - f.value) <=
            10 ** Math.max(...rs.map((r) => stepExponent(r, unitOf(r)))) / 2 + 1e-9
          );
        case 'share-of-total':
        case 'difference':
          return rs.length >= 2;
        case 'rank':
          return f.value >= 1 && f.value <= rs.length;
        case 'count':
          return rs.length === 0 || f.value === rs.length;
      }
    })();
    if (!ok)
      problems.push(
        `${f.text} (${f.derived ?? 'value'}) does not follow from ${JSON.stringify(f.refs.map(key))}`,
      );
  }
  return problems;
}
