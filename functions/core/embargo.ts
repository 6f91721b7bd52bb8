/**
 * Release times are whole seconds, end to end: the editor's time, the catalog's `releaseAt`,
 * EventBridge Scheduler's `at()` (which has no milliseconds) and the check that a release is
 * due all speak of the same second. A time with a fraction of a second is refused where it
 * enters; the due check compares seconds, so a schedule firing at the release second always
 * finds its draft due.
 */

/** The whole second (ms since the epoch, a multiple of 1000) a time falls in. */
export function releaseSecond(at: Date | string): number {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  return Math.floor(ms / 1000) * 1000;
}

/** Whether a time is a whole second (no milliseconds). */
export function isWholeSecond(at: Date): boolean {
  return Number.isFinite(at.getTime()) && at.getTime() % 1000 === 0;
}

/** Whether a release planned for `releaseAt` is due at `now`: compared at whole seconds. */
export function isReleaseDue(releaseAt: Date | string, now: Date): boolean {
  return releaseSecond(releaseAt) <= releaseSecond(now);
}
