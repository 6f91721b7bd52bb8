import { describe, expect, it } from 'vitest';
import { growthOf, growthProse, RecordIndex, valueFigure } from '../../functions/core/figures.ts';
import type { IndicatorRecord } from '../../functions/core/model.ts';
import {
  derivedAmount,
  derivedRate,
  parseValueText,
  qualify,
  recordValueText,
} from '../../functions/core/numbers.ts';
import { sumFigure } from '../../functions/core/report-parts.ts';
import {
  fromBaseUnit,
  shiftDecimal,
  toBaseUnit,
  unitExponent,
} from '../../functions/core/units.ts';

/** A record as the ingest stores it from a value cell such as `超过6.3万户`. */
function reported(cell: string, base: string, extra: Partial<IndicatorRecord> = {}) {
  const v = parseValueText(cell)!;
  const unit = v.unit!;
  const value = toBaseUnit(v.number, unit, base)!;
  const r: IndicatorRecord = {
    zone: 'z',
    indicator: 'i',
    period: '2024',
    value,
    reportedValue: v.number,
    reportedUnit: unit,
    source: 's',
    revision: 1,
    ...extra,
  };
  if (v.qualifier) r.qualifier = v.qualifier;
  return r;
}

describe('precision as reported', () => {
  it.each([
    ['1.37万亿元', '亿元', 13_700],
    ['1.12万亿元', '亿元', 11_200],
    ['2.05万亿元', '亿元', 20_500],
    ['8921.9亿元', '亿元', 8921.9],
    ['19.3万亿元', '亿元', 193_000],
    ['0.05%', '%', 0.05],
    ['6.3万户', '户', 63_000],
    ['1.86万件', '件', 18_600],
    ['3.1万家', '家', 31_000],
    ['1.2万项', '项', 12_000],
    ['12000项', '项', 12_000],
    ['2.00万亿元', '亿元', 20_000],
    ['0.403吨标准煤/万元', '吨标准煤/万元', 0.403],
    ['1.21亿美元', '亿美元', 1.21],
  ])('%s is stored as %s %s and prints exactly as reported', (cell, base, value) => {
    const r = reported(cell, base);
    expect(r.value).toBe(value);
    expect(recordValueText(r, { unit: base })).toBe(cell);
  });

  it('prints a record stored before the reported form existed at its stored value, exactly', () => {
    const old = { zone: 'z', indicator: 'i', period: '2024', source: 's', revision: 1 };
    expect(recordValueText({ ...old, value: 13_700 }, { unit: '亿元' })).toBe('1.37万亿元');
    expect(recordValueText({ ...old, value: 8921.9 }, { unit: '亿元' })).toBe('8921.9亿元');
    expect(recordValueText({ ...old, value: 12_000 }, { unit: '项' })).toBe('12000项');
    expect(recordValueText({ ...old, value: 0.05 }, { unit: '%' })).toBe('0.05%');
  });

  it('round-trips values exactly (no 12-significant-digit rounding on store)', () => {
    expect(toBaseUnit('1234567.891234567', '万亿元', '亿元')).toBe(12_345_678_912.34567);
    expect(toBaseUnit(1.37, '万亿元', '亿元')).toBe(13_700);
    expect(toBaseUnit('0.000123456789012345', '亿元', '亿元')).toBe(0.000123456789012345);
    expect(fromBaseUnit(13_700, '亿元', '万亿元')).toBe('1.37');
    expect(fromBaseUnit(63_000, '户', '万户')).toBe('6.3');
    expect(fromBaseUnit(0.5, '亿元', '万元')).toBe('5000');
  });
});

describe('units', () => {
  it('converts both ways by powers of ten', () => {
    expect(toBaseUnit(5000, '万元', '亿元')).toBe(0.5);
    expect(toBaseUnit(3.5, '万家', '家')).toBe(35_000);
    expect(toBaseUnit(12, '人', '万人')).toBe(0.0012);
    expect(toBaseUnit(7, '万人', '人')).toBe(70_000);
    expect(toBaseUnit(2.5, '万人次', '人次')).toBe(25_000);
    expect(fromBaseUnit(0.0012, '万人', '人')).toBe('12');
    expect(shiftDecimal('1.37', 4)).toBe('13700');
    expect(shiftDecimal('-0.5', -2)).toBe('-0.005');
  });

  it('keeps every count unit its own unit', () => {
    for (const u of ['户', '家', '个', '项', '件', '人', '人次', '台套'])
      expect(unitExponent(`万${u}`, u)).toBe(4);
    expect(toBaseUnit(1, '户', '个')).toBeUndefined();
    expect(toBaseUnit(1, '家', '个')).toBeUndefined();
    expect(toBaseUnit(1, '件', '亿元')).toBeUndefined();
    expect(toBaseUnit(1, '亿美元', '亿元')).toBeUndefined();
  });
});

describe('qualifiers', () => {
  it.each([
    ['超过6.3万户', { qualifier: '超过', number: '6.3', unit: '万户' }],
    ['约1.2万亿元', { qualifier: '约', number: '1.2', unit: '万亿元' }],
    ['近1000项', { qualifier: '近', number: '1000', unit: '项' }],
    ['突破19.3万亿元', { qualifier: '突破', number: '19.3', unit: '万亿元' }],
    ['3900余家', { qualifier: '余', number: '3900', unit: '家' }],
    ['50多亿元', { qualifier: '多', number: '50', unit: '亿元' }],
    ['80%以上', { qualifier: '以上', number: '80', unit: '%' }],
    ['3.5万余家', { qualifier: '余', number: '3.5', unit: '万家' }],
    ['19.30', { number: '19.30' }],
  ])('parses %s', (cell, expected) => {
    expect(parseValueText(cell)).toEqual(expected);
  });

  it('refuses what is not a qualified number', () => {
    for (const bad of ['1,234', 'n/a', '约超过5', '', '5 5', '约'])
      expect(parseValueText(bad)).toBeUndefined();
  });

  it('prints each qualifier where Chinese puts it', () => {
    expect(qualify('6.3', '万户', '超过')).toBe('超过6.3万户');
    expect(qualify('3.5', '万家', '余')).toBe('3.5万余家');
    expect(qualify('3900', '家', '余')).toBe('3900余家');
    expect(qualify('50', '亿元', '多')).toBe('50多亿元');
    expect(qualify('80', '%', '以上')).toBe('80%以上');
    for (const [cell, base] of [
      ['超过6.3万户', '户'],
      ['3.5万余家', '家'],
      ['近1000项', '项'],
      ['约1.2万亿元', '亿元'],
      ['80%以上', '%'],
    ] as const)
      expect(recordValueText(reported(cell, base), { unit: base })).toBe(cell);
  });

  it('a value figure carries its qualifier', () => {
    const f = valueFigure(reported('超过6.3万户', '户'), { unit: '户' });
    expect(f).toMatchObject({ text: '超过6.3万户', value: 63_000, qualifier: '超过' });
  });
});

describe('the precision rule for derived figures', () => {
  it('rates: one decimal, half away from zero; growth prose says 增长 / 下降 / 持平', () => {
    expect(derivedRate(96.2962)).toBe('96.3');
    expect(derivedRate(-2.15)).toBe('-2.2');
    expect(derivedRate(0.04)).toBe('0');
    const cur = reported('1.37万亿元', '亿元');
    const prev = reported('1.4万亿元', '亿元', { period: '2023' });
    const g = growthOf(cur, new RecordIndex([cur, prev]))!;
    expect(g.text).toBe('-2.1%');
    expect(growthProse(g)).toBe('同比下降2.1%');
    const same = reported('1.37万亿元', '亿元', { period: '2023' });
    const flat = growthOf(cur, new RecordIndex([cur, same]))!;
    expect(flat.text).toBe('持平');
    expect(growthProse(flat)).toBe('与上年持平');
    // A reported growth prints as reported, with all its digits.
    const rep = { ...cur, yoy: 0.05 };
    expect(growthOf(rep, new RecordIndex([rep]))!.text).toBe('0.05%');
  });

  it('sums: exact, to the coarsest step of the terms, in 万 units when reported so', () => {
    const a = reported('1.37万亿元', '亿元', { zone: 'a' });
    const b = reported('8921.9亿元', '亿元', { zone: 'b' });
    // 13700 + 8921.9 = 22621.9, to the step of 1.37万亿元 (100亿元) → 22600.
    expect(sumFigure([a, b], { unit: '亿元' }).text).toBe('2.26万亿元');
    const c = reported('0.1亿元', '亿元', { zone: 'c' });
    const d = reported('0.2亿元', '亿元', { zone: 'd' });
    expect(sumFigure([c, d], { unit: '亿元' })).toMatchObject({ text: '0.3亿元', value: 0.3 });
    const e = reported('6.3万户', '户', { zone: 'e' });
    const f = reported('1200户', '户', { zone: 'f' });
    expect(sumFigure([e, f], { unit: '户' }).text).toBe('6.4万户');
    const g = reported('1万户', '户', { zone: 'g' });
    // 6.3万 + 1万 (known to the 万): 7万, not a false 7.3万.
    expect(sumFigure([e, g], { unit: '户' }).text).toBe('7万户');
  });

  it('qualified terms make the result 约, lower bounds make a sum 超过', () => {
    const a = reported('超过6.3万户', '户', { zone: 'a' });
    const b = reported('突破1.0万户', '户', { zone: 'b' });
    expect(sumFigure([a, b], { unit: '户' }).text).toBe('超过7.3万户');
    const c = reported('约2.0万户', '户', { zone: 'c' });
    expect(sumFigure([a, c], { unit: '户' }).text).toBe('约8.3万户');
    const d = derivedAmount([{ record: a }, { record: c, sign: -1 }], '户', 'difference');
    expect(d).toMatchObject({ number: '4.3', unit: '万户', qualifier: '约' });
  });
});
