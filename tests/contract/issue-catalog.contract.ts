/**
 * What every pair of catalog ports must do (app/ports.ts): the editorial cycle writes a
 * released issue once per number (`LifecycleCatalog.putIssue`), and the reader side
 * (`IssueCatalog`: the archive, the API, the feeds) finds it by id, lists a series page by page
 * and names the latest released issue — never a withdrawn one as the latest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssueCatalog, LifecycleCatalog } from '../../functions/app/ports.ts';
import type { Issue } from '../../functions/core/model.ts';
import { uniqueName, type Subject } from './local-stores.ts';

const released = (series: string, total: number): Issue => ({
  id: `${series}-${total}`,
  series,
  kind: 'torch-bulletin',
  year: 2026,
  number: total - 550,
  total,
  slotKey: `slot-${total}`,
  status: 'published',
  period: '2024',
  s3Key: `issues/${series}/2026/${series}-${total}-${'ab'.repeat(8)}.pdf`,
  fileName: 'x.pdf',
  sha256: 'ab'.repeat(32),
  bytes: 1234,
  pages: 2,
  inputHash: 'cd'.repeat(32),
  createdAt: '2026-01-05T02:00:00.000Z',
  publishedAt: '2026-01-05T02:00:00.000Z',
  reportKey: series,
});

export function describeIssueCatalogContract(
  name: string,
  factory: () => Promise<Subject<{ catalog: IssueCatalog; cycle: LifecycleCatalog }>>,
): void {
  describe(`IssueCatalog contract: ${name}`, () => {
    let subject: Subject<{ catalog: IssueCatalog; cycle: LifecycleCatalog }>;
    let catalog: IssueCatalog;
    let cycle: LifecycleCatalog;
    beforeAll(async () => {
      subject = await factory();
      ({ catalog, cycle } = subject.port);
    });
    afterAll(() => subject?.stop());

    it('writes one issue per number: a second release of the same number is refused', async () => {
      const series = uniqueName('series');
      expect(await cycle.putIssue(released(series, 551), [])).toMatchObject({
        id: `${series}-551`,
      });
      expect(await cycle.putIssue({ ...released(series, 551), slotKey: 'other' }, [])).toBe(
        undefined,
      );
      expect(await catalog.get(`${series}-551`)).toMatchObject({ slotKey: 'slot-551' });
      expect(await cycle.lastNumbering(series)).toMatchObject({ total: 551 });
    });

    it('advances a counter left behind to the newest issue at the first refused number', async () => {
      // Releases that left the counter to a release behind them, in a process that then died
      // (numbering-line.ts): the counter says 551, the catalog holds up to 555.
      const series = uniqueName('series');
      await cycle.putIssue(released(series, 551), []);
      for (const total of [552, 553, 554, 555])
        await cycle.putIssue(released(series, total), [], { advanceCounter: false });
      expect(await cycle.lastNumbering(series)).toMatchObject({ total: 551 });
      // The next release tries 552, is refused, and finds the counter at 555: one print lost,
      // not one per number behind.
      expect(await cycle.putIssue({ ...released(series, 552), slotKey: 'late' }, [])).toBe(
        undefined,
      );
      expect(await cycle.lastNumbering(series)).toEqual({ year: 2026, number: 5, total: 555 });
    });

    it('keeps what a large report printed within one item (3,000 records, ≈ 0.9 MB as JSON)', async () => {
      const series = uniqueName('series');
      const printed = Array.from({ length: 3000 }, (_, i) => ({
        key: `zone-${i % 178}#indicator-${i % 37}#${2010 + (i % 15)}`,
        value: i * 1.5,
        revision: 1,
        unit: '亿元',
        label: `第${i}个园区 · 园区生产总值 · ${2010 + (i % 15)}`,
        source: `《中国火炬统计年鉴》${2010 + (i % 15)}，科学技术文献出版社；第${i}页，表${i % 40}-${i % 9}`,
      }));
      expect(JSON.stringify(printed).length).toBeGreaterThan(400 * 1024);
      expect(await cycle.putIssue(released(series, 551), printed)).toBeDefined();
      expect(await cycle.printedOf(`${series}-551`)).toEqual(printed);
    });

    it('finds issues by id, and nothing for an unknown or malformed id', async () => {
      const series = uniqueName('series');
      await cycle.putIssue(released(series, 551), []);
      expect(await catalog.get(`${series}-551`)).toMatchObject({ status: 'published' });
      expect(await catalog.get(`${series}-999999`)).toBeUndefined();
      expect(await catalog.get('not an id')).toBeUndefined();
    });

    it('names the latest released issue and lists released ones; a withdrawn one is neither', async () => {
      const series = uniqueName('series');
      expect(await catalog.latest(series)).toBeUndefined();
      await cycle.putIssue(released(series, 551), []);
      await cycle.putIssue(released(series, 552), []);
      expect(await catalog.latest(series)).toMatchObject({ id: `${series}-552` });
      await cycle.withdraw(`${series}-552`, 'wrong figure', 'editor', new Date().toISOString());
      expect(await catalog.latest(series)).toMatchObject({ id: `${series}-551` });
      const { items } = await catalog.list(series, { status: 'published' });
      expect(items.map((i) => i.id)).toEqual([`${series}-551`]);
    });

    it('lists released issues with only the fields asked (a projection), newest first', async () => {
      const series = uniqueName('series');
      const printed = [
        { key: 'z#gdp#2024', value: 1, revision: 1, unit: '亿元', label: 'z', source: 's' },
      ];
      for (const total of [551, 552, 553])
        await cycle.putIssue(
          { ...released(series, total), recordPages: { 'z#gdp#2024': [1] }, dataKey: `d${total}` },
          printed,
        );
      await cycle.withdraw(`${series}-552`, 'wrong figure', 'editor', new Date().toISOString());
      const items = await catalog.listReleased(series, ['total', 'dataKey']);
      expect(items).toEqual([
        { id: `${series}-553`, total: 553, dataKey: 'd553' },
        { id: `${series}-551`, total: 551, dataKey: 'd551' },
      ]);
      expect(await catalog.listReleased(uniqueName('series'), ['total'])).toEqual([]);
    });

    it('lists a series page by page, newest first', async () => {
      const series = uniqueName('series');
      for (const total of [551, 552, 553]) await cycle.putIssue(released(series, total), []);
      const first = await catalog.list(series, { limit: 2 });
      expect(first.items.map((i) => i.total)).toEqual([553, 552]);
      expect(first.cursor).toBeDefined();
      const second = await catalog.list(series, { limit: 2, cursor: first.cursor! });
      expect(second.items.map((i) => i.total)).toEqual([551]);
    });
  });
}
