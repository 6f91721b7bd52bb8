/**
 * The one construction of the editorial cycle's dependencies, for the CLI, the local server and
 * the Lambdas: the publish dependencies' cycle (`app/publish.ts` `cycleOf`).
 */
import type { LifecycleDeps } from '../app/lifecycle.ts';
import { cycleOf, type PublishDeps, type PublishResult } from '../app/publish.ts';

/** The cycle's dependencies over the publish dependencies, with the caller's log and lease. */
export function lifecycleDepsOf(
  publish: PublishDeps,
  opts: {
    log?: (message: string) => void;
    leaseMs?: number;
    /** Receives what notifying subscribers did on a release (the CLI prints it). */
    notices?: Pick<PublishResult, 'notices' | 'noticeError'>;
  } = {},
): LifecycleDeps {
  // Not a copy of `publish`: some of its fields are read late (the local server's own address).
  return {
    ...cycleOf(publish, opts.notices),
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}),
  };
}
