/**
 * Property-based ingest (fast-check, pinned) on real dynalite:
 * - random valid batches (CSV with quoting, or JSON) round-trip exactly: every value, rate and
 *   source reads back as given, and the same batch again stores nothing;
 * - random corruptions of valid batches are refused with file, line (or JSON path) and field,
 *   and leave the table item for item as it was.
 *
 * A fixed seed and bounded runs in `npm test`; `BULLETIN_FUZZ_RUNS=500` (and
 * `BULLETIN_FUZZ_SEED`) for a longer run.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '#errors';
import { recordKey } from '#core/record-key.ts';
import { ingestFiles, type InputFile } from '../../functions/app/ingest.ts';
import { dumpRecords, startTestStores, type TestStores } from '#tests/support/stores.ts';

const RUNS = Number(process.env.BULLETIN_FUZZ_RUNS ?? 25);
const SEED = Number(process.env.BULLETIN_FUZZ_SEED ?? 20261130);
const HEADER = ['zone', 'indicator', 'period', 'value', 'unit', 'yoy', 'share', 'source'];

let stores: TestStores;
let cases = 0;
beforeAll(async () => {
  stores = await startTestStores();
});
afterAll(async () => {
  await stores?.stop();
  console.log(`ingest fuzz: ${cases} cases (seed ${SEED})`);
});

interface Row {
  zone: string;
  indicator: string;
  period: string;
  value: number;
  yoy?: number;
  source: string;
}

const ZONES = ['zhongguancun', 'tianjin', 'shenyang', 'dalian', 'chengdu', 'wuhan-donghu'];
const INDICATORS = ['gdp', 'exports', 'budget-revenue', 'tax-revenue', 'operating-revenue'];
const SOURCE_CHARS = [...'统计公报科技部火炬中心工信部年度数据（）《》、ABCxyz0123,"\'-'];

const rowArb: fc.Arbitrary<Row> = fc.record(
  {
    zone: fc.constantFrom(...ZONES),
    indicator: fc.constantFrom(...INDICATORS),
    period: fc.integer({ min: 1990, max: 2030 }).map(String),
    // Up to 11 significant digits: what a statistics table prints.
    value: fc.integer({ min: 0, max: 99_999_999_999 }).map((n) => n / 100),
    yoy: fc.integer({ min: -999, max: 9999 }).map((n) => n / 10),
    source: fc
      .array(fc.constantFrom(...SOURCE_CHARS), { minLength: 2, maxLength: 40 })
      .map((a) => a.join('')),
  },
  { requiredKeys: ['zone', 'indicator', 'period', 'value', 'source'] },
);
const batchArb = fc.uniqueArray(rowArb, {
  minLength: 1,
  maxLength: 30,
  selector: (r) => recordKey(r),
});

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const cells = (r: Row) => [
  r.zone,
  r.indicator,
  r.period,
  String(r.value),
  '亿元',
  r.yoy === undefined ? '' : String(r.yoy),
  '',
  r.source,
];
const toCsv = (rows: string[][]) => rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
const toJson = (rows: Row[]) =>
  JSON.stringify(
    rows.map((r) => ({
      zone: r.zone,
      indicator: r.indicator,
      period: r.period,
      value: r.value,
      unit: '亿元',
      ...(r.yoy === undefined ? {} : { yoy: r.yoy }),
      source: r.source,
    })),
  );
const file = (name: string, text: string): InputFile => ({
  name,
  bytes: new TextEncoder().encode(text),
});
const ingest = (files: InputFile[]) =>
  ingestFiles({ records: stores.services.records, reference: stores.services.reference }, files);

describe('ingest fuzz', () => {
  it('round-trips random valid batches exactly (CSV and JSON)', async () => {
    await fc.assert(
      fc.asyncProperty(batchArb, fc.boolean(), async (rows, asJson) => {
        cases += 1;
        const input = asJson
          ? file('fuzz.json', toJson(rows))
          : file('fuzz.csv', toCsv([HEADER, ...rows.map(cells)]));
        const summary = await ingest([input]);
        expect(summary.records).toBe(rows.length);
        const stored = await stores.services.records.currentValues(rows);
        for (const r of rows) {
          const got = stored.get(recordKey(r));
          expect(got, recordKey(r)).toMatchObject({ value: r.value, source: r.source });
          expect(got?.yoy).toBe(r.yoy);
        }
        const again = await ingest([input]);
        expect(again.unchanged).toBe(rows.length);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 600_000);

  type Corruption = (rows: string[][]) => { rows: string[][]; line: number; field?: string };
  /** Each corruption of row i (0-based data row) and the place it must be reported at. */
  const corruptions: Record<string, (i: number) => Corruption> = {
    'value not a number': (i) => (rows) => set(rows, i, 3, '12,3a', 'value'),
    'value Infinity after conversion': (i) => (rows) => {
      const out = set(rows, i, 3, '1e308', 'value');
      out.rows[i + 1]![4] = '万亿元';
      return out;
    },
    'value beyond DynamoDB': (i) => (rows) => set(rows, i, 3, '1e200', 'value'),
    'empty zone': (i) => (rows) => set(rows, i, 0, '', 'zone'),
    'unknown zone': (i) => (rows) => set(rows, i, 0, '火星高新区', 'zone'),
    'unknown indicator': (i) => (rows) => set(rows, i, 1, 'happiness', 'indicator'),
    'bad period': (i) => (rows) => set(rows, i, 2, '2024-13', 'period'),
    'unknown unit': (i) => (rows) => set(rows, i, 4, '斤', 'unit'),
    'source missing': (i) => (rows) => set(rows, i, 7, '', 'source'),
    'yoy below −100 %': (i) => (rows) => set(rows, i, 5, '-150', 'yoy'),
    'share over 100 %': (i) => (rows) => set(rows, i, 6, '101', 'share'),
  };
  function set(rows: string[][], i: number, col: number, value: string, field: string) {
    const copy = rows.map((r) => [...r]);
    copy[i + 1]![col] = value;
    return { rows: copy, line: i + 2, field };
  }

  it('refuses random corruptions with file, line and field, and stores nothing', async () => {
    const arb = batchArb.chain((rows) =>
      fc.record({
        rows: fc.constant(rows),
        kind: fc.constantFrom(...Object.keys(corruptions)),
        at: fc.integer({ min: 0, max: rows.length - 1 }),
        asJson: fc.boolean(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ rows, kind, at, asJson }) => {
        cases += 1;
        const before = await dumpRecords(stores.services);
        const bad = corruptions[kind]!(at)([HEADER, ...rows.map(cells)]);
        const name = asJson ? 'corrupt.json' : 'corrupt.csv';
        const text = asJson
          ? JSON.stringify(
              bad.rows
                .slice(1)
                .map((r) =>
                  Object.fromEntries(HEADER.map((h, j) => [h, r[j]!]).filter(([, v]) => v !== '')),
                ),
            )
          : toCsv(bad.rows);
        const error = await ingest([file(name, text)]).catch((e: unknown) => e);
        expect(error, kind).toBeInstanceOf(ValidationError);
        const location = asJson ? `$[${at}]` : String(bad.line);
        expect((error as ValidationError).problems, kind).toContainEqual(
          expect.objectContaining({
            file: name,
            field: bad.field,
            location: asJson ? `${location}.${bad.field}` : location,
          }),
        );
        expect(await dumpRecords(stores.services)).toEqual(before);
      }),
      { numRuns: RUNS * 2, seed: SEED },
    );
  }, 600_000);
});
