/**
 * The bad-input corpus (tests/fixtures/bad-input/, plus a few inputs too big to commit that
 * are generated here): every batch is refused by the real ingest against dynalite with a
 * problem naming the file, the line or JSON path and the field, and the stores hold exactly
 * the same bytes afterwards.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError, type InputProblem } from '#errors';
import { MAX_FIELD_CHARS, MAX_FILE_BYTES, MAX_PROBLEMS } from '#core/ingest-parse.ts';
import { ingestFiles, type InputFile } from '../../functions/app/ingest.ts';
import { referenceData } from '../../functions/app/reference-data.ts';
import { englishLines } from '#tests/support/english-lines.ts';
import { dumpStores, startTestStores, type TestStores } from '#tests/support/stores.ts';

const corpus = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'bad-input');
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HEADER = 'zone,indicator,period,value,unit,yoy,share,source';
const SOURCE = '测试来源（工信部发布会）';

interface Expected {
  file: string;
  location: string;
  field?: string;
  message: RegExp;
}

interface BadCase {
  name: string;
  /** Corpus file names, or generated files. */
  files: (string | InputFile)[];
  expect: Expected[];
}

const one = (file: string, location: string, field: string | undefined, message: RegExp) => ({
  name: file,
  files: [file],
  expect: [{ file, location, ...(field ? { field } : {}), message }],
});

const utf8 = (text: string) => new TextEncoder().encode(text);

const CASES: BadCase[] = [
  // Encodings
  one('gbk-encoded.csv', '3', undefined, /不是有效的 UTF-8 编码（Excel 存的 GBK/),
  one('utf16le-bom.csv', '1', undefined, /UTF-16 编码（有 BOM）/),
  one('utf16be-bom.csv', '1', undefined, /UTF-16 编码（有 BOM）/),
  one('excel-renamed.csv', '1', undefined, /ZIP 压缩包（Excel 的 \.xlsx？）/),
  // CSV structure
  one('unclosed-quote.csv', '3', 'value', /本行开始的带引号字段没有闭合的引号/),
  one('quote-inside-field.csv', '3', 'source', /CSV 语法错误：字段中间出现引号/),
  one('extra-field.csv', '3', undefined, /有 9 个字段，应为 8 个/),
  one('missing-column.csv', '1', undefined, /表头（header）：缺少列 source/),
  one('unknown-header.csv', '1', undefined, /缺少列 zone；未知列 园区/),
  one('duplicate-header.csv', '1', undefined, /重复列 value/),
  one('no-header.csv', '1', undefined, /未知列 national-htz, gdp/),
  one('semicolon-delimited.csv', '1', undefined, /各列以分号（;）分隔：CSV 须以逗号分隔/),
  one('header-only.csv', '2', undefined, /表头之后没有数据行/),
  one('empty.csv', '1', undefined, /文件是空的/),
  one('blank-lines.csv', '1', undefined, /文件是空的/),
  // Reference data
  one('unknown-zone.csv', '3', 'zone', /未知的园区 "火星高新区"/),
  one('empty-zone.csv', '2', 'zone', /为空/),
  one('unknown-indicator.csv', '3', 'indicator', /未知的指标 "幸福指数"/),
  one('unknown-unit.csv', '2', 'unit', /未知的单位 "万亿美元"/),
  one('unit-does-not-fit.csv', '2', 'unit', /"家" 不适用于指标 gdp（其单位为 亿元）/),
  one('conflicting-units.csv', '4', 'unit', /"%" 不适用于指标 gdp/),
  // Periods
  one('period-month-13.csv', '2', 'period', /"2024-13" 不是数据期/),
  one('period-quarter-5.csv', '2', 'period', /"2024-Q5" 不是数据期/),
  one('period-two-digits.csv', '2', 'period', /"24" 不是数据期/),
  one('period-month-00.csv', '2', 'period', /"2024-00" 不是数据期/),
  one('period-chinese.csv', '2', 'period', /"2024年" 不是数据期/),
  // Values
  one('negative-count.csv', '2', 'value', /计数（家）不能为负/),
  one('nan-value.csv', '2', 'value', /"NaN" 不是数字/),
  one('infinity-value.csv', '2', 'value', /"Infinity" 不是数字/),
  one('overflow-value.csv', '2', 'value', /"1e400" 不是数字/),
  one('empty-value.csv', '2', 'value', /为空（缺失的数字整行略去/),
  one('thousands-separator.csv', '2', 'value', /"8,921.9" 不是数字/),
  one('fullwidth-digits.csv', '2', 'value', /"１９.３" 不是数字/),
  one('share-over-100.csv', '2', 'share', /143% 不是占比/),
  one('share-indicator-over-100.csv', '2', 'value', /140% 不是占比.*fdi-share-of-national/),
  one('negative-share.csv', '2', 'value', /-3% 不是占比/),
  one('yoy-not-number.csv', '2', 'yoy', /"约7.6" 不是数字/),
  one('yoy-below-minus-100.csv', '2', 'yoy', /-130% 超出范围/),
  one('missing-source.csv', '2', 'source', /须注明来源/),
  // Duplicates
  one('duplicate-in-file.csv', '4', 'zone', /与第 2 行重复（national-htz, gdp, 2024）/),
  {
    name: 'the same key in two files of one batch',
    files: ['batch-part-a.csv', 'batch-part-b.csv'],
    expect: [
      {
        file: 'batch-part-b.csv',
        location: '3',
        field: 'zone',
        message: /与本批文件 batch-part-a.csv 第 2 行重复/,
      },
    ],
  },
  {
    name: 'a good file and a bad file in one batch',
    files: [
      {
        name: 'good-new-figures.csv',
        bytes: utf8(`${HEADER}\nzhongguancun,gdp,2031,9.9,万亿元,,,${SOURCE}\n`),
      },
      'unknown-zone.csv',
    ],
    expect: [{ file: 'unknown-zone.csv', location: '3', field: 'zone', message: /未知的园区/ }],
  },
  // JSON of the wrong shape
  one('object-not-array.json', '$', undefined, /应为由记录组成的 JSON 数组/),
  one('nested-arrays.json', '$[0]', undefined, /应为对象（object），实为数组/),
  one('null-item.json', '$[1]', undefined, /应为对象（object），实为 null/),
  one('empty-array.json', '$', undefined, /数组是空的/),
  one('syntax-error.json', '2', undefined, /JSON 语法错误：第 80 列附近/),
  one('unknown-field.json', '$[0].comment', 'comment', /未知字段/),
  one('string-value-nan.json', '$[0].value', 'value', /"NaN" 不是数字/),
  {
    name: 'wrong-types.json',
    files: ['wrong-types.json'],
    expect: [
      { file: 'wrong-types.json', location: '$[1].value', field: 'value', message: /实为布尔值/ },
      { file: 'wrong-types.json', location: '$[1].unit', field: 'unit', message: /实为数组/ },
    ],
  },
  // Articles
  one('article-missing-byline.json', '$[1].byline', 'byline', /期望 string/),
  one('article-duplicate-id.json', '$[1].id', 'id', /文章 id hostile-free 重复/),
  one('article-bad-id.json', '$[0].id', 'id', /只可用小写字母、数字和 -/),
  one('article-title-too-long.json', '$[0].title', 'title', /<=120 字符/),
  one('article-body-wrong-type.json', '$[0].body', 'body', /期望 string，实际接收 object/),
  one('articles-object-not-array.json', '$', undefined, /期望 数组，实际接收 object/),
  // Round 3 (issue 26): control characters, numbers past what the store holds, lone CR, typos
  {
    name: 'a control character in a source',
    files: [
      {
        name: 'control-source.csv',
        bytes: utf8(`${HEADER}\nnational-htz,gdp,2024,19.3,万亿元,,,测试\u0001来源\n`),
      },
    ],
    expect: [
      {
        file: 'control-source.csv',
        location: '2',
        field: 'source',
        message: /控制字符 U\+0001（第 3 个字符）/,
      },
    ],
  },
  {
    name: 'a control character and a non-character in an article',
    files: [
      {
        name: 'control-article.json',
        bytes: utf8(
          JSON.stringify([
            {
              id: 'control-title',
              series: 'torch-bulletin',
              period: '2024',
              section: '工作动态',
              title: '标题\u0001',
              byline: '本刊编辑部',
              body: '正文\uFFFE。',
            },
          ]),
        ),
      },
    ],
    expect: [
      {
        file: 'control-article.json',
        location: '$[0].title',
        field: 'title',
        message: /控制字符 U\+0001/,
      },
      {
        file: 'control-article.json',
        location: '$[0].body',
        field: 'body',
        message: /控制字符 U\+FFFE/,
      },
    ],
  },
  {
    name: 'a value with more digits than a double keeps (9007199254740993亿元)',
    files: [
      {
        name: 'past-2-53.csv',
        bytes: utf8(`${HEADER}\nnational-htz,gdp,2024,9007199254740993,亿元,,,${SOURCE}\n`),
      },
    ],
    expect: [{ file: 'past-2-53.csv', location: '2', field: 'value', message: /16 位有效数字/ }],
  },
  {
    name: 'a value past what the store can hold (1e16亿元)',
    files: [
      {
        name: 'past-store.csv',
        bytes: utf8(`${HEADER}\nnational-htz,gdp,2024,10000000000000000,亿元,,,${SOURCE}\n`),
      },
    ],
    expect: [
      {
        file: 'past-store.csv',
        location: '2',
        field: 'value',
        message: /超出存储能精确保存的范围/,
      },
    ],
  },
  {
    name: 'lone-CR line endings',
    files: [
      {
        name: 'lone-cr.csv',
        bytes: utf8(`${HEADER}\rnational-htz,gdp,2024,19.3,万亿元,,,${SOURCE}\r`),
      },
    ],
    expect: [{ file: 'lone-cr.csv', location: '1', message: /行尾只有 CR（回车/ }],
  },
  {
    name: 'a zone name with a typo gets a suggestion',
    files: [
      {
        name: 'zone-typo.csv',
        bytes: utf8(`${HEADER}\n中关材科技园区,gdp,2024,9.9,万亿元,,,${SOURCE}\n`),
      },
    ],
    expect: [
      {
        file: 'zone-typo.csv',
        location: '2',
        field: 'zone',
        message: /未知的园区 "中关材科技园区".*是否要找 中关村科技园区 \(zhongguancun\)/,
      },
    ],
  },
  // Too big to commit: generated here
  {
    name: 'a file over the size limit',
    files: [{ name: 'huge.csv', bytes: new Uint8Array(MAX_FILE_BYTES + 1).fill(0x61) }],
    expect: [
      {
        file: 'huge.csv',
        location: '1',
        message: new RegExp(`文件超过 ${MAX_FILE_BYTES} 字节的上限`),
      },
    ],
  },
  {
    // 200 k rows: `problems.push(...out.problems)` overflowed the call stack here (issue 26.3).
    name: 'a long file with one bad row at its end',
    files: [{ name: 'long.csv', bytes: utf8(longFile(200_000)) }],
    expect: [{ file: 'long.csv', location: '200002', field: 'period', message: /"2024-13"/ }],
  },
  {
    name: 'a long file with a bad row on every line: the first problems, and how many more',
    files: [{ name: 'all-bad.csv', bytes: utf8(longFile(50_000).replace(/,gdp,/g, ',幸福指数,')) }],
    expect: [{ file: 'all-bad.csv', location: '2', field: 'indicator', message: /未知的指标/ }],
  },
  {
    name: 'a field over the length limit',
    files: [
      {
        name: 'long-source.csv',
        bytes: utf8(
          `${HEADER}\nnational-htz,gdp,2024,19.3,万亿元,,,${'源'.repeat(MAX_FIELD_CHARS + 1)}\n`,
        ),
      },
    ],
    expect: [
      {
        file: 'long-source.csv',
        location: '2',
        field: 'source',
        message: /字段有 2001 个字符，上限为 2000/,
      },
    ],
  },
  {
    name: 'a row over the record size limit',
    files: [
      {
        name: 'huge-row.csv',
        bytes: utf8(`${HEADER}\nnational-htz,gdp,2024,19.3,万亿元,,,"${'x'.repeat(40_000)}"\n`),
      },
    ],
    expect: [
      {
        file: 'huge-row.csv',
        location: '2',
        field: 'source',
        message: /CSV 语法错误：一行超过 32000 个字符的上限/,
      },
    ],
  },
];

/** `rows` good rows (distinct keys) and then one row with an impossible period. */
function longFile(rows: number): string {
  // Distinct keys: the 25 zones × months from 1950 on (40 000 rows reach 2083).
  const zones = referenceData()
    .zones.filter((z) => z.level !== 'aggregate')
    .map((z) => z.id);
  // Distinct keys: zones × months from 1950 × indicators measured in 亿元.
  const indicators = [
    'gdp',
    'operating-revenue',
    'budget-revenue',
    'tax-revenue',
    'exports',
    'industrial-output',
  ];
  const lines = [HEADER];
  for (let i = 0; i < rows; i++) {
    const zone = zones[i % zones.length];
    const month = Math.floor(i / zones.length) % (12 * 150);
    const indicator = indicators[Math.floor(i / zones.length / (12 * 150))];
    const period = `${1950 + Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`;
    lines.push(`${zone},${indicator},${period},${(i % 997) + 0.5},亿元,,,${SOURCE}`);
  }
  lines.push(`zhongguancun,gdp,2024-13,1,亿元,,,${SOURCE}`);
  return `${lines.join('\n')}\n`;
}

describe('bad input is refused with its place named, and nothing is stored', () => {
  let stores: TestStores;
  let before: string;
  const ingest = (files: InputFile[]) =>
    ingestFiles({ records: stores.services.records, reference: stores.services.reference }, files);

  beforeAll(async () => {
    stores = await startTestStores();
    // Something already stored that a half-written batch would disturb.
    const seed = ['data/records/national-2024.csv', 'data/articles.json'];
    await ingest(
      await Promise.all(
        seed.map(async (name) => ({
          name,
          bytes: new Uint8Array(await readFile(join(repo, name))),
        })),
      ),
    );
    before = await dumpStores(stores.services);
  });

  afterAll(async () => {
    await stores?.stop();
  });

  it('has a corpus of at least 30 kinds of bad input', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    expect(before).toContain('P#2024');
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, badCase) => {
    // Prepare
    const files = await Promise.all(
      badCase.files.map(async (f) =>
        typeof f === 'string'
          ? { name: f, bytes: new Uint8Array(await readFile(join(corpus, f))) }
          : f,
      ),
    );

    // Act
    const error = await ingest(files).catch((e: unknown) => e);

    // Assess: the error names the place …
    expect(error).toBeInstanceOf(ValidationError);
    const { problems, message } = error as ValidationError;
    for (const want of badCase.expect) {
      const match = problems.find(
        (p: InputProblem) =>
          p.file === want.file &&
          p.location === want.location &&
          p.field === want.field &&
          want.message.test(p.message),
      );
      expect(match, `${JSON.stringify(want)} in ${JSON.stringify(problems)}`).toBeDefined();
      const where = /^\d+$/.test(want.location)
        ? ` 第 ${want.location} 行`
        : ` 位置 ${want.location}`;
      expect(message).toContain(
        `文件 ${want.file}${where}${want.field ? ` 字段 ${want.field}` : ''}：`,
      );
    }
    expect(message).toContain('未存入任何内容');
    // Every line of it reads as Chinese (issue 23 item 4).
    expect(englishLines(message)).toEqual([]);
    // … and the stores hold the same bytes as before.
    expect(await dumpStores(stores.services)).toBe(before);
  });

  it('a file with a bad row on every line gives its first 200 problems and stops there', async () => {
    const file = {
      name: 'all-bad.csv',
      bytes: utf8(longFile(50_000).replace(/,gdp,/g, ',幸福指数,')),
    };
    const error = (await ingest([file]).catch((e: unknown) => e)) as ValidationError;
    expect(error.problems).toHaveLength(MAX_PROBLEMS + 1);
    expect(error.problems[0]).toMatchObject({ location: '2', field: 'indicator' });
    expect(error.problems.at(-1)).toMatchObject({
      location: String(MAX_PROBLEMS + 1),
      message: expect.stringMatching(/前 200 个问题之后停止检查/),
    });
  });

  it('a valid file of 200 k rows reaches the store whole (no `push(...big)` overflow)', async () => {
    let handed = 0;
    const records = {
      ...stores.services.records,
      writeBatch: async (batch: { records: AsyncIterable<readonly unknown[]> }) => {
        for await (const chunk of batch.records) handed += chunk.length;
        throw new Error('not written in this test');
      },
    } as typeof stores.services.records;
    const good = longFile(200_000).replace(/\n[^\n]*2024-13[^\n]*\n$/, '\n');
    const error = await ingestFiles({ records, reference: stores.services.reference }, [
      { name: 'long-good.csv', bytes: utf8(good) },
    ]).catch((e: unknown) => e);
    expect((error as Error).message).toBe('not written in this test');
    expect(handed).toBe(200_000);
  });

  it('still ingests a good batch afterwards (the checks above can see a write)', async () => {
    const summary = await ingest([
      {
        name: 'good.csv',
        bytes: utf8(`${HEADER}\nzhongguancun,gdp,2031,9.9,万亿元,,,${SOURCE}\n`),
      },
    ]);
    expect(summary.created).toBe(1);
    expect(await dumpStores(stores.services)).not.toBe(before);
  });
});
