/**
 * How the all-zones fan-out runs, in one process (`functions/app/batch.ts`) and in the Step
 * Functions state machine (`infra/constructs/zone-fanout.ts`): one source for both. Plain
 * data, no imports (part of the contract `infra/` may import).
 */
export const FANOUT_POLICY = {
  /** Zones rendered at once on AWS (Lambda workers); locally the page pool decides. */
  maxConcurrency: 10,
  /** Attempts per zone after the first, for errors worth retrying (throttling, timeouts). */
  retries: 2,
  retryIntervalSeconds: 5,
  backoffRate: 2,
  /**
   * Zones that may fail (after their retries) before the whole run is failed. A failed zone is
   * reported by the summary (and alarmed); only a run where more fail — a broken deploy, not a
   * bad zone — stops early.
   */
  toleratedFailures: 20,
  /**
   * Longest a single zone's render may take on AWS, retries excluded. The render function's
   * timeout; each attempt of a map item is bounded by it.
   */
  zoneTimeoutSeconds: 240,
} as const;

/** The catalog series the all-zones run publishes zone profiles in. */
export const ZONE_PROFILE_SERIES = 'zone-profile';
