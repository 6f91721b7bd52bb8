/**
 * The bench's synthetic zone profiles of 2024 for the micro-benches (`charts-micro.ts`,
 * `node-micro.ts`): the first `n` synthetic zones' records (the bench's dataset), one period
 * context shared by every profile as the all-zones run has it, and the compose of one zone.
 */
import { DEFAULT_SYNTHETIC_SEED, syntheticReference } from '../functions/app/synthetic.ts';
import {
  composeZoneProfile,
  zoneProfileContext,
  type ZoneProfileView,
} from '../functions/core/compose-zone-profile.ts';
import type { ChartSink } from '../functions/core/charts.ts';
import type { IndicatorRecord } from '../functions/core/model.ts';
import { syntheticRecords } from '../functions/core/synthetic.ts';

const PERIOD = '2024';

export function syntheticProfiles(n: number) {
  const ref = syntheticReference(n);
  const zones = ref.zones.filter((z) => z.level === 'national');
  const records: IndicatorRecord[] = syntheticRecords({
    seed: DEFAULT_SYNTHETIC_SEED,
    zones,
  }).map((r) => ({ ...r, revision: 1 }));
  const periodRecords = records.filter((r) => r.period === PERIOD);
  const byZone = new Map<string, IndicatorRecord[]>();
  for (const r of records) {
    const list = byZone.get(r.zone);
    if (list) list.push(r);
    else byZone.set(r.zone, [r]);
  }
  const series = ref.seriesById('zone-profile')!;
  const context = zoneProfileContext(periodRecords, PERIOD, ref);
  const date = new Date('2026-11-20T01:00:00Z');
  /** One zone's profile, composed as the all-zones run composes it (`charts`: drawn later). */
  const compose = (zone: string, charts?: ChartSink): ZoneProfileView =>
    composeZoneProfile({
      series,
      date,
      zone,
      zoneRecords: byZone.get(zone) ?? [],
      periodRecords,
      period: PERIOD,
      reference: ref,
      keyIndicators: series.keyIndicators,
      context,
      ...(charts ? { charts } : {}),
    });
  return { zones, compose };
}
