/**
 * Lambda: EventBridge Scheduler → publish the scheduled report.
 *
 * The schedule's target input (infra/constructs/schedules.ts) is a JSON object whose
 * `scheduledTime`, `scheduleArn`, `executionId` and `attemptNumber` are filled in by the
 * Scheduler's context attributes. The issue is keyed on `schedule:<id>:<scheduled time>`:
 * Scheduler delivers at least once and Lambda retries async invocations, and every retry of
 * one firing finds the issue of its slot instead of numbering a new one.
 */
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { generateReport, parseOrReject, REPORT_KINDS, scheduledSlotKey } from './reports.ts';
import { invocation, logger, publishDeps, recordPublished, runtimeServices } from './runtime.ts';

/** The event this handler receives (the Scheduler target input, context attributes resolved). */
export const scheduledEventSchema = z.object({
  scheduleId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  kind: z.enum(REPORT_KINDS),
  series: z.string().optional(),
  /** `<aws.scheduler.scheduled-time>`: the time the schedule was meant to fire (UTC ISO). */
  scheduledTime: z.iso.datetime({ offset: true }),
  scheduleArn: z.string().optional(),
  executionId: z.string().optional(),
  attemptNumber: z.coerce.number().int().optional(),
});
export type ScheduledEvent = z.infer<typeof scheduledEventSchema>;

export interface ScheduledOutcome {
  issueId: string;
  status: string;
  /** False when this firing had already been published (a duplicate delivery). */
  rendered: boolean;
}

export async function handler(event: unknown, context?: Context): Promise<ScheduledOutcome> {
  return invocation('scheduled-bulletin', context, async () => {
    const e = parseOrReject(scheduledEventSchema, event, 'scheduler event');
    const slotKey = scheduledSlotKey(e.scheduleId, e.scheduledTime);
    logger.info('scheduled run', { slotKey, attempt: e.attemptNumber, executionId: e.executionId });
    const result = await generateReport(publishDeps(runtimeServices()), {
      kind: e.kind,
      slotKey,
      ...(e.series ? { series: e.series } : {}),
      requestedBy: e.scheduleArn ?? `schedule:${e.scheduleId}`,
    });
    recordPublished(result, e.kind);
    return { issueId: result.issue.id, status: result.issue.status, rendered: result.rendered };
  });
}
