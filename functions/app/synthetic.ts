/**
 * The synthetic dataset as its own reference set (zones + indicators) and its own stores, so
 * scale tests never touch the real data: `bulletin seed-synthetic` and the benchmark write to
 * the `torch-bulletin-synthetic-*` tables and bucket, and the real `npm start` keeps reading
 * the real ones. The records go through the normal ingest path (CSV → validate → write).
 */
import indicators from '../../data/indicators.json' with { type: 'json' };
import { buildReference, type Reference } from '../core/reference.ts';
import {
  pickZones,
  syntheticAggregates,
  syntheticCsv,
  syntheticRecords,
  syntheticZones,
  SYNTHETIC_INDICATORS,
} from '../core/synthetic.ts';
import type { RecordStore } from './ports.ts';
import { referenceData } from './reference-data.ts';
import { ingestFiles, type IngestSummary, type InputFile, type Progress } from './ingest.ts';

export const DEFAULT_SYNTHETIC_SEED = 20241231;
export const ALL_SYNTHETIC_ZONES = 178;

/**
 * Physical names of the synthetic stores, as the environment variables that name them
 * (read by `loadConfig`). Separate tables and bucket: the synthetic `national-htz` records
 * must never reach a real bulletin.
 */
export const SYNTHETIC_STORE_ENV: Record<string, string> = {
  BULLETIN_RECORDS_TABLE: 'torch-bulletin-synthetic-records',
  BULLETIN_ISSUES_TABLE: 'torch-bulletin-synthetic-issues',
  BULLETIN_SUBSCRIBERS_TABLE: 'torch-bulletin-synthetic-subscribers',
  BULLETIN_ARCHIVE_BUCKET: 'torch-bulletin-synthetic',
};

const cache = new Map<number, Reference>();

/**
 * The reference set of the synthetic dataset: `zoneCount` of the 178 zones (spread over the
 * regions), the two aggregates, the synthetic indicators (definitions from
 * `data/indicators.json`) and the real series configuration.
 */
export function syntheticReference(zoneCount = ALL_SYNTHETIC_ZONES): Reference {
  let ref = cache.get(zoneCount);
  if (!ref) {
    const codes = new Set(Object.keys(SYNTHETIC_INDICATORS));
    ref = buildReference({
      zones: [...syntheticAggregates(), ...pickZones(syntheticZones(), zoneCount)],
      indicators: indicators.filter((i) => codes.has(i.code)),
      // The real series configurations: the dataset replaces the data, not the publications.
      series: referenceData().series,
    });
    cache.set(zoneCount, ref);
  }
  return ref;
}

/** The synthetic dataset as ingest files: one CSV per year (as a statistics office sends them). */
export function syntheticFiles(opts: {
  seed: number;
  zones?: number;
  /** Leave out the years before (a smaller dataset with the same values). */
  firstYear?: number;
}): (InputFile & { bytes: Uint8Array })[] {
  const reference = syntheticReference(opts.zones ?? ALL_SYNTHETIC_ZONES);
  const records = syntheticRecords({
    seed: opts.seed,
    zones: reference.zones.filter((z) => z.level === 'national'),
    ...(opts.firstYear ? { firstYear: opts.firstYear } : {}),
  });
  const byYear = new Map<string, typeof records>();
  for (const r of records) {
    const list = byYear.get(r.period) ?? [];
    byYear.set(r.period, list);
    list.push(r);
  }
  const unitOf = (code: string) => reference.indicator(code)!.unit;
  const encoder = new TextEncoder();
  return [...byYear.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([year, list]) => ({
      name: `synthetic-${opts.seed}-${year}.csv`,
      bytes: encoder.encode(syntheticCsv(list, unitOf)),
    }));
}

/**
 * Generates the synthetic dataset and stores it through the normal ingest path (validated
 * against the synthetic reference). Idempotent: a second run with the same seed stores nothing.
 */
export async function seedSynthetic(
  deps: { records: RecordStore },
  opts: { seed: number; zones?: number; firstYear?: number; onProgress?: Progress; now?: Date },
): Promise<IngestSummary> {
  const zones = opts.zones ?? ALL_SYNTHETIC_ZONES;
  return ingestFiles(
    { records: deps.records, reference: syntheticReference(zones) },
    syntheticFiles({
      seed: opts.seed,
      zones,
      ...(opts.firstYear ? { firstYear: opts.firstYear } : {}),
    }),
    {
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    },
  );
}
