/**
 * A local model of how AWS runs our handlers — the semantics the cloud path depends on and no
 * local server has:
 *
 * - **Lambda, asynchronous invocation**: the same event (and request id) tried again after
 *   about 1 and 2 more minutes (`MaximumRetryAttempts` from the template), then handed to the
 *   failure destination (an SQS dead-letter queue) as Lambda's destination record.
 * - **Lambda, a killed invocation**: a crash (the runtime exits) or the function's timeout
 *   stops the invocation where it is — it writes nothing more, its `catch` and `finally` never
 *   run. Modelled by freezing it: every AWS SDK call of a killed invocation (told apart by
 *   `AsyncLocalStorage`) never returns. A crash can be placed before any write of a run.
 * - **EventBridge Scheduler**: at least once — a firing may be delivered twice or late; a
 *   one-time `at()` schedule fires at its whole second.
 * - **Step Functions, Distributed Map**: each item a child execution of the item processor's
 *   task, retried by its `Retry` rules, failed items tolerated up to `ToleratedFailureCount`,
 *   at most `MaxConcurrency` at once — all read from the state machine definition of the
 *   synthesized template, not a copy. A killed Lambda is the error `Lambda.Unknown`, a thrown
 *   error its `name` (the errorType).
 *
 * Time is compressed: a minute of Lambda's backoff, the lease of 120 s, the map's retry
 * intervals and the functions' timeouts all shrink by one factor ({@link timeScale}), so their
 * order — which decides what a retry finds — stays as on AWS. The work itself is not
 * compressed, so the factor is sized from a measured baseline ({@link calibrate}): the shortest
 * modelled budget a live run must fit in is the lease (a release that outlives its lease is
 * taken over, or refused at its next step), so the lease is kept at least {@link LEASE_MARGIN}
 * times the longest attempt of the path's clean run, and never shorter than 4 s (the factor
 * {@link TIME_SCALE}, a quiet machine). A machine three times slower gets a three times slower
 * model, not a different outcome. Until calibrated (the clean run itself) the factor is
 * {@link UNCALIBRATED_SCALE}.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** Real seconds per modelled second, at the most compressed. */
export const TIME_SCALE = 1 / 30;
/** The factor for a path's clean run, before anything is measured: generous. */
export const UNCALIBRATED_SCALE = 1 / 10;
/** Lambda's lease on a run's slot or a draft's release (`functions/app/lifecycle.ts`), modelled seconds. */
export const LEASE_SECONDS = 120;
/** The lease is at least this many times the longest attempt measured. */
export const LEASE_MARGIN = 4;

let scale = UNCALIBRATED_SCALE;
let longestOkAttemptMs = 0;

/** Real seconds per modelled second, now. */
export const timeScale = () => scale;

/**
 * Sizes the factor from the longest successful attempt since the last calibration (the
 * path's clean run): the lease at least {@link LEASE_MARGIN} times it. Returns the factor.
 */
export function calibrate(): number {
  scale = Math.max(TIME_SCALE, (LEASE_MARGIN * longestOkAttemptMs) / (LEASE_SECONDS * 1000));
  longestOkAttemptMs = 0;
  return scale;
}

/** A modelled duration in real milliseconds. */
export const scaled = (seconds: number) => Math.round(seconds * 1000 * scale);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One invocation as the model runs it. */
interface Invocation {
  killed: boolean;
  writes: number;
  /** Kill the invocation just before this write (1-based). */
  crashBeforeWrite?: number;
  /** Hold this write (1-based) until the function's timeout kills the invocation. */
  stallAtWrite?: number;
  kill(reason: 'crash' | 'timeout'): void;
}

const running = new AsyncLocalStorage<Invocation>();

/** SDK commands that change something: the steps a crash is placed before. */
const WRITE = /^(Put|Update|Delete|BatchWrite|Copy|CreateMultipartUpload|UploadPart|Complete)/;

interface MiddlewareStack {
  add(
    middleware: (
      next: (args: unknown) => Promise<unknown>,
      context: { commandName?: string },
    ) => (args: unknown) => Promise<unknown>,
    options: { step: 'finalizeRequest'; priority: 'low'; name: string },
  ): void;
}

/**
 * Makes an SDK client obey the model: a killed invocation's calls never return, and a crash
 * placed before a write happens there. Calls outside a modelled invocation pass.
 */
export function obeyTheRuntime(client: { middlewareStack: unknown }): void {
  (client.middlewareStack as MiddlewareStack).add(
    (next, context) => async (args) => {
      const inv = running.getStore();
      if (!inv) return next(args);
      if (inv.killed) return new Promise(() => undefined);
      if (WRITE.test(context.commandName ?? '')) {
        inv.writes += 1;
        if (inv.crashBeforeWrite === inv.writes) {
          inv.kill('crash');
          return new Promise(() => undefined);
        }
        // A store that stops answering: the timeout kills the invocation mid-work.
        if (inv.stallAtWrite === inv.writes) return new Promise(() => undefined);
      }
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'awsRuntimeModel' },
  );
}

export type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** What one attempt did. */
export interface AttemptResult {
  ok: boolean;
  /** The error as the caller sees it: `errorType` for a thrown error, `Lambda.Unknown` when killed. */
  error?: string;
  message?: string;
  killed?: 'crash' | 'timeout';
  /** Writes it sent (a killed one: up to where it stopped). */
  writes: number;
  result?: unknown;
}

/** How one attempt is to go wrong. */
export interface AttemptFault {
  crashBeforeWrite?: number;
  /** Hold this write until the timeout kills the attempt (a stuck dependency). */
  stallAtWrite?: number;
}

function lambdaContext(name: string, requestId: string, deadline: number): Context {
  return {
    awsRequestId: requestId,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws-cn:lambda:cn-north-1:123456789012:function:${name}`,
    memoryLimitInMB: '3008',
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'model',
    callbackWaitsForEmptyEventLoop: true,
    // Scaled back up: the handler reasons in real Lambda time, the model in compressed time.
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The function as the template declares it. */
export interface FunctionModel {
  name: string;
  handler: Handler;
  /** `Timeout` of the function (modelled seconds). */
  timeoutSeconds: number;
}

/** Runs one attempt of a function the way the Lambda runtime does. */
export function runAttempt(
  fn: FunctionModel,
  event: unknown,
  requestId: string,
  fault: AttemptFault = {},
): Promise<AttemptResult> {
  const timeoutMs = scaled(fn.timeoutSeconds);
  const started = Date.now();
  const context = lambdaContext(fn.name, requestId, started + timeoutMs);
  return new Promise<AttemptResult>((resolve) => {
    const inv: Invocation = {
      killed: false,
      writes: 0,
      ...(fault.crashBeforeWrite ? { crashBeforeWrite: fault.crashBeforeWrite } : {}),
      ...(fault.stallAtWrite ? { stallAtWrite: fault.stallAtWrite } : {}),
      kill(reason) {
        if (inv.killed) return;
        inv.killed = true;
        clearTimeout(timer);
        resolve({
          ok: false,
          error: 'Lambda.Unknown',
          message:
            reason === 'timeout' ? `Task timed out after ${fn.timeoutSeconds} s` : 'Runtime exited',
          killed: reason,
          writes: inv.writes,
        });
      },
    };
    const timer = setTimeout(() => inv.kill('timeout'), timeoutMs);
    running
      .run(inv, () => fn.handler(structuredClone(event), context))
      .then(
        (result) => {
          if (inv.killed) return;
          clearTimeout(timer);
          longestOkAttemptMs = Math.max(longestOkAttemptMs, Date.now() - started);
          resolve({ ok: true, writes: inv.writes, result });
        },
        (err: unknown) => {
          if (inv.killed) return;
          clearTimeout(timer);
          const e = err as Error;
          resolve({ ok: false, error: e.name, message: e.message, writes: inv.writes });
        },
      );
  });
}

/** Lambda's destination record for an asynchronous invocation that failed every attempt. */
export interface FailureRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetriesExhausted';
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responsePayload: { errorType: string; errorMessage: string };
}

/** An SQS queue as the model sees it: what arrived, and whether the template alarms on it. */
export interface DeadLetterQueue {
  name: string;
  messages: FailureRecord[];
  alarmed: boolean;
}

/**
 * An asynchronous invocation (the Scheduler's, S3's): the first attempt, then Lambda's
 * retries of the same event with the same request id, about 1 and 2 minutes apart; what
 * still fails goes to the failure destination.
 */
export async function invokeAsync(
  fn: FunctionModel,
  event: unknown,
  opts: {
    retryAttempts: number;
    destination: DeadLetterQueue;
    faults?: (attempt: number) => AttemptFault | undefined;
  },
): Promise<{ outcome: 'succeeded' | 'dead-lettered'; attempts: AttemptResult[] }> {
  const requestId = randomUUID();
  const attempts: AttemptResult[] = [];
  for (let n = 0; n <= opts.retryAttempts; n++) {
    if (n > 0) await sleep(scaled(60 * n));
    const r = await runAttempt(fn, event, requestId, opts.faults?.(n + 1));
    attempts.push(r);
    if (r.ok) return { outcome: 'succeeded', attempts };
  }
  const last = attempts.at(-1)!;
  opts.destination.messages.push({
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId,
      functionArn: `arn:aws-cn:lambda:cn-north-1:123456789012:function:${fn.name}`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: attempts.length,
    },
    requestPayload: event,
    responsePayload: { errorType: last.error ?? 'Unknown', errorMessage: last.message ?? '' },
  });
  return { outcome: 'dead-lettered', attempts };
}

/**
 * EventBridge Scheduler delivering one firing to an asynchronous target: at least once —
 * `duplicate` delivers it twice at once, `lateMs` delivers it (again) that much after the first
 * delivery finished.
 */
export async function deliverFiring<T>(
  deliver: () => Promise<T>,
  opts: { duplicate?: boolean; lateMs?: number } = {},
): Promise<T[]> {
  const first = opts.duplicate ? await Promise.all([deliver(), deliver()]) : [await deliver()];
  if (opts.lateMs === undefined) return first;
  await sleep(opts.lateMs);
  return [...first, await deliver()];
}

/** `at(2026-12-01T01:30:00)` → the instant it fires (whole seconds, UTC). */
export function atInstant(expression: string): Date {
  const m = /^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$/.exec(expression);
  if (!m) throw new Error(`not a one-time schedule expression (whole seconds): ${expression}`);
  return new Date(`${m[1]}Z`);
}

/** Waits until the wall clock reaches `at` (a one-time schedule's second). */
export async function untilInstant(at: Date): Promise<void> {
  while (Date.now() < at.getTime()) await sleep(Math.min(50, at.getTime() - Date.now()));
}

// ---------------------------------------------------------------- Step Functions

/** A retrier of a Task state (Amazon States Language). */
export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
}

interface AslState {
  Type: string;
  Next?: string;
  Resource?: string;
  Retry?: Retrier[];
  TimeoutSeconds?: number;
  MaxConcurrency?: number;
  ToleratedFailureCount?: number;
  ToleratedFailurePercentage?: number;
  ItemProcessor?: { StartAt: string; States: Record<string, AslState> };
}

/** A state machine's definition from its synthesized resource (ARNs become `ARN(<logical id>)`). */
export function stateMachineDefinition(resource: { Properties: Record<string, unknown> }): {
  StartAt: string;
  States: Record<string, AslState>;
} {
  const body = resource.Properties['DefinitionString'] as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const att = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      const ref = (part as { Ref?: string }).Ref;
      return `ARN(${att?.[0] ?? ref ?? '?'})`;
    })
    .join('');
  return JSON.parse(text) as { StartAt: string; States: Record<string, AslState> };
}

/** The Distributed Map of a definition: its item task, retriers, tolerance and concurrency. */
export function distributedMapOf(definition: ReturnType<typeof stateMachineDefinition>) {
  const map = Object.values(definition.States).find((s) => s.Type === 'Map');
  if (!map?.ItemProcessor) throw new Error('no Map state with an ItemProcessor in the definition');
  const task = map.ItemProcessor.States[map.ItemProcessor.StartAt]!;
  return {
    task,
    retry: task.Retry ?? [],
    taskTimeoutSeconds: task.TimeoutSeconds,
    maxConcurrency: map.MaxConcurrency ?? 0,
    toleratedFailureCount: map.ToleratedFailureCount ?? 0,
    toleratedFailurePercentage: map.ToleratedFailurePercentage ?? 0,
  };
}

/** The retrier that applies to an error (first match; `States.ALL` matches all). */
function retrierFor(retry: Retrier[], error: string): Retrier | undefined {
  return retry.find(
    (r) =>
      r.ErrorEquals.includes(error) ||
      r.ErrorEquals.includes('States.ALL') ||
      (r.ErrorEquals.includes('States.TaskFailed') && error !== 'States.Timeout'),
  );
}

export interface ItemOutcome {
  item: unknown;
  ok: boolean;
  attempts: AttemptResult[];
  error?: string;
}

/**
 * Runs a Distributed Map: each item its own child execution of the task, retried per the
 * definition's retriers (waits scaled, no jitter: the longest wait FULL jitter allows), at most
 * `MaxConcurrency` at once; the map fails when more items fail than it tolerates.
 */
export async function runDistributedMap(
  map: ReturnType<typeof distributedMapOf>,
  items: unknown[],
  fn: FunctionModel,
  faults?: (item: unknown, attempt: number) => AttemptFault | undefined,
): Promise<{ failed: boolean; error?: string; items: ItemOutcome[] }> {
  const outcomes: ItemOutcome[] = [];
  const queue = items.map((item, i) => ({ item, i }));
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const attempts: AttemptResult[] = [];
      const tries = new Map<Retrier, number>();
      for (;;) {
        const r = await runAttempt(
          fn,
          next.item,
          randomUUID(),
          faults?.(next.item, attempts.length + 1),
        );
        attempts.push(r);
        if (r.ok) break;
        const retrier = retrierFor(map.retry, r.error!);
        const used = retrier ? (tries.get(retrier) ?? 0) : 0;
        if (!retrier || used >= (retrier.MaxAttempts ?? 3)) break;
        tries.set(retrier, used + 1);
        const wait = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** used;
        await sleep(scaled(Math.min(wait, retrier.MaxDelaySeconds ?? Infinity)));
      }
      const last = attempts.at(-1)!;
      outcomes[next.i] = {
        item: next.item,
        ok: last.ok,
        attempts,
        ...(last.ok ? {} : { error: last.error! }),
      };
    }
  };
  const width = Math.max(1, Math.min(map.maxConcurrency || items.length, items.length));
  await Promise.all(Array.from({ length: width }, worker));
  const failures = outcomes.filter((o) => !o.ok).length;
  const tolerated = Math.max(
    map.toleratedFailureCount,
    Math.floor((map.toleratedFailurePercentage / 100) * items.length),
  );
  return failures > tolerated
    ? { failed: true, error: 'States.ExceedToleratedFailureThreshold', items: outcomes }
    : { failed: false, items: outcomes };
}

/** A table for the test log: one row per fault, one column per path. */
export function semanticsTable(
  paths: string[],
  rows: { fault: string; outcomes: Record<string, string> }[],
): string {
  const header = ['fault', ...paths];
  const body = rows.map((r) => [r.fault, ...paths.map((p) => r.outcomes[p] ?? '—')]);
  const widths = header.map((h, i) =>
    Math.max(width(h), ...body.map((cells) => width(cells[i] ?? ''))),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c + ' '.repeat(widths[i]! - width(c))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

/** Display width: a CJK character takes two columns. */
function width(s: string): number {
  let n = 0;
  for (const ch of s) n += /[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1;
  return n;
}
