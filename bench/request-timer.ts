/**
 * Sums the wall time of an AWS SDK client's requests (from the command's start to its answer
 * parsed, retries included) while counting: the "stores" share of the bench's split of the
 * all-zones run. An SDK middleware at the `initialize` step, as `dynamo-counter.ts`.
 */
interface WithMiddleware {
  middlewareStack: {
    add(
      mw: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
      opts: { step: 'initialize'; name: string },
    ): void;
    remove(name: string): boolean;
  };
}

export interface RequestTimes {
  /** Requests answered (or failed) while counting. */
  count: number;
  /** Their wall times summed (ms): requests in flight at once each count. */
  ms: number;
}

export interface RequestTimer {
  /** Starts counting afresh; the returned function stops and gives the totals. */
  start(): () => RequestTimes;
  detach(): void;
}

let nextId = 0;

export function timeRequests(client: unknown): RequestTimer {
  const stack = (client as WithMiddleware).middlewareStack;
  const name = `timeRequests${nextId++}`;
  let times: RequestTimes | undefined;
  stack.add(
    (next) => async (args) => {
      const mine = times;
      if (!mine) return next(args);
      const t0 = performance.now();
      try {
        return await next(args);
      } finally {
        mine.count++;
        mine.ms += performance.now() - t0;
      }
    },
    { step: 'initialize', name },
  );
  return {
    start() {
      const mine: RequestTimes = { count: 0, ms: 0 };
      times = mine;
      return () => {
        if (times === mine) times = undefined;
        return mine;
      };
    },
    detach() {
      stack.remove(name);
    },
  };
}
