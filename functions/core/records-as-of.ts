/**
 * Data as it stood: a (zone, indicator)'s records as they were known at an instant, each with the
 * date of its revision and the revisions that came after (the shape of the ONS "previous
 * versions" page). Revisions are kept by the records store; this picks among them (pure).
 */
import type { IndicatorRecord } from './model.ts';
import { formatBeijing } from './time.ts';

/** One period of a series as it stood, and what was revised since. */
export interface StoodRecord {
  period: string;
  /** The revision in force at the instant (undefined: not yet reported then). */
  stood?: IndicatorRecord;
  /** Revisions stored after the instant, oldest first. */
  later: IndicatorRecord[];
}

/** The revision of one key in force at `at`, and the ones after it (`revisions` oldest first). */
export function standingAt(revisions: IndicatorRecord[], at: Date): StoodRecord {
  const t = at.getTime();
  const known = (r: IndicatorRecord) => r.ingestedAt === undefined || Date.parse(r.ingestedAt) <= t;
  const before = revisions.filter(known);
  return {
    period: revisions[0]?.period ?? '',
    ...(before.length ? { stood: before.at(-1)! } : {}),
    later: revisions.filter((r) => !known(r)),
  };
}

/** Offset of a time zone from UTC at an instant, in minutes (`Asia/Shanghai` → 480). */
function offsetMinutes(at: Date, timeZone: string): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name ?? '');
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

/**
 * The instant an `--as-of` names: a date (`2026-12-01`) is the end of that day in `timeZone`
 * (everything stored that day counts); a time must carry its offset. Undefined when malformed.
 */
export function asOfInstant(text: string, timeZone: string): Date | undefined {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (day) {
    const [y, mo, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const next = Date.UTC(y, mo - 1, d + 1);
    const check = new Date(Date.UTC(y, mo - 1, d));
    if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
    return new Date(next - offsetMinutes(new Date(next), timeZone) * 60_000 - 1);
  }
  if (!/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : new Date(at);
}

/** `2026-12-01 10:48 北京时间` (the zone named; `UTC` and others by their id). */
export function formatInstant(iso: string, timeZone: string): string {
  return formatBeijing(iso, { timeZone });
}

/** A text cell a spreadsheet would take for a formula is prefixed with ' (OWASP CSV injection). */
export function textCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** The CSV columns of data as it stood (one row per period). */
export const AS_OF_COLUMNS = [
  '园区',
  '园区代码',
  '指标',
  '指标代码',
  '期别',
  '数值',
  '单位',
  '限定词',
  '同比增长(%)',
  '占全国比重(%)',
  '来源',
  '修订版本',
  '修订日期',
  '此后修订',
] as const;

/** The rows of data as it stood: periods not yet reported at the instant are left out. */
export function asOfRows(
  stood: StoodRecord[],
  names: { zone: string; indicator: string; unit: string },
  timeZone: string,
): string[][] {
  const revised = (r: IndicatorRecord) =>
    r.ingestedAt ? formatInstant(r.ingestedAt, timeZone) : '';
  const valueOf = (r: IndicatorRecord) =>
    `${r.qualifier ?? ''}${r.reportedValue ?? r.value}${r.reportedUnit ?? names.unit}`;
  return stood
    .filter((s) => s.stood)
    .map(({ stood: r, later }) => [
      textCell(names.zone),
      r!.zone,
      textCell(names.indicator),
      r!.indicator,
      r!.period,
      r!.reportedValue ?? String(r!.value),
      r!.reportedUnit ?? names.unit,
      r!.qualifier ?? '',
      r!.yoy === undefined ? '' : String(r!.yoy),
      r!.share === undefined ? '' : String(r!.share),
      textCell(r!.source),
      String(r!.revision),
      revised(r!),
      later.map((l) => `第${l.revision}版 ${revised(l)}：${valueOf(l)}（${l.source}）`).join('；'),
    ]);
}
