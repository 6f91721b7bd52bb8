/**
 * Figures: a printed number together with the record it comes from, so that every number
 * in a bulletin can be traced (zone, indicator, period, source, revision).
 */
import { formatGrowthCell } from './format.ts';
import { derivedQualifier, derivedRate, qualify, rateText, recordValueText } from './numbers.ts';
import type { IndicatorRecord } from './model.ts';
import { samePeriodLastYear } from './periods.ts';
import { recordKey } from './record-key.ts';

export interface FigureRef {
  zone: string;
  indicator: string;
  period: string;
  revision: number;
  source: string;
  /** The record's value in its indicator's base unit (what a correction compares). */
  value: number;
}

/** A number as printed, and where it comes from. `derived` says how it was computed. */
export interface Figure {
  text: string;
  value: number;
  refs: FigureRef[];
  /** What of its record a plain figure prints: the value, the reported growth or share. */
  measure?: 'value' | 'growth' | 'share';
  /** 约 / 超过 … carried by the figure (a record's own, or by the precision rule). */
  qualifier?: string;
  /**
   * For a figure computed from two others (a share, a ratio, a gap): how many of `refs`
   * belong to the first operand; the rest are the second (the denominator, the base).
   */
  parts?: number;
  /** For a rank: the zone ranked, and whether by growth rather than by value. */
  subject?: string;
  rankedBy?: 'growth';
  derived?:
    | 'yoy-from-previous-period'
    | 'share-of-china'
    /** Percentage points between two rates. */
    | 'difference'
    /** Sum of records (a region's total). */
    | 'sum'
    /** One figure as a share of another (a region of the national total). */
    | 'share-of-total'
    /** A zone's rank among the records named. */
    | 'rank'
    /** The difference of two amounts (a benchmark's value less a zone's). */
    | 'amount-difference'
    /** One zone's value as a % of another's. */
    | 'ratio'
    /** How many zones or records. */
    | 'count';
}

export const MISSING = '—';

export function refOf(r: IndicatorRecord): FigureRef {
  return {
    zone: r.zone,
    indicator: r.indicator,
    period: r.period,
    revision: r.revision,
    source: r.source,
    value: r.value,
  };
}

/** The value of a record exactly as reported: its number, unit and qualifier. */
export function valueFigure(r: IndicatorRecord, ind: { unit: string }): Figure {
  return {
    text: recordValueText(r, ind),
    value: r.value,
    refs: [refOf(r)],
    measure: 'value',
    ...(r.qualifier ? { qualifier: r.qualifier } : {}),
  };
}

/** Looks up records by (zone, indicator, period). */
export class RecordIndex {
  private readonly map = new Map<string, IndicatorRecord>();
  /**
   * @param fallback looked up when `records` lack a key: a small index (one zone) over a large
   * one built once (a period's records) without copying the large one.
   */
  constructor(
    records: Iterable<IndicatorRecord>,
    private readonly fallback?: RecordIndex,
  ) {
    for (const r of records) this.map.set(recordKey(r), r);
  }
  get(zone: string, indicator: string, period: string): IndicatorRecord | undefined {
    const key = recordKey({ zone, indicator, period });
    return this.map.get(key) ?? this.fallback?.get(zone, indicator, period);
  }
  all(): IndicatorRecord[] {
    if (!this.fallback) return [...this.map.values()];
    const own = (r: IndicatorRecord) => this.map.has(recordKey(r));
    return [...this.fallback.all().filter((r) => !own(r)), ...this.map.values()];
  }
}

/**
 * Year-on-year growth in %: the reported figure when the record has one, otherwise derived
 * from the same period a year earlier when that record exists.
 */
export function growthOf(r: IndicatorRecord, index: RecordIndex): Figure | undefined {
  if (r.yoy !== undefined)
    return {
      text: r.yoy === 0 ? '持平' : `${rateText(r.yoy)}%`,
      value: r.yoy,
      refs: [refOf(r)],
      measure: 'growth',
    };
  const prev = index.get(r.zone, r.indicator, samePeriodLastYear(r.period));
  if (!prev || prev.value === 0) return undefined;
  const pct = (r.value / prev.value - 1) * 100;
  const qualifier = derivedQualifier([r, prev], 'other');
  const cell = formatGrowthCell(pct);
  return {
    text: qualifier && cell !== '持平' ? `${qualifier}${cell}` : cell,
    value: pct,
    refs: [refOf(r), refOf(prev)],
    measure: 'growth',
    derived: 'yoy-from-previous-period',
    ...(qualifier ? { qualifier } : {}),
  };
}

/** Share of the national (全国) total in %: reported, or derived from the `china` record. */
export function shareOf(
  r: IndicatorRecord,
  index: RecordIndex,
  chinaZone: string,
): Figure | undefined {
  if (r.share !== undefined)
    return { text: `${rateText(r.share)}%`, value: r.share, refs: [refOf(r)], measure: 'share' };
  const total = index.get(chinaZone, r.indicator, r.period);
  if (!total || total.value === 0 || r.zone === chinaZone) return undefined;
  const pct = (r.value / total.value) * 100;
  const qualifier = derivedQualifier([r, total], 'other');
  return {
    text: qualify(derivedRate(pct), '%', qualifier),
    value: pct,
    refs: [refOf(r), refOf(total)],
    measure: 'share',
    derived: 'share-of-china',
    ...(qualifier ? { qualifier } : {}),
  };
}

/** The rate a figure prints: a record's exactly, a derived one by the precision rule. */
function rateShown(f: Figure, pct: number): string {
  return f.derived ? derivedRate(pct) : rateText(pct);
}

/** Growth as prose: `同比增长7.6%`, `同比下降2.1%`, `与上年持平`, `同比增长约3%`. */
export function growthProse(f: Figure, prefix = '同比'): string {
  const shown = rateShown(f, Math.abs(f.value));
  if (Number(shown) === 0) return '与上年持平';
  return `${prefix}${f.value > 0 ? '增长' : '下降'}${f.qualifier ?? ''}${shown}%`;
}

/** A share of the national total as prose: `占全国比重为14.3%`. */
export function shareProse(f: Figure): string {
  return `占全国比重为${f.text}`;
}

/** A difference in percentage points as prose: `高5.5个百分点`, `低1.2个百分点`, `持平`. */
export function pointGapProse(f: Figure): string {
  const shown = rateShown(f, Math.abs(f.value));
  if (Number(shown) === 0) return '持平';
  return `${f.value > 0 ? '高' : '低'}${f.qualifier ?? ''}${shown}个百分点`;
}
