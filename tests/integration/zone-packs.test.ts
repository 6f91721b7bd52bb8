/**
 * A zone's records are read from its packs (one item per period, written by every batch that
 * creates or revises a record of it), on real dynalite. Whatever wrote the records — the real
 * data's ingest, the synthetic seeding, revisions, batches written a few records a chunk (a pack
 * met again in a later chunk), a table written before packs were kept (filled in by the next
 * batch), a pack too large to keep — `recordsOfZone` returns exactly what the zone's index
 * (`gsi2`, every current record of the zone) holds, in its order.
 */
import { DeleteCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
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
  const items = await queryAll({
    TableName: table,
    IndexName: 'gsi2',
    KeyConditionExpression: 'gsi2pk = :pk',
    ExpressionAttributeValues: { ':pk': `Z#${zone}` },
  });
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

/** The zone's packs as stored: period → record count (or `overflow`). */
async function packsOf(table: string, zone: string) {
  const items = await queryAll({
    TableName: table,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': `ZONE#${zone}` },
  });
  return Object.fromEntries(items.map((i) => [i.sk, i.overflow ? 'overflow' : i.count]));
}

/** Every zone read from its packs equals its index, field for field and in order. */
async function expectPacksTrue(table: string, records: RecordStore, zones: string[]) {
  let compared = 0;
  for (const zone of zones) {
    const indexed = await fromIndex(table, zone);
    // JSON: the same fields, in the same order, of the same records, in the same order.
    expect(JSON.stringify(await records.recordsOfZone(zone)), zone).toBe(JSON.stringify(indexed));
    compared += indexed.length;
  }
  expect(compared).toBeGreaterThan(0);
}

const zonesOf = (n: number) =>
  syntheticReference(n)
    .zones.filter((z) => z.level === 'national')
    .map((z) => z.id);

describe('zone packs', () => {
  it('agree with the index after the synthetic seeding, revisions and new years, chunk by chunk', async () => {
    // Prepare: 30 records a chunk, so that a (zone, period) is written in several chunks.
    const { name, records } = await freshTable({ chunkRecords: 30 });
    const reference = syntheticReference(5);
    const zones = zonesOf(5);

    // Act: a first dataset, then another seed over more years (new periods and revisions).
    await ingestFiles(
      { records, reference },
      syntheticFiles({ seed: 1, zones: 5, firstYear: 2022 }),
    );
    await expectPacksTrue(name, records, zones);
    const second = await ingestFiles(
      { records, reference },
      syntheticFiles({ seed: 2, zones: 5, firstYear: 2019 }),
    );

    // Assess
    expect(second.created).toBeGreaterThan(0);
    expect(second.revised).toBeGreaterThan(0);
    await expectPacksTrue(name, records, zones);
    const packs = await packsOf(name, zones[0]!);
    expect(Object.keys(packs)).toEqual(['2019', '2020', '2021', '2022', '2023', '2024']);
    // And a zone with no record: nothing.
    expect(await records.recordsOfZone('no-such-zone')).toEqual([]);
  });

  it('agree with the index for the real data (every kind of record it has)', async () => {
    const { name, records } = await freshTable();
    await seedRealData({ ...stores.services, records });
    const zones = stores.services.reference.zones.map((z) => z.id);
    await expectPacksTrue(name, records, zones);
  });

  it('are written for every zone by the first batch into a table written before them', async () => {
    // Prepare: the real data (annual and monthly periods) and a synthetic set, in a table as a
    // store that kept no packs left it (no marker, no pack).
    const { name, records } = await freshTable();
    await seedRealData({ ...stores.services, records });
    await ingestFiles(
      { records, reference: syntheticReference(4) },
      syntheticFiles({ seed: 3, zones: 4, firstYear: 2021 }),
    );
    const zones = [
      ...new Set([...stores.services.reference.zones.map((z) => z.id), ...zonesOf(4)]),
    ];
    const before = new Map<string, string[]>();
    const docs = stores.services.clients.documents;
    await docs.send(new DeleteCommand({ TableName: name, Key: { pk: 'ZONES#PACKED', sk: '-' } }));
    for (const zone of zones) {
      before.set(zone, Object.keys(await packsOf(name, zone)));
      for (const sk of before.get(zone)!)
        await docs.send(new DeleteCommand({ TableName: name, Key: { pk: `ZONE#${zone}`, sk } }));
      expect(await packsOf(name, zone)).toEqual({});
    }
    expect(before.get(zonesOf(4)[0]!)).toEqual(['2021', '2022', '2023', '2024']);
    expect([...before.values()].flat().some((p) => /^\d{4}-\d{2}$/.test(p))).toBe(true);
    // Read without packs: from the index, the same.
    await expectPacksTrue(name, records, zones);

    // Act: a batch that revises one record of one zone.
    const one = (await records.recordsOfZone(zonesOf(4)[0]!))[0]!;
    const { revision: _r, ...changed } = { ...one, value: one.value + 1 };
    const out = await records.writeBatch({ records: [changed], articles: [] });

    // Assess: every zone's every period has its pack again, and they agree with the index.
    expect(out.records).toEqual(['revised']);
    for (const zone of zones)
      expect(Object.keys(await packsOf(name, zone))).toEqual(before.get(zone));
    await expectPacksTrue(name, records, zones);
  });

  it('leave a zone whose pack is too large to its index', async () => {
    const { name, records } = await freshTable({ maxPackBytes: 600 });
    const reference = syntheticReference(3);
    const zones = zonesOf(3);
    await ingestFiles(
      { records, reference },
      syntheticFiles({ seed: 4, zones: 3, firstYear: 2023 }),
    );
    expect(Object.values(await packsOf(name, zones[0]!))).toContain('overflow');
    await expectPacksTrue(name, records, zones);
  });
});
