/**
 * The fidelity check fails on what the old trace check let through: a wrong denominator, a
 * growth from the wrong base, a rounded record, a wrong rank.
 */
import { describe, expect, it } from 'vitest';
import {
  growthOf,
  RecordIndex,
  refOf,
  shareOf,
  valueFigure,
  type Figure,
} from '../../functions/core/figures.ts';
import { CHINA, type IndicatorRecord } from '../../functions/core/model.ts';
import { derivedAmount } from '../../functions/core/numbers.ts';
import {
  pointGapFigure,
  rankFigure,
  ratioFigure,
  shareOfTotalFigure,
  sumFigure,
} from '../../functions/core/report-parts.ts';
import { referenceData } from '../../functions/app/reference-data.ts';
import { fidelityProblems } from '../support/fidelity.ts';

const ref = referenceData();
const rec = (zone: string, period: string, value: number, extra: Partial<IndicatorRecord> = {}) =>
  ({
    zone,
    indicator: 'gdp',
    period,
    value,
    source: 's',
    revision: 1,
    ...extra,
  }) as IndicatorRecord;

const a24 = rec('kunshan', '2024', 1300);
const a23 = rec('kunshan', '2023', 1200);
const a22 = rec('kunshan', '2022', 1000);
const b24 = rec('nantong', '2024', 1200);
const n24 = rec('national-htz', '2024', 5000);
const all = [a24, a23, a22, b24, n24];
const check = (f: Parameters<typeof fidelityProblems>[0]) => fidelityProblems(f, all, ref).problems;

describe('fidelity check', () => {
  it('passes figures computed by the rules', () => {
    const sum = sumFigure([a24, b24], { unit: '亿元' });
    const share = shareOfTotalFigure(sum, valueFigure(n24, { unit: '亿元' }))!;
    const growth = growthOf(a24, new RecordIndex(all))!;
    const rank = rankFigure(1, [a24, b24], 'kunshan');
    expect(share.text).toBe('50%');
    expect(check([sum, share, growth, rank])).toEqual([]);
  });

  it('fails a share over the wrong denominator', () => {
    const sum = sumFigure([a24, b24], { unit: '亿元' });
    // The region's total over one of its own zones instead of the national aggregate.
    const wrong = shareOfTotalFigure(sum, valueFigure(b24, { unit: '亿元' }))!;
    expect(check([wrong])[0]).toMatch(/wrong denominator/);
    // Right records, wrong value: recomputed, not trusted.
    const right = shareOfTotalFigure(sum, valueFigure(n24, { unit: '亿元' }))!;
    expect(check([{ ...right, text: '49%' }])[0]).toMatch(/recomputed as “50%”/);
  });

  it('fails a growth from the wrong base', () => {
    const growth = growthOf(a24, new RecordIndex(all))!;
    const wrong = { ...growth, refs: [refOf(a24), refOf(a22)], text: '30%', value: 30 };
    expect(check([wrong])[0]).toMatch(/wrong base/);
  });

  it('fails a rounded record and a wrong rank', () => {
    const exact = rec('kunshan', '2024', 13_700, { reportedValue: '1.37', reportedUnit: '万亿元' });
    const f = { ...valueFigure(exact, { unit: '亿元' }), text: '1.4万亿元' };
    expect(fidelityProblems([f], [exact], ref).problems[0]).toMatch(/recomputed as “1\.37万亿元”/);
    expect(check([rankFigure(2, [a24, b24], 'kunshan')])[0]).toMatch(/recomputed as “1”/);
  });

  it('recomputes a figure of every kind it knows: each one printed wrong is one problem', () => {
    // A check that skipped a kind (every sum, planted) passed every other test of the suite.
    const n23 = rec('national-htz', '2023', 4800);
    const c24 = rec(CHINA, '2024', 20_000);
    const records = [...all, n23, c24];
    const index = new RecordIndex(records);
    const amount = derivedAmount(
      [{ record: b24 }, { record: a24, sign: -1 }],
      '亿元',
      'difference',
    );
    const figures: Figure[] = [
      valueFigure(a24, { unit: '亿元' }),
      sumFigure([a24, b24], { unit: '亿元' }),
      shareOfTotalFigure(
        sumFigure([a24, b24], { unit: '亿元' }),
        valueFigure(n24, { unit: '亿元' }),
      )!,
      ratioFigure(valueFigure(a24, { unit: '亿元' }), valueFigure(b24, { unit: '亿元' }))!,
      growthOf(a24, index)!,
      shareOf(a24, index, CHINA)!,
      pointGapFigure(growthOf(a24, index)!, growthOf(n24, index)!),
      {
        text: `${amount.number.replace(/^-/, '')}${amount.unit}`,
        value: amount.value,
        refs: [refOf(a24), refOf(b24)],
        derived: 'amount-difference',
        parts: 1,
      },
      rankFigure(1, [a24, b24], 'kunshan'),
    ];
    const kinds = figures.map((f) => f.derived ?? 'value');
    expect(new Set(kinds).size).toBe(figures.length);
    const result = fidelityProblems(figures, records, ref);
    expect(result).toEqual({ problems: [], compared: figures.length });
    for (const f of figures) {
      // One digit off, as a bug in the arithmetic or the formatting would print it.
      const wrong = { ...f, text: f.text.replace(/\d/, (d) => String((Number(d) + 1) % 10)) };
      expect(wrong.text).not.toBe(f.text);
      expect(fidelityProblems([wrong], records, ref).problems, f.derived ?? 'value').toEqual([
        expect.stringContaining(`“${wrong.text}”`),
      ]);
    }
  });
});
