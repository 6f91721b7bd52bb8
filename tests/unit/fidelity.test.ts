/**
 * The fidelity check fails on what the old trace check let through: a wrong denominator, a
 * growth from the wrong base, a rounded record, a wrong rank.
 */
import { describe, expect, it } from 'vitest';
import { growthOf, RecordIndex, refOf, valueFigure } from '../../functions/core/figures.ts';
import type { IndicatorRecord } from '../../functions/core/model.ts';
import { rankFigure, shareOfTotalFigure, sumFigure } from '../../functions/core/report-parts.ts';
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
});
