/**
 * Data as it stood: one zone's indicator, every period, as the records store knew it at an
 * instant, each row with the date of its revision and the revisions stored since. The CLI
 * (`bulletin data --as-of`) and the API (`/data/:zone/:indicator.csv?asOf=`) both call
 * {@link dataAsOf}.
 */
import { stringify } from 'csv-stringify/sync';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { Reference } from '../core/reference.ts';
import {
  AS_OF_COLUMNS,
  asOfInstant,
  asOfRows,
  standingAt,
  type StoodRecord,
} from '../core/records-as-of.ts';
import type { RecordStore } from './ports.ts';

export interface DataAsOfDeps {
  records: Pick<RecordStore, 'history' | 'revisions'>;
  reference: Pick<Reference, 'zone' | 'indicator'>;
  timeZone: string;
}

export interface DataAsOf {
  zone: string;
  indicator: string;
  /** The instant asked for (ISO). */
  asOf: string;
  periods: StoodRecord[];
  columns: readonly string[];
  rows: string[][];
  /** `国家高新区-园区生产总值-截至2026-12-01.csv` */
  fileName: string;
}

/** Reads `asOf` as `parseAsOf` does for a caller's text (a date, or a time with its offset). */
export function parseAsOf(text: string, timeZone: string, source: string): Date {
  const at = asOfInstant(text.trim(), timeZone);
  if (!at)
    throw new ValidationError('data', [
      {
        file: source,
        location: 'asOf',
        field: 'asOf',
        message: `“${text.slice(0, 40)}”不是日期（2026-12-01）或带时区的时间（2026-12-01T09:30+08:00）`,
      },
    ]);
  return at;
}

/** The records of one (zone, indicator) as they stood at `asOf`, every period. */
export async function dataAsOf(
  deps: DataAsOfDeps,
  q: { zone: string; indicator: string; asOf: Date; label?: string },
): Promise<DataAsOf> {
  const zone = deps.reference.zone(q.zone);
  if (!zone) throw new NotFoundError('data', `没有园区 ${q.zone}（见 data/zones.json）`);
  const indicator = deps.reference.indicator(q.indicator);
  if (!indicator)
    throw new NotFoundError('data', `没有指标 ${q.indicator}（见 data/indicators.json）`);
  const current = await deps.records.history(q.zone, q.indicator);
  const periods = await Promise.all(
    current.map(async (r) =>
      standingAt(
        await deps.records.revisions({ zone: r.zone, indicator: r.indicator, period: r.period }),
        q.asOf,
      ),
    ),
  );
  periods.sort((a, b) => (a.period < b.period ? -1 : 1));
  const rows = asOfRows(
    periods,
    { zone: zone.name, indicator: indicator.name, unit: indicator.unit },
    deps.timeZone,
  );
  const label = q.label ?? q.asOf.toISOString().slice(0, 10);
  return {
    zone: q.zone,
    indicator: q.indicator,
    asOf: q.asOf.toISOString(),
    periods,
    columns: AS_OF_COLUMNS,
    rows,
    fileName: `${zone.shortName}-${indicator.name}-截至${label}.csv`,
  };
}

/** The CSV of data as it stood: UTF-8 with a BOM (Excel reads the Chinese), CRLF. */
export function dataAsOfCsv(data: DataAsOf): Uint8Array {
  return new TextEncoder().encode(
    stringify([[...data.columns], ...data.rows], { bom: true, record_delimiter: 'windows' }),
  );
}
