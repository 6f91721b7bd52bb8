/**
 * Figures: a printed number together with the record it comes from, so that every number
 * in a bulletin can be traced (zone, indicator, period, source, revision).
 */
import { formatGrowthCell, formatNumber, formatValue } from './format.ts';
import type { Indicator, IndicatorRecord } from './model.ts';
import { samePeriodLastYear } from './periods.ts';
import { recordKey } from './record-key.ts';

export interface FigureRef {
  zone: string;
  indicator: string;
  period: string;
  revision: number;
  source: string;
}

/** A number as printed, and where it comes from. `derived` says how it was computed. */
export interface Figure {
  text: string;
  value: number;
  refs: FigureRef[];
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
  };
}

/** The value of a record, formatted with its indicator's unit and decimals. */
export function valueFigure(r: IndicatorRecord, ind: Indicator): Figure {
  return { text: formatValue(r.value, ind.unit, ind.decimals), value: r.value, refs: [refOf(r)] };
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
  if (r.yoy !== undefined) return { text: formatGrowthCell(r.yoy), value: r.yoy, refs: [refOf(r)] };
  const prev = index.get(r.zone, r.indicator, samePeriodLastYear(r.period));
  if (!prev || prev.value === 0) return undefined;
  const pct = (r.value / prev.value - 1) * 100;
  return {
    text: formatGrowthCell(pct),
    value: pct,
    refs: [refOf(r), refOf(prev)],
    derived: 'yoy-from-previous-period',
  };
}

/** Share of the national (全国) total in %: reported, or derived from the `china` record. */
export function shareOf(
  r: IndicatorRecord,
  index: RecordIndex,
  chinaZone: string,
): Figure | undefined {
  if (r.share !== undefined)
    return { text: `${formatNumber(r.share)}%`, value: r.share, refs: [refOf(r)] };
  const total = index.get(chinaZone, r.indicator, r.period);
  if (!total || total.value === 0 || r.zone === chinaZone) return undefined;
  const pct = (r.value / total.value) * 100;
  return {
    text: `${formatNumber(pct)}%`,
    value: pct,
    refs: [refOf(r), refOf(total)],
    derived: 'share-of-china',
  };
}
