/**
 * Bulk ingest on real dynalite: the synthetic dataset through the normal ingest path, re-runs
 * that store nothing, revisions that keep the earlier value, a batch invisible until it is
 * committed, and no per-record round trip (counted on the wire).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoRecordStore } from '#adapters/dynamodb/record-store.ts';
import { recordKey } from '#core/record-key.ts';
import { pickZones, syntheticRecords, syntheticZones } from '#core/synthetic.ts';
import {
  syntheticFiles,
  seedSynthetic,
  syntheticReference,
} from '../../functions/app/synthetic.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { dumpStores, startTestStores, type TestStores } from '../support/stores.ts';

const ZONES = 12;
const SEED = 11;
/** Three years keep the file fast; the full 2010–2024 set is the benchmark's. */
const FIRST_YEAR = 2022;
let stores: TestStores;

beforeAll(async () => {
  stores = await startTestStores();
});
afterAll(async () => {
  await stores?.stop();
});

describe('bulk ingest of the synthetic dataset', () => {
  let total = 0;

  it('stores every record through the normal ingest path, with its current item', async () => {
    const progress: number[] = [];
    const summary = await seedSynthetic(
      { records: stores.services.records },
      {
        seed: SEED,
        zones: ZONES,
        firstYear: FIRST_YEAR,
        onProgress: (done) => progress.push(done),
      },
    );
    total = summary.records;
    expect(summary.created).toBe(total);
    expect(summary.periods).toEqual(['2022', '2023', '2024']);
    expect(progress.at(-1)).toBe(total);

    const zone = syntheticReference(ZONES).zones.find((z) => z.level === 'national')!;
    const history = await stores.services.records.history(zone.id, 'gdp');
    expect(history.map((r) => r.period)).toEqual(['2022', '2023', '2024']);
    expect(history.every((r) => r.revision === 1 && r.source.startsWith('合成数据'))).toBe(true);
    const period = await stores.services.records.recordsOfPeriod('2024');
    expect(period.length).toBe(
      syntheticRecords({
        seed: SEED,
        zones: pickZones(syntheticZones(), ZONES),
        firstYear: FIRST_YEAR,
      }).filter((r) => r.period === '2024').length,
    );
    expect(period.filter((r) => r.zone === zone.id)).toHaveLength(37);
  });

  it('stores nothing on a re-run with the same seed', async () => {
    const summary = await seedSynthetic(
      { records: stores.services.records },
      { seed: SEED, zones: ZONES, firstYear: FIRST_YEAR },
    );
    expect(summary).toMatchObject({ records: total, created: 0, revised: 0, unchanged: total });
  });

  it('keeps the old value as a revision when one record is revised', async () => {
    const [file] = syntheticFiles({ seed: SEED, zones: ZONES, firstYear: FIRST_YEAR }).slice(-1);
    const text = new TextDecoder().decode(file!.bytes).split('\n');
    const line = text.findIndex((l) => /^[a-z-]+,gdp,2024,/.test(l) && !l.startsWith('national'));
    const cells = text[line]!.split(',');
    const zone = cells[0]!;
    cells[3] = String(Number(cells[3]) + 1);
    const revised = [text[0], cells.join(',')].join('\n');
    const summary = await ingestFiles(
      { records: stores.services.records, reference: syntheticReference(ZONES) },
      [{ name: 'revision.csv', bytes: new TextEncoder().encode(revised) }],
    );
    expect(summary).toMatchObject({ created: 0, revised: 1 });
    const revisions = await stores.services.records.revisions({
      zone,
      indicator: 'gdp',
      period: '2024',
    });
    expect(revisions.map((r) => r.revision)).toEqual([1, 2]);
    const [current] = (
      await stores.services.records.currentValues([{ zone, indicator: 'gdp', period: '2024' }])
    ).values();
    expect(current).toMatchObject({ revision: 2, value: Number(cells[3]) });
  });
});

describe('one batch, written in bulk and visible at once', () => {
  const reference = () => stores.services.reference;
  const rows = (n: number, value: (i: number) => number, period = '2031') =>
    Array.from({ length: n }, (_, i) => ({
      zone: 'zhongguancun',
      indicator: 'gdp',
      period: String(Number(period) + i),
      value: value(i),
      source: '批量测试',
    }));

  it('keeps every revision: the later supersedes, the earlier stays in the log', async () => {
    const records = stores.services.records;
    const key = { zone: 'tianjin', indicator: 'gdp', period: '2041' };
    for (const value of [1, 2, 2, 3])
      await records.writeBatch({ records: [{ ...key, value, source: 's' }], articles: [] });
    expect((await records.revisions(key)).map((r) => [r.revision, r.value])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect((await records.currentValues([key])).get(recordKey(key))).toMatchObject({
      revision: 3,
      value: 3,
    });
    expect(
      (await records.history('tianjin', 'gdp')).find((r) => r.period === '2041'),
    ).toMatchObject({ revision: 3 });
  });

  it('is invisible to every read until its commit', async () => {
    // Prepare: a first batch; a second one held just before its commit (the one UpdateItem
    // that flips its header to committed) while we read.
    const { dynamodb } = stores.services.clients;
    const records = stores.services.records;
    await records.writeBatch({ records: rows(3, (i) => i + 1, '2051'), articles: [] });
    const seen: { period?: string; values: number[]; revisions: number }[] = [];
    const read = async () => ({
      period: await records.latestPeriod('annual'),
      values: (await records.history('zhongguancun', 'gdp'))
        .filter((r) => r.period >= '2051')
        .map((r) => r.value),
      revisions: (
        await records.revisions({ zone: 'zhongguancun', indicator: 'gdp', period: '2051' })
      ).length,
    });
    const other = createDynamoRecordStore(
      stores.services.clients.documents,
      stores.config.tables.records,
    );
    dynamodb.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as {
          UpdateExpression?: string;
          ExpressionAttributeValues?: unknown;
        };
        if (
          input.UpdateExpression === 'SET #s = :to' &&
          JSON.stringify(input).includes('committed')
        ) {
          // Another reader (own cache) and this one, before the flip.
          seen.push(await read());
          const o = await other.history('zhongguancun', 'gdp');
          seen.push({
            values: o.filter((r) => r.period >= '2051').map((r) => r.value),
            revisions: 0,
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'holdBeforeCommit' },
    );
    try {
      // Act: revise the three and add a new, later period.
      await records.writeBatch({ records: rows(4, (i) => 10 * (i + 1), '2051'), articles: [] });
    } finally {
      dynamodb.middlewareStack.remove('holdBeforeCommit');
    }

    // Assess: before the commit, the first batch only; after it, the second.
    expect(seen[0]).toEqual({ period: '2053', values: [1, 2, 3], revisions: 1 });
    expect(seen[1]!.values).toEqual([1, 2, 3]);
    expect(await read()).toEqual({ period: '2054', values: [10, 20, 30, 40], revisions: 2 });
  });

  it('makes the same few requests besides BatchWriteItem for 100 records as for 1000', async () => {
    const { dynamodb } = stores.services.clients;
    const count = async (n: number, period: string) => {
      const counts: Record<string, number> = {};
      dynamodb.middlewareStack.add(
        (next, context) => async (args) => {
          counts[context.commandName!] = (counts[context.commandName!] ?? 0) + 1;
          return next(args);
        },
        { step: 'initialize', name: 'countCommands' },
      );
      try {
        const batch = Array.from({ length: n }, (_, i) => ({
          zone: 'count-zone',
          indicator: `ind-${i}`,
          period,
          value: i,
          source: 's',
        }));
        await stores.services.records.writeBatch({ records: batch, articles: [] });
      } finally {
        dynamodb.middlewareStack.remove('countCommands');
      }
      return counts;
    };
    const small = await count(100, '2061');
    const large = await count(1000, '2062');
    // 25 items a BatchWriteItem (the records, one new period and the two packs of the zone's
    // records of that period; then the journal is written and deleted), 100 keys a BatchGetItem
    // (and one for the packs).
    expect(small.BatchWriteItemCommand).toBe(Math.ceil(103 / 25) + 2);
    expect(large.BatchWriteItemCommand).toBe(Math.ceil(1003 / 25) + 2);
    expect(large.BatchGetItemCommand).toBe(10 + 1);
    // The rest is per batch: the lock, the header, its commit, the journal's cleanup. (The
    // lock's lease is renewed by an UpdateItem every 5 s: their number follows the clock.)
    const perBatch = (c: Record<string, number>) => {
      const {
        BatchWriteItemCommand: _w,
        BatchGetItemCommand: _g,
        UpdateItemCommand: u,
        ...rest
      } = c;
      expect(u).toBeGreaterThanOrEqual(1);
      return rest;
    };
    expect(perBatch(large)).toEqual(perBatch(small));
    expect(Object.values(perBatch(large)).reduce((a, b) => a + b, 0)).toBeLessThan(10);
  });

  it('refuses a batch through ingest when a record would be refused by the store', async () => {
    const before = await dumpStores(stores.services);
    const bytes = new TextEncoder().encode(
      'zone,indicator,period,value,unit,yoy,share,source\nzhongguancun,gdp,2071,1e308,万亿元,,,来源甲',
    );
    await expect(
      ingestFiles({ records: stores.services.records, reference: reference() }, [
        { name: 'inf.csv', bytes },
      ]),
    ).rejects.toThrow(/文件 inf\.csv 第 2 行 字段 value：/);
    expect(await dumpStores(stores.services)).toBe(before);
  });
});
