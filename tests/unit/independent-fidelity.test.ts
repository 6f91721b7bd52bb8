/**
 * The independent fidelity check (issue 26, b): the four kinds composed from the repository's
 * data print what tests/support/expected-figures.ts says, written by hand from the records; the
 * check counts what it holds per category, and fails when it is fed a wrong sum, a swapped gap
 * or a misplaced qualifier.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Figure } from '../../functions/core/figures.ts';
import type { IndicatorRecord } from '../../functions/core/model.ts';
import { valueFigure } from '../../functions/core/figures.ts';
import { sumFigure } from '../../functions/core/report-parts.ts';
import { referenceData } from '../../functions/app/reference-data.ts';
import { reportKind } from '../../functions/reports/registry.ts';
import {
  countsOf,
  EXPECTED,
  expectedProblems,
  MINIMUM,
  type Kind,
} from '../support/expected-figures.ts';
import { recordsIn } from '../support/records-in.ts';
import { readRecords, repoRecordFiles, syntheticZonesFile } from '../support/trace.ts';

type Views = Record<Kind, { trace: Figure[]; text: string }>;

describe('the independent fidelity check', () => {
  const views = {} as Views;

  beforeAll(async () => {
    const ref = referenceData();
    const records = [
      ...(await readRecords(ref, repoRecordFiles)),
      ...(await readRecords(ref, [syntheticZonesFile])),
    ];
    const ctx = { records: recordsIn(records), reference: ref, timeZone: 'Asia/Shanghai' };
    const requests: [Kind, Record<string, string>][] = [
      ['torch-bulletin', { period: '2024' }],
      ['indicator-flash', {}],
      ['zone-profile', { zone: 'wuhan-donghu' }],
      ['regional-report', { region: '长三角' }],
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
      views[id] = { trace: view.trace, text: JSON.stringify(view.sections) };
    }
  });

  it('holds at least 60 figures written by hand, and the minimum of each category', () => {
    const counts = countsOf();
    console.log(`independent fidelity: ${EXPECTED.length} figures, ${JSON.stringify(counts)}`);
    expect(EXPECTED.length).toBeGreaterThanOrEqual(60);
    for (const [category, minimum] of Object.entries(MINIMUM))
      expect(counts[category as keyof typeof counts], category).toBeGreaterThanOrEqual(minimum);
    const kinds = new Set(EXPECTED.map((e) => e.kind));
    expect(kinds.size).toBe(4);
  });

  it('the four kinds print every expected figure exactly', () => {
    expect(expectedProblems(views)).toEqual([]);
  });

  /** The views with one printed text replaced (as a bug in the formatting would). */
  const withText = (kind: Kind, from: string, to: string): Views => ({
    ...views,
    [kind]: {
      text: views[kind].text.split(from).join(to),
      trace: views[kind].trace.map((f) => (f.text === from ? { ...f, text: to } : f)),
    },
  });

  it('fails a wrong sum', () => {
    expect(expectedProblems(withText('regional-report', '1.5316万亿元', '1.5315万亿元'))).toEqual([
      expect.stringMatching(
        /sum of 8 records .* should print “1\.5316万亿元”, printed “1\.5315万亿元”/,
      ),
    ]);
  });

  it('fails a gap the wrong way round (高/低, 领先/落后)', () => {
    expect(expectedProblems(withText('zone-profile', '低2.5个百分点', '高2.5个百分点'))).toEqual([
      expect.stringMatching(/should print “低2\.5个百分点”, printed “高2\.5个百分点”/),
    ]);
    expect(expectedProblems(withText('regional-report', '落后117.6亿元', '领先117.6亿元'))).toEqual(
      ['regional-report: “落后117.6亿元” is not printed'],
    );
  });

  it('fails a misplaced or missing qualifier', () => {
    expect(
      expectedProblems(withText('indicator-flash', '约2.4万亿元', '2.4多万亿元')),
    ).toHaveLength(1);
    expect(
      expectedProblems(withText('indicator-flash', '突破19.3万亿元', '19.3万亿元')),
    ).toHaveLength(1);
  });

  it('an exact 1万亿元 prints as 1万亿元, not 10000亿元', () => {
    const rec = (zone: string, value: number) =>
      ({
        zone,
        indicator: 'gdp',
        period: '2030',
        value,
        source: 's',
        revision: 1,
      }) as IndicatorRecord;
    const sum = sumFigure([rec('nanjing', 6000), rec('hefei', 4000)], { unit: '亿元' });
    const expected = [
      {
        kind: 'regional-report' as const,
        category: 'sum' as const,
        refs: ['nanjing/gdp/2030', 'hefei/gdp/2030'],
        text: '1万亿元',
      },
    ];
    const one = { ...views, 'regional-report': { trace: [sum], text: '' } };
    expect(expectedProblems(one, expected)).toEqual([]);
    const wrong = {
      ...views,
      'regional-report': { trace: [{ ...sum, text: '10000亿元' }], text: '' },
    };
    expect(expectedProblems(wrong, expected)).toHaveLength(1);
  });

  it('a qualifier inside a 万 or 亿 unit stands after the first character of the unit', () => {
    // Hand-written: 1.5 + 多 + 亿元 reads 1.5亿多元; 3.5 + 余 + 万家 reads 3.5万余家; 50 + 多 + 亿元 reads 50多亿元.
    const cases: [number, string, string, string, string, string][] = [
      [1.5, '1.5', '亿元', '多', 'gdp', '1.5亿多元'],
      [3.5, '3.5', '万家', '余', 'high-tech-enterprises', '3.5万余家'],
      [50, '50', '亿元', '多', 'gdp', '50多亿元'],
    ];
    for (const [value, reported, unit, qualifier, indicator, text] of cases) {
      const record = {
        zone: 'nanjing',
        indicator,
        period: '2030',
        value,
        reportedValue: reported,
        reportedUnit: unit,
        qualifier,
        source: 's',
        revision: 1,
      } as IndicatorRecord;
      const printed = valueFigure(record, { unit: unit === '万家' ? '家' : '亿元' });
      const expected = [
        {
          kind: 'zone-profile' as const,
          category: 'value' as const,
          refs: [`nanjing/${indicator}/2030`],
          text,
        },
      ];
      expect(
        expectedProblems({ ...views, 'zone-profile': { trace: [printed], text: '' } }, expected),
        text,
      ).toEqual([]);
    }
  });
});
