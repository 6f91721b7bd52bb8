/**
 * Data as it stood, against real dynalite + s3rver through the AWS SDK: a figure revised twice
 * after the seed; `/data/{zone}/{indicator}.csv?asOf=` (fetched from the API app) gives each
 * period as it stood at the date, with the date of its revision and the revisions since.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../../functions/api/app.ts';
import { dataAsOf } from '../../functions/app/data-as-of.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { seedRealData, startTestStores, type TestStores } from '#tests/support/stores.ts';

const SEEDED = new Date('2026-11-20T02:00:00Z');
const FIRST = new Date('2026-12-01T03:30:00Z'); // 2026-12-01 11:30 北京时间
const SECOND = new Date('2026-12-10T01:00:00Z'); // 2026-12-10 09:00 北京时间

describe('data as it stood', () => {
  let stores: TestStores;
  let app: ReturnType<typeof createApiApp>;
  let period = '';
  let original = 0;
  /** The seeded figure as reported (`19.3`, in 万亿元). */
  let reported = '';
  let unit = '';

  async function revise(value: number, source: string, now: Date) {
    const csv = `zone,indicator,period,value,unit,source\nnational-htz,gdp,${period},${value},亿元,${source}\n`;
    await ingestFiles(
      { records: stores.services.records, reference: stores.services.reference },
      [{ name: 'revision.csv', bytes: new TextEncoder().encode(csv) }],
      { now },
    );
  }

  const rowsOf = async (query: string) => {
    const res = await app.request(`/data/national-htz/gdp.csv${query}`);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    return parse(await res.text(), { bom: true, columns: true }) as Record<string, string>[];
  };

  beforeAll(async () => {
    stores = await startTestStores();
    await seedRealData(stores.services, { now: SEEDED });
    const s = stores.services;
    const history = await s.records.history('national-htz', 'gdp');
    const latest = history.at(-1)!;
    period = latest.period;
    original = latest.value;
    reported = latest.reportedValue ?? String(latest.value);
    unit = latest.reportedUnit ?? '亿元';
    await revise(original + 100, '第一次修订（测试）', FIRST);
    await revise(original + 150, '第二次修订（测试）', SECOND);
    app = createApiApp({
      catalog: s.catalog,
      archive: s.archive,
      records: s.records,
      subscribers: s.subscribers,
      notifier: s.notifier,
      reference: s.reference,
      config: s.config,
      now: () => new Date('2026-12-20T00:00:00Z'),
      authenticate: async () => undefined,
      async requestReport() {
        throw new Error('not used here');
      },
    });
  }, 120_000);

  afterAll(async () => {
    await stores?.stop();
  });

  it('gives each period as it stood at a date, with its revision date and the revisions since', async () => {
    // Before the first revision: the seeded figure, both revisions listed after it.
    const before = await rowsOf('?asOf=2026-11-30');
    const row = before.find((r) => r['期别'] === period)!;
    expect(row['数值']).toBe(reported);
    expect(row['单位']).toBe(unit);
    expect(row['修订版本']).toBe('1');
    expect(row['修订日期']).toBe('2026-11-20 10:00 北京时间');
    expect(row['此后修订']).toBe(
      `第2版 2026-12-01 11:30 北京时间：${original + 100}亿元（第一次修订（测试））；第3版 2026-12-10 09:00 北京时间：${original + 150}亿元（第二次修订（测试））`,
    );
    // The day of the first revision counts it (the whole Beijing day).
    const first = (await rowsOf('?asOf=2026-12-01')).find((r) => r['期别'] === period)!;
    expect(first).toMatchObject({
      数值: String(original + 100),
      修订版本: '2',
      修订日期: '2026-12-01 11:30 北京时间',
      来源: '第一次修订（测试）',
    });
    expect(first['此后修订']).toMatch(/^第3版 2026-12-10 09:00 北京时间/);
    // An instant with its offset, just before the first revision.
    const instant = await rowsOf(`?asOf=${encodeURIComponent('2026-12-01T11:29+08:00')}`);
    expect(instant.find((r) => r['期别'] === period)!['修订版本']).toBe('1');
    // No asOf: now.
    const now = (await rowsOf('')).find((r) => r['期别'] === period)!;
    expect(now).toMatchObject({ 数值: String(original + 150), 修订版本: '3', 此后修订: '' });
    // Every period reported by then, oldest first; none before the seed.
    expect(before.map((r) => r['期别'])).toEqual([...before.map((r) => r['期别']!)].sort());
    expect(before.length).toBeGreaterThan(1);
    expect(await rowsOf('?asOf=2026-11-19')).toEqual([]);
  });

  it('refuses a malformed date, an unknown zone or indicator, and other parameters', async () => {
    const cases: [string, number, RegExp][] = [
      ['/data/national-htz/gdp.csv?asOf=2026-13-01', 400, /不是日期/],
      ['/data/national-htz/gdp.csv?asOf=2026-12-01T09:30', 400, /带时区/],
      ['/data/national-htz/gdp.csv?as_of=2026-12-01', 400, /as_of/],
      ['/data/no-such-zone/gdp.csv', 404, /没有园区/],
      ['/data/national-htz/no-such.csv', 404, /没有指标/],
      ['/data/national-htz/gdp.json', 400, /indicator/],
    ];
    for (const [path, status, message] of cases) {
      const res = await app.request(path);
      expect(res.status, path).toBe(status);
      expect(await res.text(), path).toMatch(message);
    }
  });

  it('the use case the CLI calls gives the same rows', async () => {
    const data = await dataAsOf(
      {
        records: stores.services.records,
        reference: stores.services.reference,
        timeZone: 'Asia/Shanghai',
      },
      { zone: 'national-htz', indicator: 'gdp', asOf: new Date('2026-12-01T15:59:59.999Z') },
    );
    const http = await rowsOf('?asOf=2026-12-01');
    expect(data.rows.map((r) => r[4])).toEqual(http.map((r) => r['期别']));
    expect(data.rows.find((r) => r[4] === period)![11]).toBe('2');
  });
});
