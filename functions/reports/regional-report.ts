/**
 * 区域发展报告: a set of zones — a province, a city, a region or an alliance (京津冀, 长三角,
 * 东北): totals, shares, the distribution of national ranks, gaps to benchmark zones (DESIGN
 * §3.3). The period is the latest year in which a zone of the region reports GDP unless asked.
 */
import { REPORT_PARAMS } from '../contract/schedules.ts';
import { SERIES_OF_KIND } from '../contract/kinds.ts';
import {
  composeRegionalReport,
  selectRegion,
  type RegionalView,
  type RegionSelection,
} from '../core/compose-regional.ts';
import { NATIONAL_HTZ, type IndicatorRecord } from '../core/model.ts';
import { parsePeriod, samePeriodLastYear } from '../core/periods.ts';
import { NotFoundError } from '../errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { inputHashOf } from './input-hash.ts';
import { fileSlug, reimprinted, type ReportKindModule } from './kind.ts';

interface RegionState {
  region: RegionSelection;
}

interface RegionInputs {
  /** Records of the period and of the same period a year earlier (every zone). */
  records: IndicatorRecord[];
}

export const regionalReport: ReportKindModule<RegionState, RegionInputs, RegionalView> = {
  id: 'regional-report',
  params: REPORT_PARAMS['regional-report'],
  seriesOf: () => SERIES_OF_KIND['regional-report'],
  /** The region by name; its period by one small Query per zone of the region (Limit 1). */
  async resolve(ctx, params) {
    const regionText = params.region ?? '';
    const region = selectRegion(ctx.reference, regionText);
    if (!region)
      throw new NotFoundError(
        'publish',
        `地区 "${regionText}" 没有园区（可填省、市，东部/中部/西部/东北，或京津冀、长三角等联盟）${didYouMean(
          regionText,
          [
            ...new Set(
              ctx.reference.zones.flatMap((z) =>
                [z.province, z.city, z.region, ...(z.alliances ?? [])].filter(
                  (n): n is string => typeof n === 'string' && n.length > 0,
                ),
              ),
            ),
          ].map((n) => ({ label: n, names: [n] })),
        )}`,
      );
    let period = params.period;
    if (!period) {
      const latest = await Promise.all(
        region.zoneIds.map((id) => ctx.records.latestPeriodOf(id, 'gdp')),
      );
      period =
        latest
          .filter((p): p is string => !!p && parsePeriod(p)?.granularity === 'annual')
          .sort()
          .at(-1) ?? (await ctx.records.latestPeriodOf(NATIONAL_HTZ, 'gdp'));
    }
    if (!period)
      throw new NotFoundError(
        'publish',
        '尚无园区生产总值（GDP）记录：请先导入数据（bulletin ingest）',
      );
    return {
      period,
      subject: region.name,
      key: `regional-report:${region.name}`,
      state: { region },
    };
  },
  title: (series, resolved) => `${series.title}·${resolved.state.region.name}`,
  previewStem: (params) => `preview-regional-report-${fileSlug(params.region ?? '')}`,
  async load(ctx, resolved) {
    const [current, previous] = await Promise.all([
      ctx.records.recordsOfPeriod(resolved.period),
      ctx.records.recordsOfPeriod(samePeriodLastYear(resolved.period)),
    ]);
    const records = [...current, ...previous];
    return { inputs: { records }, inputHash: inputHashOf(records) };
  },
  compose: (ctx, series, resolved, inputs, imprint) =>
    composeRegionalReport({
      series,
      ...(imprint.issue ? { issue: imprint.issue } : {}),
      date: imprint.date,
      region: resolved.state.region,
      period: resolved.period,
      records: inputs.records,
      reference: ctx.reference,
      keyIndicators: series.keyIndicators,
      timeZone: ctx.timeZone,
    }),
  // Only the masthead, colophon and author name the imprint.
  reimprint: reimprinted,
  template: 'regional-report/regional-report',
  contents: 'linked',
};
