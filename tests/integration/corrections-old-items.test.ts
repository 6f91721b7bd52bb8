/**
 * Issues stored by earlier code stay in the corrections queue as they were: a zone profile
 * released before issue 27 keeps every record its counts named (thousands), one released before
 * the lists were packed keeps them as plain JSON, one released before `recordPages` was packed
 * keeps the pages as a map. Written here as those versions wrote them (raw items, real dynalite);
 * a revision of a record each of them printed is listed for each, with the pages it kept, and the
 * plan's projection (`listReleased`) reads them.
 */
import { gzipSync } from 'node:zlib';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correctionQueue } from '../../functions/app/corrections.ts';
import type { PrintedRecord } from '../../functions/core/lifecycle.ts';
import type { Issue } from '../../functions/core/model.ts';
import { startTestStores, type TestStores } from '#tests/support/stores.ts';

const SERIES = 'zone-profile';
const PERIOD = '2024';

describe('issues stored by earlier code, in the corrections queue', () => {
  let stores: TestStores;

  beforeAll(async () => {
    stores = await startTestStores();
  }, 120_000);
  afterAll(async () => {
    await stores?.stop();
  });

  it('lists a revision for each old form of the printed list and its pages', async () => {
    const { services } = stores;
    const zones = services.reference.zones.filter((z) => z.level === 'national').slice(0, 3);
    const [own, counted, charted] = zones.map((z) => z.id) as [string, string, string];
    const record = (zone: string, value: number) => ({
      zone,
      indicator: 'gdp',
      period: PERIOD,
      value,
      source: '测试来源（初版）',
    });
    await services.records.writeBatch({
      records: [record(own, 100), record(counted, 200), record(charted, 300)],
      articles: [],
    });
    const entry = (zone: string, value: number, text?: string): PrintedRecord => ({
      key: `${zone}#gdp#${PERIOD}`,
      value,
      revision: 1,
      unit: '亿元',
      label: `${zone} · 园区生产总值 · ${PERIOD}`,
      source: '测试来源（初版）',
      ...(text ? { text } : {}),
      measures: ['value'],
    });
    // What a profile's counts named before issue 27: every zone's record, no text of theirs.
    const filler = Array.from({ length: 6800 }, (_, i) =>
      entry(`z${String(i).padStart(4, '0')}`, i),
    );
    const small = [entry(own, 100, '100亿元'), entry(counted, 200)];
    const printed = [...small, ...filler];
    const packed = (v: unknown) => `z:${gzipSync(JSON.stringify(v)).toString('base64')}`;
    const pages = { [`${own}#gdp#${PERIOD}`]: [1, 3], [`${counted}#gdp#${PERIOD}`]: [2] };
    const forms: [number, Record<string, unknown>][] = [
      // Before the lists were packed (eb23e44): plain JSON (that long, it passed 400 KB), no pages.
      [551, { printed: JSON.stringify(small) }],
      // Packed list, pages as a map (before they were packed).
      [552, { printed: packed(printed), recordPages: pages }],
      // Both packed (before issue 27 left counts out).
      [553, { printed: packed(printed), recordPages: packed(pages) }],
    ];
    for (const [total, stored] of forms) {
      const issue: Issue = {
        id: `${SERIES}-${total}`,
        series: SERIES,
        kind: SERIES,
        year: 2025,
        number: total - 550,
        total,
        slotKey: `old-${total}`,
        status: 'published',
        period: PERIOD,
        reportKey: `${SERIES}:${own}`,
        params: { zone: own },
        createdAt: '2025-06-01T02:00:00.000Z',
        publishedAt: '2025-06-01T02:00:00.000Z',
      };
      await services.clients.documents.send(
        new PutCommand({
          TableName: stores.config.tables.issues,
          Item: {
            pk: `SERIES#${SERIES}`,
            sk: `N#${String(total).padStart(8, '0')}`,
            gsi1pk: `REPORT#${SERIES}#${issue.reportKey}`,
            gsi1sk: `N#${String(total).padStart(8, '0')}`,
            ...issue,
            ...stored,
          },
        }),
      );
    }
    const deps = { catalog: services.cycle, records: services.records };
    expect(await correctionQueue(deps, [SERIES])).toEqual([]);

    // Revised: the zone's own value and a record only counted (the old lists name it).
    await services.records.writeBatch({
      records: [
        { ...record(own, 110), source: '测试来源（修订）' },
        { ...record(counted, 220), source: '测试来源（修订）' },
      ],
      articles: [],
    });
    const queue = await correctionQueue(deps, [SERIES]);
    expect(queue.map((e) => e.issueId)).toEqual([
      `${SERIES}-553`,
      `${SERIES}-552`,
      `${SERIES}-551`,
    ]);
    for (const e of queue) {
      const withPages = e.issueId !== `${SERIES}-551`;
      expect(e.changes).toEqual([
        expect.objectContaining({
          zone: own,
          oldText: '100亿元',
          newValue: 110,
          ...(withPages ? { pages: [1, 3] } : {}),
        }),
        expect.objectContaining({
          zone: counted,
          oldValue: 200,
          newValue: 220,
          ...(withPages ? { pages: [2] } : {}),
        }),
      ]);
      if (!withPages) expect(e.changes.every((c) => c.pages === undefined)).toBe(true);
    }
    // The plan reads them through its projection.
    expect(
      (await services.catalog.listReleased(SERIES, ['total', 'params'])).map((i) => i.total),
    ).toEqual([553, 552, 551]);
  }, 120_000);
});
