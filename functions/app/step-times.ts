/**
 * Where a run's time goes, by step (compose, the input hash, the data files, the HTML, the web
 * edition), summed over every report of the run — for the benchmark's split of the all-zones
 * run. Nothing is counted unless a counter is started (`countSteps`); then each step adds its
 * wall time. Synchronous steps are time on the Node thread; an asynchronous one (the workbook)
 * also counts the turns of the event loop other reports took meanwhile.
 */

/** The steps the application times. */
export type Step = 'compose' | 'hash' | 'data files' | 'workbook' | 'html' | 'web edition';

export type StepTotals = Partial<Record<Step, { ms: number; count: number }>>;

let counting: StepTotals | undefined;

/**
 * Starts counting (a counter already running is replaced).
 * @returns stops counting and gives the totals.
 */
export function countSteps(): () => StepTotals {
  const mine: StepTotals = {};
  counting = mine;
  return () => {
    if (counting === mine) counting = undefined;
    return mine;
  };
}

function add(step: Step, ms: number): void {
  if (!counting) return;
  const t = (counting[step] ??= { ms: 0, count: 0 });
  t.ms += ms;
  t.count += 1;
}

/** Runs `work` (synchronous), adding its time to `step`. */
export function timed<T>(step: Step, work: () => T): T {
  if (!counting) return work();
  const t0 = performance.now();
  try {
    return work();
  } finally {
    add(step, performance.now() - t0);
  }
}

/** Runs `work` (asynchronous), adding its time to `step` when it settles. */
export async function timedAsync<T>(step: Step, work: () => Promise<T>): Promise<T> {
  if (!counting) return work();
  const t0 = performance.now();
  try {
    return await work();
  } finally {
    add(step, performance.now() - t0);
  }
}
