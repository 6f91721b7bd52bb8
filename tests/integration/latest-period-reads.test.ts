/**
 * Issue 26.c: the latest period of a (zone, indicator), and of the whole dataset, is one bounded Query — counted by the items
 * DynamoDB read for it, not only by the commands sent (an unbounded Query, no `Limit`, passed a
 * check of command types). Through the real SDK against dynalite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { startTestStores, type TestStores } from '#tests/support/stores.ts';

describe('latest period of a series', () => {
  let stores: TestStores;
  /** Items the Queries returned and scanned, summed from their answers. */
  const read = { queries: 0, items: 0, scanned: 0 };

  beforeAll(async () => {
    stores = await startTestStores();
    const lines = ['zone,indicator,period,value,unit,yoy,share,source'];
    for (let year = 2001; year <= 2005; year++) {
      // 20 annual periods too (1986–2005): the dataset's latest year is read the same way.
      for (const y of [year - 15, year - 10, year - 5, year])
        lines.push(`kunshan,operating-revenue,${y},${y - 1900},亿元,,,测试来源（年度）`);
      for (let month = 1; month <= 12; month++)
        lines.push(
          `kunshan,gdp,${year}-${String(month).padStart(2, '0')},${year - 1900}.${month},亿元,,,测试来源（月度）`,
        );
    }
    await ingestFiles({ records: stores.services.records, reference: stores.services.reference }, [
      { name: 'monthly.csv', bytes: new TextEncoder().encode(`${lines.join('\n')}\n`) },
    ]);
    (
      stores.services.clients.documents.middlewareStack as unknown as {
        add(m: unknown, o: unknown): void;
      }
    ).add(
      (next: (a: unknown) => Promise<{ output?: { Count?: number; ScannedCount?: number } }>) =>
        async (args: { input: unknown }) => {
          const out = await next(args);
          if (out.output?.ScannedCount !== undefined) {
            read.queries += 1;
            read.items += out.output.Count ?? 0;
            read.scanned += out.output.ScannedCount;
          }
          return out;
        },
      { step: 'initialize', name: 'countItemsRead' },
    );
  });
  afterAll(() => stores?.stop());

  it('reads one item of a 60-month series to find its latest month', async () => {
    Object.assign(read, { queries: 0, items: 0, scanned: 0 });
    const latest = await stores.services.records.latestPeriodOf('kunshan', 'gdp');
    expect(latest).toBe('2005-12');
    expect(read.queries).toBe(1);
    expect(read.scanned).toBeLessThanOrEqual(1);
    expect(read.items).toBeLessThanOrEqual(1);
  });

  it("reads one item to find the dataset's latest year and month (the all-zones run asks)", async () => {
    Object.assign(read, { queries: 0, items: 0, scanned: 0 });
    expect(await stores.services.records.latestPeriod('annual')).toBe('2005');
    expect(await stores.services.records.latestPeriod('monthly')).toBe('2005-12');
    // A planted Query without its Limit read all 20 years and 60 months and passed every test.
    expect(read.queries).toBe(2);
    expect(read.scanned).toBeLessThanOrEqual(2);
    expect(read.items).toBeLessThanOrEqual(2);
  });
});
