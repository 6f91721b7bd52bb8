import { describe, expect, it } from 'vitest';
import {
  chineseNumeral,
  formatDateZh,
  formatGrowthCell,
  formatIssueLine,
  formatNumber,
  formatPointGap,
} from '../../functions/core/format.ts';
import { formatPeriodZh, parsePeriod, samePeriodLastYear } from '../../functions/core/periods.ts';
import { toBaseUnit } from '../../functions/core/units.ts';

describe('Chinese number formatting', () => {
  it('rounds half away from zero', () => {
    expect(formatNumber(7.65)).toBe('7.7');
    expect(formatNumber(-2.15)).toBe('-2.2');
    expect(formatNumber(0.04)).toBe('0');
    expect(formatNumber(-0.04)).toBe('0');
    expect(formatNumber(1234.5678, 2)).toBe('1234.57');
  });

  it('writes growth cells as 增长 / 下降 / 持平', () => {
    expect(formatGrowthCell(-2.1)).toBe('-2.1%');
    expect(formatGrowthCell(0)).toBe('持平');
    expect(formatGrowthCell(0.04)).toBe('持平');
  });

  it('phrases percentage-point gaps and shares', () => {
    expect(formatPointGap(5.5)).toBe('高5.5个百分点');
    expect(formatPointGap(-1.25)).toBe('低1.3个百分点');
    expect(formatPointGap(0)).toBe('持平');
  });

  it('writes dates and issue lines in Chinese, in Asia/Shanghai', () => {
    expect(formatDateZh(new Date('2022-12-15T02:00:00Z'))).toBe('2022年12月15日');
    // 17:00 UTC on the 14th is already the 15th in Beijing.
    expect(formatDateZh(new Date('2022-12-14T17:00:00Z'))).toBe('2022年12月15日');
    expect(formatIssueLine(2022, 21, 550)).toBe('2022年第21期(总第550期)');
    expect(chineseNumeral(3)).toBe('三');
    expect(chineseNumeral(10)).toBe('十');
    expect(chineseNumeral(21)).toBe('二十一');
  });
});

describe('periods', () => {
  it('parses years, quarters and months and refuses impossible ones', () => {
    expect(parsePeriod('2024')).toMatchObject({ granularity: 'annual', year: 2024 });
    expect(parsePeriod('2024-Q3')).toMatchObject({ granularity: 'quarterly', part: 3 });
    expect(parsePeriod('2024-10')).toMatchObject({ granularity: 'monthly', part: 10 });
    for (const bad of ['2024-13', '2024-Q5', '2024-00', '24', '2024-1', '2024Q1', '']) {
      expect(parsePeriod(bad), bad).toBeUndefined();
    }
  });

  it('finds the same period a year earlier and names periods in Chinese', () => {
    expect(samePeriodLastYear('2024')).toBe('2023');
    expect(samePeriodLastYear('2024-Q3')).toBe('2023-Q3');
    expect(samePeriodLastYear('2024-01')).toBe('2023-01');
    expect(formatPeriodZh('2024')).toBe('2024年');
    expect(formatPeriodZh('2024-Q3')).toBe('2024年第三季度');
    expect(formatPeriodZh('2024-10')).toBe('2024年10月');
  });
});

describe('units', () => {
  it('converts to the base unit exactly', () => {
    expect(toBaseUnit(19.3, '万亿元', '亿元')).toBe(193_000);
    expect(toBaseUnit(5000, '万元', '亿元')).toBe(0.5);
    expect(toBaseUnit(3.5, '万家', '家')).toBe(35_000);
    expect(toBaseUnit(12, '人', '万人')).toBe(0.0012);
  });

  it('refuses units that do not fit the indicator', () => {
    expect(toBaseUnit(1, '件', '亿元')).toBeUndefined();
    expect(toBaseUnit(1, '亿元', '%')).toBeUndefined();
  });
});
