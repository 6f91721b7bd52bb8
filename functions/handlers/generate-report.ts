/**
 * Lambda: generate one report on demand, or do the editorial work that prints (a release, an
 * embargoed release whose time has come, a correction, a retried run) handed over by the API.
 *
 * Fed by the report queue (SQS, batch size 1: a render takes the whole function), to which the
 * API handler sends the jobs it has numbered; it can also be invoked directly with a
 * {@link ReportJob} as the payload (`aws lambda invoke`), in which case a missing slot key
 * defaults to `invoke:<request id>` — the same id on Lambda's own retries.
 *
 * A job whose issue is already published returns it without rendering again. A failed job
 * is reported as a batch item failure: SQS redelivers it and, after the queue's
 * maxReceiveCount, moves it to the dead-letter queue (alarmed).
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { publishReport, runOperatorJob } from '../app/publish.ts';
import {
  isOperatorJob,
  operatorJobSchema,
  parseOrReject,
  reportJobSchema,
  slotKeys,
  type ReportJob,
} from '../app/requests.ts';
import {
  invocation,
  logger,
  publishDeps,
  recordPublished,
  runtimeServices,
  outcomeOf,
  type TriggerOutcome,
} from './runtime.ts';

export type GenerateOutcome = TriggerOutcome | { operatorJob: string; done: string };

/** A queued or invoked message: a report request, or editorial work handed over by the API. */
async function runMessage(
  body: unknown,
  source: string,
  context?: Context,
): Promise<GenerateOutcome> {
  if (!isOperatorJob(body)) return runJob(parseOrReject(reportJobSchema, body, source), context);
  const job = parseOrReject(operatorJobSchema, body, source);
  logger.info('编辑操作 (editorial job)', { action: job.action, key: job.slotKey });
  const done = await runOperatorJob(publishDeps(runtimeServices(), context), job);
  logger.info(done, { action: job.action });
  return { operatorJob: job.slotKey, done };
}

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: { eventSource?: string }[] } | null)?.Records;
  return Array.isArray(records) && records.every((r) => r.eventSource === 'aws:sqs');
}

async function runJob(job: ReportJob, context?: Context): Promise<GenerateOutcome> {
  logger.info('正在生成报告', { kind: job.kind, slotKey: job.slotKey, period: job.period });
  const { requestedBy: _by, ...request } = job;
  const result = await publishReport(publishDeps(runtimeServices(), context), {
    ...request,
    trigger: job.requestedBy ? `api (${job.requestedBy})` : 'invocation',
  });
  recordPublished(result, job.kind);
  return outcomeOf(result);
}

export async function handler(
  event: unknown,
  context?: Context,
): Promise<SQSBatchResponse | GenerateOutcome> {
  return invocation('generate-report', context, async () => {
    if (!isSqsEvent(event)) {
      const payload = { ...(event as object) } as Record<string, unknown>;
      payload['slotKey'] ??= slotKeys.invocation(context?.awsRequestId ?? crypto.randomUUID());
      return runMessage(payload, 'invocation payload', context);
    }
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        let body: unknown;
        try {
          body = JSON.parse(record.body);
        } catch {
          body = record.body; // reported by the schema check below
        }
        await runMessage(body, `SQS 消息 ${record.messageId}`, context);
      } catch (err) {
        logger.error('报告任务失败', {
          messageId: record.messageId,
          receiveCount: record.attributes?.ApproximateReceiveCount,
          error: err as Error,
        });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    if (failures.length > 0) throw new BatchFailed(failures);
    return { batchItemFailures: [] };
  }).catch((err: unknown) => {
    // invocation() counted and logged the failure; SQS only needs the ids to redeliver.
    if (err instanceof BatchFailed) return { batchItemFailures: err.failures };
    throw err;
  });
}

/** Carries the failed message ids through `invocation()`, which counts it as a failure. */
class BatchFailed extends Error {
  override name = 'BatchFailed';
  constructor(readonly failures: SQSBatchResponse['batchItemFailures']) {
    super(`${failures.length} 个报告任务失败`);
  }
}
