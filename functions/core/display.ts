/**
 * How operators see sizes and times (CLI tables, the archive page): pure formatting, no I/O.
 */

/** `356 KB`, `1.2 MB` (decimal units, as browsers show downloads). */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** `2026-01-15 09:00` in the given time zone (Beijing by default): what an editor reads. */
export function formatLocalTime(iso: string | Date, timeZone = 'Asia/Shanghai'): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(typeof iso === 'string' ? new Date(iso) : iso)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}
