/**
 * How operators see sizes (CLI tables, the archive page): pure formatting, no I/O. Times are
 * `core/time.ts`'s (`formatBeijing`).
 */

/** `356 KB`, `1.2 MB` (decimal units, as browsers show downloads). */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
