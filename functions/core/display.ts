/**
 * How operators see sizes and times (CLI tables, the archive page): pure formatting, no I/O.
 */

/** `356 KB`, `1.2 MB` (decimal units, as browsers show downloads). */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

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

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `2026-01-15 09:00` in the given time zone (Beijing by default): what an editor reads. */
export function formatLocalTime(iso: string | Date, timeZone = 'Asia/Shanghai'): string {
  const p = zonedParts(typeof iso === 'string' ? new Date(iso) : iso, timeZone);
  return `${p.year}-${pad2(p.month)}-${pad2(p.day)} ${pad2(p.hour)}:${pad2(p.minute)}`;
}

/** What people call a time zone: 北京时间 for Asia/Shanghai, else its IANA name. */
export function zoneName(timeZone: string): string {
  return timeZone === 'Asia/Shanghai' || timeZone === 'Asia/Chongqing' ? '北京时间' : timeZone;
}

/** `2026-12-06 10:48:00 北京时间`: an instant to the second, with its zone named. */
export function formatZoned(at: Date, timeZone = 'Asia/Shanghai'): string {
  const p = zonedParts(at, timeZone);
  return `${formatLocalTime(at, timeZone)}:${pad2(p.second)} ${zoneName(timeZone)}`;
}
