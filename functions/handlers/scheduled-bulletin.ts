/**
 * Lambda: EventBridge Scheduler → publish the scheduled report.
 *
 * The schedule's target input (infra/constructs/report-schedules.ts) is the schedule's kind and
 * parameters (data/schedules.json, schema in functions/contract/schedules.ts) plus the
 * Scheduler's context attributes `scheduledTime`, `scheduleArn`, `executionId` and
 * `attemptNumber`. The issue is keyed on `schedule:<id>:<scheduled time>`: Scheduler delivers
 * at least once and Lambda retries async invocations, and every retry of one firing finds the
 * issue of its slot instead of numbering a new one. All-zones schedules start the fan-out state
 * machine instead and never come here.
 */
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { publishReport } from '../app/publish.ts';
import { paramsOf, parseOrReject, requestSchemaWith, slotKeys } from '../app/requests.ts';
import {
  invocation,
  logger,
  publishDeps,
  recordPublished,
  runtimeServices,
  outcomeOf,
  type TriggerOutcome,
} from './runtime.ts';

/** The event this handler receives (the Scheduler target input, context attributes resolved). */
export const scheduledEventSchema = requestSchemaWith({
  scheduleId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  /** `<aws.scheduler.scheduled-time>`: the time the schedule was meant to fire (UTC ISO). */
  scheduledTime: z.iso.datetime({ offset: true }),
  scheduleArn: z.string().optional(),
  executionId: z.string().optional(),
  attemptNumber: z.coerce.number().int().optional(),
});
export type ScheduledEvent = z.infer<typeof scheduledEventSchema>;

export type ScheduledOutcome = TriggerOutcome;

export async function handler(event: unknown, context?: Context): Promise<ScheduledOutcome> {
  return invocation('scheduled-bulletin', context, async () => {
    const e = parseOrReject(scheduledEventSchema, event, 'scheduler event');
    const slotKey = slotKeys.scheduled(e.scheduleId, e.scheduledTime);
    logger.info('scheduled run', { slotKey, attempt: e.attemptNumber, executionId: e.executionId });
    const result = await publishReport(publishDeps(runtimeServices(), context), {
      kind: e.kind,
      ...paramsOf(e),
      slotKey,
      trigger: `schedule ${e.scheduleId}`,
    });
    recordPublished(result, e.kind);
    return outcomeOf(result);
  });
}
