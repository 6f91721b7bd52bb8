/** A read-only records store over an array: for composing reports without the stores. */
import type { RecordStore } from '../../functions/app/ports.ts';
import type { Article, IndicatorRecord } from '../../functions/core/model.ts';
import articles from '../../data/articles.json' with { type: 'json' };

export function recordsIn(records: IndicatorRecord[]): RecordStore {
  return {
    recordsOfZone: async (zone: string) => records.filter((r) => r.zone === zone),
    recordsOfPeriod: async (period: string) => records.filter((r) => r.period === period),
    history: async (zone: string, indicator: string) =>
      records.filter((r) => r.zone === zone && r.indicator === indicator),
    latestPeriodOf: async (zone: string, indicator: string) =>
      records
        .filter((r) => r.zone === zone && r.indicator === indicator)
        .map((r) => r.period)
        .sort()
        .at(-1),
    articles: async () => articles as Article[],
    currentValues: async (keys: { zone: string; indicator: string; period: string }[]) =>
      new Map(
        keys.flatMap((k) => {
          const r = records.find(
            (x) => x.zone === k.zone && x.indicator === k.indicator && x.period === k.period,
          );
          return r ? [[`${k.zone}#${k.indicator}#${k.period}`, r] as const] : [];
        }),
      ),
  } as Partial<RecordStore> as RecordStore;
}
