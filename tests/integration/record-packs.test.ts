/**
 * A zone's and a period's records are read from their packs (one item per (zone, period), kept
 * under the zone and under the period, written by every batch that creates or revises a record of
 * it), on real dynalite. Whatever wrote the records — the real data's ingest, the synthetic
 * seeding, revisions, batches written a few records a chunk (a pack met again in a later chunk),
 * a table written before packs were kept or with zone packs alone (filled in by the next batch),
 * a pack too large to keep — `recordsOfZone` returns exactly what the zone's index (`gsi2`, every
 * current record of the zone) holds, and `recordsOfPeriod` what the period's items hold, in
 * their order.
 */
import {
  DeleteCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapStores } from '#adapters/bootstrap.ts';
import { createDynamoRecordStore } from '#adapters/dynamodb/record-store.ts';
import { loadConfig } from '#config';
import type { RecordStore } from '../../functions/app/ports.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { syntheticFiles, syntheticReference } from '../../functions/app/synthetic.ts';
import { seedRealData, startTestStores, type TestStores } from '../support/stores.ts';

let stores: TestStores;
let tables = 0;

beforeAll(async () => {
  stores = await startTestStores();
});
afterAll(async () => {
  await stores?.stop();
});

type Store = Parameters<typeof createDynamoRecordStore>[2];

/** A records table of its own (same stack) and a store on it. */
async function freshTable(opts: Store = {}) {
  const name = `packs-records-${(tables += 1)}`;
  const config = loadConfig({ ...stores.stack.env, BULLETIN_RECORDS_TABLE: name });
  await bootstrapStores(config, stores.services.clients);
  return { name, records: createDynamoRecordStore(stores.services.clients.documents, name, opts) };
}

async function queryAll(input: QueryCommandInput) {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await stores.services.clients.documents.send(
      new QueryCommand({ ...input, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The zone's current records as its index holds them (every one committed here). */
async function fromIndex(table: string, zone: string) {
  return asRecords(
    await queryAll({
      TableName: table,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': `Z#${zone}` },
    }),
  );
}

/** The period's current records as its items hold them. */
async function fromItems(table: string, period: string) {
  return asRecords(
    await queryAll({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `P#${period}` },
    }),
  );
}

function asRecords(items: Record<string, unknown>[]) {
  return items.map((i) => {
    const r: Record<string, unknown> = {};
    // In the order the store's read builds a record (`fromItem`): the JSON compared is its.
    for (const f of [
      'zone',
      'indicator',
      'period',
      'value',
      'source',
      'revision',
      'reportedValue',
      'reportedUnit',
      'qualifier',
      'yoy',
      'share',
      'origin',
      'ingestedAt',
    ])
      if (i[f] !== undefined) r[f] = i[f];
    return r;
  });
}

/** The packs under `pk` as stored: sort key → record count (or `overflow`). */
async function packsUnder(table: string, pk: string) {
  const items = await queryAll({
    TableName: table,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk },
  });
  return Object.fromEntries(items.map((i) => [i.sk, i.overflow ? 'overflow' : i.count]));
}
const packsOf = (table: string, zone: string) => packsUnder(table, `ZONE#${zone}`);
const periodPacksOf = (table: string, period: string) => packsUnder(table, `PACKS#${period}`);

/**
 * Every zone read from its packs equals its index, and every period read from its packs its
 * items: field for field, in order (JSON: the same fields in the same order, of the same
 * records in the same order).
 */
async function expectPacksTrue(
  table: string,
  records: RecordStore,
  zones: string[],
  periods: string[],
) {
  let compared = 0;
  for (const zone of zones) {
    const indexed = await fromIndex(table, zone);
    expect(JSON.stringify(await records.recordsOfZone(zone)), zone).toBe(JSON.stringify(indexed));
    compared += indexed.length;
  }
  expect(compared).toBeGreaterThan(0);
  compared = 0;
  for (const period of periods) {
    const stored = await fromItems(table, period);
    expect(JSON.stringify(await records.recordsOfPeriod(period)), period).toBe(
      JSON.stringify(stored),
    );
    compared += stored.length;
  }
  expect(compared).toBeGreaterThan(0);
}

/** Every period registered. */
async function periodsOf(records: RecordStore) {
  return [
    ...(await records.periods('annual')),
    ...(await records.periods('quarterly')),
    ...(await records.periods('monthly')),
  ];
}

const zonesOf = (n: number) =>
  syntheticReference(n)
    .zones.filter((z) => z.level === 'national')
    .map((z) => z.id);

describe('packs', () => {
  it('agree with the index and the items after the synthetic seeding, revisions and new years, chunk by chunk', async () => {
    // Prepare: 30 records a chunk, so that a (zone, period) is written in several chunks.
    const { name, records } = await freshTable({ chunkRecords: 30 });
    const reference = syntheticReference(5);
    const zones = zonesOf(5);

    // Act: a first dataset, then another seed over more years (new periods and revisions).
    await ingestFiles(
      { records, reference },
      syntheticFiles({ seed: 1, zones: 5, firstYear: 2022 }),
    );
    await expectPacksTrue(name, records, zones, await periodsOf(records));
    const second = await ingestFiles(
      { records, reference },
      syntheticFiles({ seed: 2, zones: 5, firstYear: 2019 }),
    );

    // Assess
    expect(second.created).toBeGreaterThan(0);
    expect(second.revised).toBeGreaterThan(0);
    await expectPacksTrue(name, records, zones, await periodsOf(records));
    expect(Object.keys(await packsOf(name, zones[0]!))).toEqual([
      '2019',
      '2020',
      '2021',
      '2022',
      '2023',
      '2024',
    ]);
    expect(Object.keys(await periodPacksOf(name, '2019')).sort()).toEqual(
      [...zones, 'china', 'national-htz'].sort(),
    );
    // And a zone, a period with no record: nothing.
    expect(await records.recordsOfZone('no-such-zone')).toEqual([]);
    expect(await records.recordsOfPeriod('2031')).toEqual([]);
  });

  it('agree with the index and the items for the real data (every kind of record it has)', async () => {
    const { name, records } = await freshTable();
    await seedRealData({ ...stores.services, records });
    const zones = stores.services.reference.zones.map((z) => z.id);
    const periods = await periodsOf(records);
    expect(periods.some((p) => /^\d{4}-\d{2}$/.test(p))).toBe(true);
    await expectPacksTrue(name, records, zones, periods);
  });

  for (const kept of ['no pack', 'zone packs alone'] as const)
    it(`are written for every zone and period by the first batch into a table with ${kept}`, async () => {
      // Prepare: the real data (annual and monthly periods) and a synthetic set, in a table as
      // a store that kept no packs left it (no marker, no pack), or one that kept zone packs
      // alone (their marker, no period pack).
      const { name, records } = await freshTable();
      await seedRealData({ ...stores.services, records });
      await ingestFiles(
        { records, reference: syntheticReference(4) },
        syntheticFiles({ seed: 3, zones: 4, firstYear: 2021 }),
      );
      const zones = [
        ...new Set([...stores.services.reference.zones.map((z) => z.id), ...zonesOf(4)]),
      ];
      const periods = await periodsOf(records);
      const docs = stores.services.clients.documents;
      const remove = (pk: string, sk: string) =>
        docs.send(new DeleteCommand({ TableName: name, Key: { pk, sk } }));
      await remove('ZONES#PACKED', '2');
      if (kept === 'zone packs alone')
        await docs.send(new PutCommand({ TableName: name, Item: { pk: 'ZONES#PACKED', sk: '-' } }));
      const before = new Map<string, string[]>();
      for (const zone of zones) {
        before.set(zone, Object.keys(await packsOf(name, zone)));
        if (kept === 'no pack')
          for (const sk of before.get(zone)!) await remove(`ZONE#${zone}`, sk);
      }
      const beforePeriods = new Map<string, string[]>();
      for (const period of periods) {
        beforePeriods.set(period, Object.keys(await periodPacksOf(name, period)));
        for (const sk of beforePeriods.get(period)!) await remove(`PACKS#${period}`, sk);
        expect(await periodPacksOf(name, period)).toEqual({});
      }
      expect(before.get(zonesOf(4)[0]!)).toEqual(['2021', '2022', '2023', '2024']);
      // Read without (some) packs: from the index and the items, the same.
      await expectPacksTrue(name, records, zones, periods);

      // Act: a batch that revises one record of one zone.
      const one = (await records.recordsOfZone(zonesOf(4)[0]!))[0]!;
      const { revision: _r, ...changed } = { ...one, value: one.value + 1 };
      const out = await records.writeBatch({ records: [changed], articles: [] });

      // Assess: every (zone, period) has both its packs again; they agree with what they pack.
      expect(out.records).toEqual(['revised']);
      for (const zone of zones)
        expect(Object.keys(await packsOf(name, zone))).toEqual(before.get(zone));
      for (const period of periods)
        expect(Object.keys(await periodPacksOf(name, period))).toEqual(beforePeriods.get(period));
      await expectPacksTrue(name, records, zones, periods);
    });

  it('leave a zone and a period whose pack is too large to the index and the items', async () => {
    const { name, records } = await freshTable({ maxPackBytes: 600 });
    const reference = syntheticReference(3);
    const zones = zonesOf(3);
    await ingestFiles(
      { records, reference },
      syntheticFiles({ seed: 4, zones: 3, firstYear: 2023 }),
    );
    expect(Object.values(await packsOf(name, zones[0]!))).toContain('overflow');
    expect(Object.values(await periodPacksOf(name, '2024'))).toContain('overflow');
    await expectPacksTrue(name, records, zones, await periodsOf(records));
  });
});
