/**
 * Times for people and for scripts, one way everywhere (CLI, pages, logs): a person reads
 * Beijing time with the zone named (`2026-12-06 10:48 北京时间`); JSON and other machine output
 * keep an ISO instant with its offset (`2026-12-06T10:48:00+08:00`). Beijing has had no
 * daylight saving time since 1991, so the offset is always +08:00.
 */
/** The zone every time shown to a person is in. */
export const BEIJING = 'Asia/Shanghai';
/** How the zone is named after a time. */
export const BEIJING_ZONE_NAME = '北京时间';

const pad2 = (n: number) => String(n).padStart(2, '0');
const toDate = (at: string | Date | number) => (at instanceof Date ? at : new Date(at));

/**
 * The calendar and clock fields of an instant in a time zone, and the zone's offset
 * (`+08:00`) then: one `Intl` reading shared by every zoned format (CLI tables, mail dates).
 */
export function zonedParts(
  at: Date,
  timeZone: string,
): {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  offset: string;
} {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const offset = /GMT([+-]\d{2}:\d{2})/.exec(parts.timeZoneName ?? '')?.[1] ?? '+00:00';
  return {
    year: +parts.year!,
    month: +parts.month!,
    day: +parts.day!,
    hour: +parts.hour!,
    minute: +parts.minute!,
    second: +parts.second!,
    offset,
  };
}

/** What people call a time zone: 北京时间 for Asia/Shanghai, else its IANA name. */
export function zoneName(timeZone: string): string {
  return timeZone === BEIJING || timeZone === 'Asia/Chongqing' ? BEIJING_ZONE_NAME : timeZone;
}

/**
 * An instant as a person reads it, with its zone named: `2026-12-06 10:48 北京时间` (with
 * `seconds`: `10:48:05`; `zone: false` leaves the name out). The one formatter of times for
 * people: in Beijing time, or in `timeZone` where the configuration names another
 * (`BULLETIN_TIME_ZONE`; then the zone's IANA name follows the time).
 * @example formatBeijing('2026-12-06T02:48:00Z') === '2026-12-06 10:48 北京时间'
 * @example formatBeijing('2026-12-06T02:48:00Z', { seconds: true, timeZone: 'UTC' }) === '2026-12-06 02:48:00 UTC'
 */
export function formatBeijing(
  at: string | Date | number,
  opts: { seconds?: boolean; zone?: boolean; timeZone?: string } = {},
): string {
  const timeZone = opts.timeZone ?? BEIJING;
  const p = zonedParts(toDate(at), timeZone);
  const time = `${pad2(p.hour)}:${pad2(p.minute)}${opts.seconds ? `:${pad2(p.second)}` : ''}`;
  const text = `${p.year}-${pad2(p.month)}-${pad2(p.day)} ${time}`;
  return opts.zone === false ? text : `${text} ${zoneName(timeZone)}`;
}

/**
 * The instant as ISO 8601 with Beijing's offset, for JSON: `2026-12-06T10:48:00+08:00`
 * (milliseconds kept when there are any).
 */
export function isoBeijing(at: string | Date | number): string {
  const d = toDate(at);
  const p = zonedParts(d, BEIJING);
  const ms = d.getUTCMilliseconds();
  const frac = ms ? `.${String(ms).padStart(3, '0')}` : '';
  return `${p.year}-${pad2(p.month)}-${pad2(p.day)}T${pad2(p.hour)}:${pad2(p.minute)}:${pad2(p.second)}${frac}${p.offset}`;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z$/;

/**
 * A copy of `value` for JSON output with every UTC instant (`…Z`) written with Beijing's
 * offset (`…+08:00`): the same instants, as scripts parse them, as people read them.
 */
export function withBeijingOffsets<T>(value: T): T {
  if (typeof value === 'string') return (ISO_UTC.test(value) ? isoBeijing(value) : value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => withBeijingOffsets(v)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date))
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, withBeijingOffsets(v)]),
    ) as T;
  return value;
}
