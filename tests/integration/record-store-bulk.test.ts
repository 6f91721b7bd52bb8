/**
 * Bulk ingest on real dynalite: the synthetic dataset through the normal ingest path, re-runs
 * that store nothing, and the batched current items keeping the record store's guarantees (no
 * lost revision, a newer revision never replaced by an older one) against a concurrent writer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoRecordStore } from '#adapters/dynamodb/record-store.ts';
import { recordKey } from '#core/record-key.ts';
import type { IndicatorRecord } from '#core/model.ts';
import { pickZones, syntheticRecords, syntheticZones } from '#core/synthetic.ts';
import {
  syntheticFiles,
  seedSynthetic,
  syntheticReference,
} from '../../functions/app/synthetic.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { startTestStores, type TestStores } from '../support/stores.ts';

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

describe('batched current items and a concurrent writer', () => {
  it('puts back a newer revision that a batched first revision overwrote', async () => {
    // Prepare: a store whose batch write of current items is preceded, on the wire, by another
    // writer storing revision 2 of the same key (the race the verification step exists for).
    const { dynamodb, documents } = stores.services.clients;
    const table = stores.config.tables.records;
    const other = createDynamoRecordStore(documents, table);
    const key = { zone: 'race-zone', indicator: 'gdp', period: '2031' };
    const first = { ...key, value: 1, source: 'writer A' };
    const second = { ...key, value: 2, source: 'writer B' };
    let raced = false;
    dynamodb.middlewareStack.add(
      (next) => async (args) => {
        if (!raced && args.input && 'RequestItems' in (args.input as object)) {
          const items = JSON.stringify(args.input);
          if (items.includes('race-zone') && items.includes('PutRequest')) {
            raced = true;
            // Writer B sees revision 1 in the log and writes revision 2 with its current item.
            const [a] = await other.revisions(key);
            await other.writeRecord(second, a);
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'raceBeforeBatchWrite' },
    );
    try {
      // Act: writer A creates the key through the bulk path.
      const outcomes = await stores.services.records.writeRecords([{ record: first }]);

      // Assess: both revisions kept; the current item is the newer one.
      expect(raced).toBe(true);
      expect(outcomes).toEqual(['created']);
      const revisions = await stores.services.records.revisions(key);
      expect(revisions.map((r) => [r.revision, r.source])).toEqual([
        [1, 'writer A'],
        [2, 'writer B'],
      ]);
      const current = await stores.services.records.currentValues([key]);
      expect(current.get(recordKey(key))).toMatchObject({ revision: 2, value: 2 });
      expect((await stores.services.records.history('race-zone', 'gdp'))[0]?.revision).toBe(2);
    } finally {
      dynamodb.middlewareStack.remove('raceBeforeBatchWrite');
    }
  });

  it('never lets an older revision replace a newer current item', async () => {
    const key = { zone: 'order-zone', indicator: 'gdp', period: '2031' };
    const records = stores.services.records;
    await records.writeRecords([{ record: { ...key, value: 1, source: 's' } }]);
    const [r1] = (await records.currentValues([key])).values();
    await records.writeRecord({ ...key, value: 2, source: 's' }, r1);
    // A bulk write based on a stale view (revision 1): the old facts leave the newer current
    // item alone; new facts become revision 3 (the log decides the number, not the caller).
    const stale = r1 as IndicatorRecord;
    expect(
      await records.writeRecords([{ record: { ...key, value: 1, source: 's' }, current: stale }]),
    ).toEqual(['unchanged']);
    expect((await records.currentValues([key])).get(recordKey(key))).toMatchObject({
      revision: 2,
      value: 2,
    });
    expect(
      await records.writeRecords([{ record: { ...key, value: 3, source: 's' }, current: stale }]),
    ).toEqual(['revised']);
    expect((await records.revisions(key)).map((r) => r.value)).toEqual([1, 2, 3]);
    expect((await records.currentValues([key])).get(recordKey(key))).toMatchObject({
      revision: 3,
      value: 3,
    });
  });

  it('writes batches of 25 current items (counted on the wire)', async () => {
    const { dynamodb } = stores.services.clients;
    const counts: Record<string, number> = {};
    dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        counts[context.commandName!] = (counts[context.commandName!] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'countCommands' },
    );
    try {
      const entries = Array.from({ length: 100 }, (_, i) => ({
        record: {
          zone: 'count-zone',
          indicator: `ind-${i}`,
          period: '2031',
          value: i,
          source: 's',
        },
      }));
      await stores.services.records.writeRecords(entries);
    } finally {
      dynamodb.middlewareStack.remove('countCommands');
    }
    expect(counts).toEqual({
      PutItemCommand: 100,
      BatchWriteItemCommand: 4,
      BatchGetItemCommand: 1,
    });
  });
});
