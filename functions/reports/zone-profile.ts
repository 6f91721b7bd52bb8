/**
 * 园区画像: one zone — its indicators over time with charts, its rank among all zones and
 * within its region, growth against the national figure (DESIGN §3.2). The period is the
 * zone's latest year unless asked.
 */
import { REPORT_PARAMS } from '../contract/schedules.ts';
import { SERIES_OF_KIND } from '../contract/kinds.ts';
import {
  composeZoneProfile,
  latestAnnualPeriod,
  zoneProfileContext,
  type ZoneProfileContext,
  type ZoneProfileView,
} from '../core/compose-zone-profile.ts';
import type { IndicatorRecord, Zone } from '../core/model.ts';
import { samePeriodLastYear } from '../core/periods.ts';
import { NotFoundError } from '../errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { combinedHash, inputHashOf } from './input-hash.ts';
import { fileSlug, reimprinted, type KindContext, type ReportKindModule } from './kind.ts';

interface ZoneState {
  zone: Zone;
  /** Every record of the zone (one Query), read to find its period and kept for the profile. */
  zoneRecords: IndicatorRecord[];
}

interface ZoneInputs {
  zoneRecords: IndicatorRecord[];
  periodRecords: IndicatorRecord[];
  context: ZoneProfileContext;
}

/** What every zone profile of one period shares: its records, their hash, the ranks. */
export interface ZonePeriodInputs {
  periodRecords: IndicatorRecord[];
  /** The hash of `periodRecords` (`inputHashOf`: every field, in key order). */
  recordsHash: string;
  context: ZoneProfileContext;
}

/**
 * Built once per pair of period record arrays: an all-zones run reads each period once (its
 * record store is `cachedReads` of app/batch.ts) and so gets the same arrays, and the same
 * records hash and rankings, for every zone. Keyed weakly by those arrays.
 */
const periodInputsByArrays = new WeakMap<
  IndicatorRecord[],
  WeakMap<IndicatorRecord[], Map<string, ZonePeriodInputs>>
>();

/**
 * The period records of a zone profile (the period and the same period a year earlier) with
 * what every profile of the period shares.
 */
export async function zonePeriodInputs(
  ctx: Pick<KindContext, 'records' | 'reference'>,
  period: string,
): Promise<ZonePeriodInputs> {
  const [current, previous] = await Promise.all([
    ctx.records.recordsOfPeriod(period),
    ctx.records.recordsOfPeriod(samePeriodLastYear(period)),
  ]);
  let byPrevious = periodInputsByArrays.get(current);
  if (!byPrevious) periodInputsByArrays.set(current, (byPrevious = new WeakMap()));
  let byPeriod = byPrevious.get(previous);
  if (!byPeriod) byPrevious.set(previous, (byPeriod = new Map()));
  let shared = byPeriod.get(period);
  if (!shared) {
    const periodRecords = [...current, ...previous];
    shared = {
      periodRecords,
      recordsHash: inputHashOf(periodRecords),
      context: zoneProfileContext(periodRecords, period, ctx.reference),
    };
    byPeriod.set(period, shared);
  }
  return shared;
}

export const zoneProfile: ReportKindModule<ZoneState, ZoneInputs, ZoneProfileView> = {
  id: 'zone-profile',
  params: REPORT_PARAMS['zone-profile'],
  seriesOf: () => SERIES_OF_KIND['zone-profile'],
  async resolve(ctx, params) {
    const zoneText = params.zone ?? '';
    const zone = ctx.reference.resolveZone(zoneText);
    if (!zone || zone.level === 'aggregate')
      throw new NotFoundError(
        'publish',
        `未知的园区 "${zoneText}"（请填园区代码、名称或别名）${didYouMean(
          zoneText,
          ctx.reference.zones
            .filter((z) => z.level !== 'aggregate')
            .map((z) => ({
              label: z.name,
              names: [z.id, z.name, z.shortName ?? '', ...(z.aliases ?? [])],
            })),
        )}`,
      );
    const zoneRecords = await ctx.records.recordsOfZone(zone.id);
    const period = params.period ?? latestAnnualPeriod(zoneRecords);
    if (!period)
      throw new NotFoundError(
        'publish',
        `园区 ${zone.id} 尚无记录：请先导入数据（bulletin ingest）`,
      );
    return {
      period,
      subject: zone.shortName,
      key: `zone-profile:${zone.id}`,
      state: { zone, zoneRecords },
    };
  },
  title: (series, resolved) => `${series.title}·${resolved.state.zone.shortName}`,
  previewStem: (params) => `preview-zone-profile-${fileSlug(params.zone ?? '')}`,
  async load(ctx, resolved) {
    const { zoneRecords } = resolved.state;
    const shared = await zonePeriodInputs(ctx, resolved.period);
    return {
      inputs: { zoneRecords, periodRecords: shared.periodRecords, context: shared.context },
      // Every record the profile reads: the period's (hashed once per run) and the zone's own.
      inputHash: combinedHash('zone-profile', {
        period: resolved.period,
        periodRecords: shared.recordsHash,
        zoneRecords: inputHashOf(zoneRecords),
      }),
    };
  },
  compose: (ctx, series, resolved, inputs, imprint) =>
    composeZoneProfile({
      series,
      ...(imprint.issue ? { issue: imprint.issue } : {}),
      date: imprint.date,
      zone: resolved.state.zone.id,
      zoneRecords: inputs.zoneRecords,
      periodRecords: inputs.periodRecords,
      context: inputs.context,
      period: resolved.period,
      reference: ctx.reference,
      keyIndicators: series.keyIndicators,
      timeZone: ctx.timeZone,
      ...(ctx.charts ? { charts: ctx.charts } : {}),
    }),
  /**
   * A profile's numbers and date appear only in its masthead, its colophon and the document's
   * author (the issuer on that date): the rest of the view stays.
   */
  reimprint: reimprinted,
  template: 'zone-profile/zone-profile',
  contents: 'linked',
};
