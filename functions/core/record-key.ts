/** The identity of one indicator observation: which zone, which indicator, which period. */
export interface RecordKey {
  zone: string;
  indicator: string;
  period: string;
}

/**
 * The one string form of a {@link RecordKey}, used as map key and as the DynamoDB sort key.
 * @example recordKey({ zone: 'zgc', indicator: 'revenue', period: '2024' }) // 'zgc#revenue#2024'
 */
export function recordKey(k: RecordKey): string {
  return `${k.zone}#${k.indicator}#${k.period}`;
}

/**
 * A map by record (zone → indicator → period) for code that looks up thousands of records a
 * report (a zone profile of 178 zones names ≈ 11 000 through its figures): no key string is made
 * per lookup, and {@link RecordKeyMap.sorted} gives the entries in the order of their
 * `recordKey` strings (a plain code-unit comparison), each string made once.
 */
export class RecordKeyMap<T> {
  private readonly zones = new Map<string, Map<string, Map<string, T>>>();

  get(k: RecordKey): T | undefined {
    return this.zones.get(k.zone)?.get(k.indicator)?.get(k.period);
  }

  set(k: RecordKey, value: T): void {
    let indicators = this.zones.get(k.zone);
    if (!indicators) this.zones.set(k.zone, (indicators = new Map()));
    let periods = indicators.get(k.indicator);
    if (!periods) indicators.set(k.indicator, (periods = new Map()));
    periods.set(k.period, value);
  }

  /** `[recordKey, value]` of every entry, in the order of the keys as strings. */
  sorted(): [string, T][] {
    const out: [string, T][] = [];
    for (const zone of keyOrder(this.zones, '#')) {
      const indicators = this.zones.get(zone)!;
      for (const indicator of keyOrder(indicators, '#')) {
        const periods = indicators.get(indicator)!;
        for (const period of keyOrder(periods, ''))
          out.push([recordKey({ zone, indicator, period }), periods.get(period)!]);
      }
    }
    return out;
  }
}

/**
 * A level's keys in the order of `key + separator`: the order of the record keys they begin,
 * as a comparison of the whole strings puts them (`a#…` before `a-b#…`, `a!b#…` before `a#…`).
 */
function keyOrder(map: Map<string, unknown>, separator: string): string[] {
  return [...map.keys()]
    .map((k) => [k + separator, k] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, k]) => k);
}
