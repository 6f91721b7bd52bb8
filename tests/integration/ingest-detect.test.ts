/**
 * What ingest detects about a file before it reads a single value, on real dynalite: its text
 * encoding (GBK whose bytes happen to be valid UTF-8), whether a JSON file holds articles
 * (wherever its `body` appears), trailing unnamed CSV columns from spreadsheets; and that a
 * changed article keeps its earlier version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '#errors';
import { decodeInput } from '#core/ingest-parse.ts';
import { ingestFiles, type InputFile } from '../../functions/app/ingest.ts';
import { dumpStores, startTestStores, type TestStores } from '#tests/support/stores.ts';

let stores: TestStores;
beforeAll(async () => {
  stores = await startTestStores();
});
afterAll(async () => {
  await stores?.stop();
});

const HEADER = 'zone,indicator,period,value,unit,yoy,share,source';
const utf8 = (text: string) => new TextEncoder().encode(text);
/** GBK bytes of a text (GB18030 is a superset); TextEncoder only writes UTF-8. */
function gbk(text: string): Uint8Array {
  const table = new Map<string, number[]>();
  const decoder = new TextDecoder('gb18030');
  for (let hi = 0x81; hi <= 0xfe; hi++)
    for (let lo = 0x40; lo <= 0xfe; lo++) {
      if (lo === 0x7f) continue;
      table.set(decoder.decode(new Uint8Array([hi, lo])), [hi, lo]);
    }
  return new Uint8Array(
    [...text].flatMap((ch) => (ch.charCodeAt(0) < 0x80 ? [ch.charCodeAt(0)] : table.get(ch)!)),
  );
}
const ingest = (files: InputFile[], opts: Parameters<typeof ingestFiles>[2] = {}) =>
  ingestFiles(
    { records: stores.services.records, reference: stores.services.reference },
    files,
    opts,
  );

describe('text encoding', () => {
  const SOURCE = 'MIIT 2030 通知 摘要';

  it('reads GBK whose bytes are valid UTF-8 as GBK (MIIT 2030 通知 摘要)', async () => {
    // Prepare: every non-ASCII byte pair of this GBK line is also a valid 2-byte UTF-8 sequence.
    const bytes = gbk(`${HEADER}\nzhongguancun,gdp-growth,2031,5.5,%,,,${SOURCE}\n`);
    expect(new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toContain(
      'MIIT 2030 \u0368\u05aa \u056a\u04aa',
    );

    // Act
    const summary = await ingest([{ name: 'miit-gbk.csv', bytes }]);

    // Assess
    expect(summary.decodedAs).toEqual([{ file: 'miit-gbk.csv', encoding: 'gb18030' }]);
    const [stored] = (await stores.services.records.recordsOfPeriod('2031')).filter(
      (r) => r.indicator === 'gdp-growth',
    );
    expect(stored?.source).toBe(SOURCE);
  });

  it('reads GBK that is not valid UTF-8 as GBK too', async () => {
    const bytes = gbk(`${HEADER}\n中关村,gdp,2032,1.5,万亿元,,,工信部《通知》\n`);
    const summary = await ingest([{ name: 'plain-gbk.csv', bytes }]);
    expect(summary.decodedAs).toEqual([{ file: 'plain-gbk.csv', encoding: 'gb18030' }]);
    const stored = await stores.services.records.recordsOfPeriod('2032');
    expect(stored.map((r) => [r.zone, r.value, r.source])).toEqual([
      ['zhongguancun', 15000, '工信部《通知》'],
    ]);
  });

  it('keeps UTF-8 as UTF-8, Chinese or not, and honours a declared encoding', () => {
    const text = `${HEADER}\nzhongguancun,gdp,2033,1,亿元,,,《统计公报》β系数 ±0.5 °C\n`;
    expect(decodeInput('a.csv', utf8(text))).toEqual({ text, encoding: 'utf-8' });
    expect(decodeInput('b.csv', utf8('zone\nÀ propos\n'))).toMatchObject({ encoding: 'utf-8' });
    const bytes = gbk(`x,${SOURCE}`);
    expect(decodeInput('c.csv', bytes, 'utf-8')).toEqual({
      text: 'x,MIIT 2030 \u0368\u05aa \u056a\u04aa',
      encoding: 'utf-8',
    });
    expect(decodeInput('c.csv', bytes, 'gb18030')).toEqual({
      text: `x,${SOURCE}`,
      encoding: 'gb18030',
    });
  });

  it('refuses a file mixing UTF-8 and GBK lines, naming the first GBK line', async () => {
    const before = await dumpStores(stores.services);
    const bytes = new Uint8Array([
      ...utf8(`${HEADER}\n中关村,gdp,2034,1,亿元,,,来源一\n`),
      ...gbk('中关村,exports,2034,1,亿元,,,来源二\n'),
    ]);
    const error = await ingest([{ name: 'mixed.csv', bytes }]).catch((e: unknown) => e);
    expect((error as ValidationError).problems).toEqual([
      expect.objectContaining({ file: 'mixed.csv', location: '3' }),
    ]);
    expect(await dumpStores(stores.services)).toBe(before);
  });
});

describe('articles files and columns', () => {
  const article = (body: string, extra: object = {}) => ({
    id: 'detect-article',
    series: 'torch-bulletin',
    period: '2031-10',
    section: '研究报告',
    title: '检测文章',
    byline: '测试',
    ...extra,
    body,
  });

  it('takes a JSON file whose `body` appears after its first 4 KB for articles', async () => {
    const json = JSON.stringify(
      [article('正文第一版。', { subtitle: '长'.repeat(5000) })],
      null,
      1,
    );
    expect(json.indexOf('"body"')).toBeGreaterThan(4096);
    const summary = await ingest([{ name: 'late-body.json', bytes: utf8(json) }]);
    expect(summary.articles).toEqual({ created: 1, revised: 0, unchanged: 0 });
    expect(summary.records).toBe(0);
  });

  it('keeps the earlier version of an article that is ingested again, changed', async () => {
    const first = JSON.stringify([article('正文第一版。', { subtitle: '长'.repeat(5000) })]);
    const second = JSON.stringify([article('正文第二版。', { subtitle: '长'.repeat(5000) })]);
    expect((await ingest([{ name: 'a.json', bytes: utf8(first) }])).articles.unchanged).toBe(1);
    expect((await ingest([{ name: 'a.json', bytes: utf8(second) }])).articles.revised).toBe(1);
    const revisions = await stores.services.records.articleRevisions({
      series: 'torch-bulletin',
      period: '2031-10',
      id: 'detect-article',
    });
    expect(revisions.map((r) => [r.revision, r.article.body])).toEqual([
      [1, '正文第一版。'],
      [2, '正文第二版。'],
    ]);
    const current = await stores.services.records.articles('torch-bulletin', '2031-10');
    expect(current.map((a) => a.body)).toEqual(['正文第二版。']);
  });

  it('drops an empty trailing CSV column (a spreadsheet export), refuses a value under it', async () => {
    const ok = `${HEADER},\nzhongguancun,gdp,2035,1,亿元,,,来源,\ntianjin,gdp,2035,2,亿元,,,来源,\n`;
    expect((await ingest([{ name: 'trailing.csv', bytes: utf8(ok) }])).created).toBe(2);

    const before = await dumpStores(stores.services);
    const bad = `${HEADER},,\nzhongguancun,gdp,2036,1,亿元,,,来源,,\ntianjin,gdp,2036,2,亿元,,,来源,,oops\n`;
    const error = await ingest([{ name: 'trailing-bad.csv', bytes: utf8(bad) }]).catch(
      (e: unknown) => e,
    );
    expect((error as ValidationError).problems).toEqual([
      expect.objectContaining({
        file: 'trailing-bad.csv',
        location: '3',
        message: expect.stringMatching(/第 10 列有值，但表头中这一列没有列名/),
      }),
    ]);
    expect(String(error)).not.toMatch(/未知列\s*(（|；|$)/);
    expect(await dumpStores(stores.services)).toBe(before);
  });

  it('names an unnamed column in the middle instead of printing a blank', async () => {
    const text = `zone,indicator,,period,value,unit,source\nzhongguancun,gdp,,2037,1,亿元,来源\n`;
    const error = await ingest([{ name: 'blank-middle.csv', bytes: utf8(text) }]).catch(
      (e: unknown) => e,
    );
    expect(String(error)).toMatch(/未知列 （无列名）/);
  });
});
