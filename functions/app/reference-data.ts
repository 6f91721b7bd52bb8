/**
 * The reference data shipped with the code (zones, indicators, series, sample articles),
 * imported as JSON so a Lambda bundle carries it.
 */
import zones from '../../data/zones.json' with { type: 'json' };
import indicators from '../../data/indicators.json' with { type: 'json' };
import torchBulletin from '../../data/series/torch-bulletin.json' with { type: 'json' };
import zoneProfile from '../../data/series/zone-profile.json' with { type: 'json' };
import regionalReport from '../../data/series/regional-report.json' with { type: 'json' };
import indicatorFlash from '../../data/series/indicator-flash.json' with { type: 'json' };
import { buildReference, type Reference } from '../core/reference.ts';

let cached: Reference | undefined;

/** The validated reference data (built once per process). */
export function referenceData(): Reference {
  cached ??= buildReference({
    zones,
    indicators,
    series: [torchBulletin, zoneProfile, regionalReport, indicatorFlash],
  });
  return cached;
}
