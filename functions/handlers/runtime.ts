/**
 * What every Lambda handler shares: the configuration (read once per container), the services
 * (created once per container, so the browser and the SDK connections survive between warm
 * invocations), the Powertools logger (JSON lines) and the metrics of a render.
 *
 * Handlers stay thin: parse the event, call the application layer, map the result.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { loadConfig, type AppConfig } from '../config.ts';
import { BulletinError, ValidationError } from '../errors.ts';
import { createChromiumRenderer } from '../adapters/print/renderer.ts';
import type { PublishDeps, PublishResult } from '../app/publish.ts';
import { createServices, publishDepsOf, type Services } from '../wiring/services.ts';

const SERVICE = 'torch-bulletin';

/** Structured JSON logs (one object per line, with the request id once a context is added). */
export const logger = new Logger({ serviceName: SERVICE });

/** CloudWatch metrics in the embedded metric format (written to stdout, no API call). */
export const metrics = new Metrics({ namespace: 'TorchBulletin', serviceName: SERVICE });

let config: AppConfig | undefined;
let services: Services | undefined;
/** Lease of a slot's run (ms): Lambda's default, or a test's compressed time. */
let leaseMs: number | undefined;

/** The validated configuration, read from the environment on first use. */
export function runtimeConfig(): AppConfig {
  config ??= loadConfig(process.env);
  return config;
}

/**
 * The services of this container, created on first use and kept for warm invocations.
 * The browser starts on the first render, not here.
 */
export function runtimeServices(): Services {
  services ??= createServices(runtimeConfig(), {
    // One invocation at a time per container: one page is enough.
    renderer: createChromiumRenderer({
      ...runtimeConfig().print,
      pagePoolSize: 1,
      log: (m) => logger.debug(m),
    }),
  });
  return services;
}

/**
 * Closes the services and forgets the configuration, so the next invocation reads the
 * environment again. Lambda never calls this; tests and local runs do.
 */
export async function resetRuntime(): Promise<void> {
  const open = services;
  services = undefined;
  config = undefined;
  leaseMs = undefined;
  await open?.close();
}

/**
 * Runs the handlers of this process on the given services, and with a lease of `lease` ms —
 * for the local model of AWS's runtime (tests/support/aws-semantics.ts), which compresses
 * Lambda's minutes into milliseconds and prints with a small renderer. `resetRuntime()`
 * undoes it. Lambda never calls this.
 */
export function useRuntime(opts: { services?: Services; leaseMs?: number }): void {
  if (opts.services) {
    services = opts.services;
    config = opts.services.config;
  }
  leaseMs = opts.leaseMs;
}

/** Folder for the HTML and PDF of each render: Lambda's only writable place is /tmp. */
export function renderWorkDir(): string {
  return join(tmpdir(), 'torch-bulletin-work');
}

/**
 * The dependencies of the publish use case from this container's services. With the Lambda
 * context, a run waits for a slot another run holds at most half of the time the invocation
 * has left: then it fails with a retryable LeaseHeldError (Lambda's asynchronous retry, the
 * state machine's retry or SQS's redelivery comes), instead of being killed by the timeout
 * with nothing said.
 */
export function publishDeps(
  s: Services,
  context?: { getRemainingTimeInMillis?: () => number },
): PublishDeps {
  const remaining = context?.getRemainingTimeInMillis?.();
  return {
    ...publishDepsOf(s, { workDir: renderWorkDir(), log: (m) => logger.info(m) }),
    ...(leaseMs !== undefined ? { leaseMs } : {}),
    ...(remaining !== undefined ? { slotWaitMs: Math.max(0, Math.floor(remaining / 2)) } : {}),
  };
}

/** What a trigger Lambda answers: how its run ended (a direct invocation's result). */
export interface TriggerOutcome {
  outcome: string;
  runId: string;
  slotKey: string;
  message: string;
  /** False when this run printed nothing (already out, unchanged, empty, another run's). */
  printed: boolean;
  draftId?: string;
  issueId?: string;
}

export function outcomeOf(result: PublishResult): TriggerOutcome {
  return {
    outcome: result.outcome,
    runId: result.run.runId,
    slotKey: result.run.slotKey,
    message: result.message,
    printed: result.printed,
    ...(result.draft ? { draftId: result.draft.id } : {}),
    ...(result.issue ? { issueId: result.issue.id } : {}),
  };
}

/** Logs what a trigger did and records render time, PDF size and page count of a release. */
export function recordPublished(result: PublishResult, kind: string): void {
  const { issue, draft, timings } = result;
  logger.info(`触发 (trigger)：${result.outcome}`, {
    runId: result.run.runId,
    slotKey: result.run.slotKey,
    outcome: result.outcome,
    message: result.message,
    ...(issue ? { issueId: issue.id, pages: issue.pages, bytes: issue.bytes } : {}),
    ...(draft ? { draftId: draft.id } : {}),
    printed: result.printed,
    timings,
  });
  metrics.addMetric(`Trigger_${result.outcome}`, MetricUnit.Count, 1);
  if (!result.printed) return;
  metrics.addDimension('kind', kind);
  metrics.addMetric('RenderTime', MetricUnit.Milliseconds, Math.round(timings.pdfMs));
  metrics.addMetric(
    'GenerateTime',
    MetricUnit.Milliseconds,
    Math.round(timings.composeMs + timings.htmlMs + timings.pdfMs),
  );
  if (result.outcome === 'released' && issue) {
    if (issue.bytes !== undefined) metrics.addMetric('PdfSize', MetricUnit.Bytes, issue.bytes);
    if (issue.pages !== undefined) metrics.addMetric('PdfPages', MetricUnit.Count, issue.pages);
  }
}

/**
 * Runs one invocation: counts a failure metric and logs the error when `work` throws (and
 * rethrows, so Lambda's retries and failure destination apply), and always flushes metrics.
 */
export async function invocation<T>(
  handlerName: string,
  context: { awsRequestId?: string } | undefined,
  work: () => Promise<T>,
): Promise<T> {
  if (context?.awsRequestId) logger.appendKeys({ requestId: context.awsRequestId });
  logger.appendKeys({ handler: handlerName });
  metrics.captureColdStartMetric();
  try {
    return await work();
  } catch (err) {
    metrics.addMetric('Failures', MetricUnit.Count, 1);
    logger.error(`${handlerName} 失败`, {
      error: err as Error,
      kind: err instanceof BulletinError ? err.name : 'UnexpectedError',
      ...(err instanceof ValidationError ? { problems: err.problems.slice(0, 50) } : {}),
    });
    throw err;
  } finally {
    // An API read records nothing: no empty metrics blob (and no warning about it).
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    logger.removeKeys(['requestId', 'handler']);
  }
}
