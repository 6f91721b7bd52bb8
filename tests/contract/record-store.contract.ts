/**
 * What every RecordStore must do (app/ports.ts), whatever it stores into. A new backend
 * passes this suite with a five-line test file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordStore } from '../../functions/app/ports.ts';
import type { Article, IndicatorRecord } from '../../functions/core/model.ts';
import { recordKey } from '../../functions/core/record-key.ts';
import { uniqueName, type Subject } from './local-stores.ts';

type NewRecord = Omit<IndicatorRecord, 'revision'>;

const observation = (zone: string, period: string, value: number, more = {}): NewRecord => ({
  zone,
  indicator: 'revenue',
  period,
  value,
  source: 'contract suite',
  ...more,
});

export function describeRecordStoreContract(
  name: string,
  factory: () => Promise<Subject<RecordStore>>,
): void {
  describe(`RecordStore contract: ${name}`, () => {
    let subject: Subject<RecordStore>;
    let store: RecordStore;
    beforeAll(async () => {
      subject = await factory();
      store = subject.port;
    });
    afterAll(() => subject?.stop());

    const write = async (records: NewRecord[], articles: Article[] = []) =>
      store.writeBatch({ records, articles });

    it('moves its data version with every batch that writes, and only then', async () => {
      const zone = uniqueName('zone');
      await write([observation(zone, '2024', 1)]);
      const v1 = await store.dataVersion();
      expect(v1).toEqual(expect.any(String));
      // The same record again writes nothing: the version stays.
      await write([observation(zone, '2024', 1)]);
      expect(await store.dataVersion()).toBe(v1);
      await write([observation(zone, '2024', 2)]);
      const v2 = await store.dataVersion();
      expect(v2).not.toBe(v1);
      // A batch refused whole leaves the data as it was; the version never goes back.
      await expect(write([observation(zone, '2025', Number.NaN)])).rejects.toThrow();
      expect(await store.dataVersion()).not.toBe(v1);
    });

    it('creates, keeps and revises an observation, keeping every revision', async () => {
      const zone = uniqueName('zone');
      const first = observation(zone, '2024', 10);
      expect((await write([first])).records).toEqual(['created']);

      const current = (await store.currentValues([first])).get(recordKey(first));
      expect(current).toMatchObject({ ...first, revision: 1 });
      expect((await write([first])).records).toEqual(['unchanged']);
      expect((await write([{ ...first, value: 11 }])).records).toEqual(['revised']);

      const latest = (await store.currentValues([first])).get(recordKey(first));
      expect(latest).toMatchObject({ value: 11, revision: 2 });
      const revisions = await store.revisions(first);
      expect(revisions.map((r) => [r.revision, r.value])).toEqual([
        [1, 10],
        [2, 11],
      ]);
    });

    it('writes a batch with outcomes in input order, and leaves absent keys out', async () => {
      const zone = uniqueName('zone');
      const a = observation(zone, '2022', 1);
      const b = observation(zone, '2023', 2, { yoy: 5.5 });
      expect((await write([a, b])).records).toEqual(['created', 'created']);
      expect((await write([{ ...b, yoy: 6 }, a])).records).toEqual(['revised', 'unchanged']);

      const missing = observation(zone, '2021', 0);
      const found = await store.currentValues([a, missing]);
      expect([...found.keys()]).toEqual([recordKey(a)]);
    });

    it('reads a series, a zone and a period, and the latest period of a series', async () => {
      const zone = uniqueName('zone');
      const period = '2019-Q3';
      await write([
        observation(zone, '2019', 7),
        observation(zone, period, 3),
        { ...observation(zone, '2019', 9), indicator: 'exports' },
      ]);

      expect((await store.history(zone, 'revenue')).map((r) => r.period).sort()).toEqual([
        '2019',
        period,
      ]);
      expect(await store.latestPeriodOf(zone, 'revenue')).toBe(period);
      expect(await store.latestPeriodOf(zone, 'patents')).toBeUndefined();
      expect((await store.recordsOfZone(zone)).map((r) => recordKey(r)).sort()).toEqual(
        [`${zone}#exports#2019`, `${zone}#revenue#2019`, `${zone}#revenue#${period}`].sort(),
      );
      const ofPeriod = (await store.recordsOfPeriod(period)).filter((r) => r.zone === zone);
      expect(ofPeriod.map((r) => r.value)).toEqual([3]);
    });

    it("reads a zone's records whole: every field as the period's read gives it, a revision too", async () => {
      const zone = uniqueName('zone');
      const full = {
        reportedValue: '1.37',
        reportedUnit: '万亿元',
        qualifier: '约',
        yoy: 7.6,
        share: 12.5,
        origin: 'contract.csv:2',
        ingestedAt: '2026-12-06T10:00:00.000Z',
      };
      await write([observation(zone, '2001', 13700, full), observation(zone, '2000', 12000)]);
      await write([observation(zone, '2001', 13800, { ...full, qualifier: '超过' })]);
      const ofZone = await store.recordsOfZone(zone);
      const ofPeriods = [
        ...(await store.recordsOfPeriod('2001')),
        ...(await store.recordsOfPeriod('2000')),
      ].filter((r) => r.zone === zone);
      const byKey = (rs: IndicatorRecord[]) =>
        [...rs].sort((a, b) => recordKey(a).localeCompare(recordKey(b)));
      expect(byKey(ofZone)).toEqual(byKey(ofPeriods));
      expect(ofZone.find((r) => r.period === '2001')).toEqual({
        ...observation(zone, '2001', 13800, { ...full, qualifier: '超过' }),
        revision: 2,
      });
    });

    it('registers the periods of what it stores, by granularity, and names the latest', async () => {
      const zone = uniqueName('zone');
      await write(['2031', '2030', '2031-Q1'].map((p, i) => observation(zone, p, i)));
      expect(await store.periods('annual')).toEqual(expect.arrayContaining(['2030', '2031']));
      expect(await store.latestPeriod('annual')).toBe('2031');
      expect(await store.periods('quarterly')).toContain('2031-Q1');
    });

    it('stores an article once and revises it when it changes, keeping the earlier one', async () => {
      const series = uniqueName('series');
      const article = {
        id: 'contract-article',
        series,
        period: '2024',
        section: '专题',
        title: '题目',
        byline: '本刊',
        body: '正文。',
      };
      expect((await write([], [article])).articles).toEqual(['created']);
      expect((await write([], [article])).articles).toEqual(['unchanged']);
      expect((await write([], [{ ...article, body: '新正文。' }])).articles).toEqual(['revised']);
      expect(await store.articles(series, '2024')).toEqual([{ ...article, body: '新正文。' }]);
      expect(await store.articles(series, '2023')).toEqual([]);
      const revisions = await store.articleRevisions({ series, period: '2024', id: article.id });
      expect(revisions.map((r) => r.article.body)).toEqual(['正文。', '新正文。']);
    });

    it('names what it would refuse before any write', () => {
      const zone = uniqueName('zone');
      expect(store.recordRefusals(observation(zone, '2024', 1))).toEqual([]);
      expect(store.recordRefusals(observation(zone, '2024', Infinity))).toEqual([
        expect.objectContaining({ field: 'value' }),
      ]);
    });
  });
}
