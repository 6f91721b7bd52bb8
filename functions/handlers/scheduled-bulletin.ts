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
 *
 * The release calendar decides first (app/calendar.ts `firingDecision`): a firing whose date was
 * cancelled publishes nothing; one whose date was moved publishes nothing at its first time, and
 * the one-off schedule made when it was moved (adapters/scheduler/report-schedules.ts) comes at
 * the new time with `movedTo` and the first time as `scheduledTime` — the slot stays the first
 * time's, so a repeated delivery finds its run.
 */
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { firingDecision } from '../app/calendar.ts';
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
  /** A moved release date's one-off firing: the time it was moved to (UTC ISO). */
  movedTo: z.iso.datetime({ offset: true }).optional(),
});
export type ScheduledEvent = z.infer<typeof scheduledEventSchema>;

/** A firing the release calendar stopped: nothing ran, nothing was published. */
export interface SkippedFiring {
  outcome: 'cancelled' | 'moved' | 'superseded';
  slotKey: string;
  message: string;
  printed: false;
  runId?: undefined;
  draftId?: undefined;
  issueId?: undefined;
}

export type ScheduledOutcome = TriggerOutcome | SkippedFiring;

const SKIPPED = {
  cancelled: '该期发布已在发布日程中取消',
  moved: '该期发布已在发布日程中改期，将在新的时间发布',
  superseded: '该次改期已被之后的改期或取消取代',
} as const;

export async function handler(event: unknown, context?: Context): Promise<ScheduledOutcome> {
  return invocation('scheduled-bulletin', context, async () => {
    const e = parseOrReject(scheduledEventSchema, event, '定时任务事件 (scheduler event)');
    const slotKey = slotKeys.scheduled(e.scheduleId, e.scheduledTime);
    logger.info('定时运行', {
      slotKey,
      attempt: e.attemptNumber,
      executionId: e.executionId,
      ...(e.movedTo ? { movedTo: e.movedTo } : {}),
    });
    const s = runtimeServices();
    const decision = await firingDecision(s.calendar, {
      scheduleId: e.scheduleId,
      firstAt: new Date(e.scheduledTime),
      ...(e.movedTo ? { movedTo: new Date(e.movedTo) } : {}),
    });
    if (!decision.runs) {
      const message = `${SKIPPED[decision.why]}${decision.change ? `（原因：${decision.change.reason}）` : ''}`;
      logger.info('按发布日程跳过定时运行', { slotKey, why: decision.why });
      return { outcome: decision.why, slotKey, message, printed: false };
    }
    const result = await publishReport(publishDeps(s, context), {
      kind: e.kind,
      ...paramsOf(e),
      slotKey,
      trigger: `schedule ${e.scheduleId}`,
    });
    recordPublished(result, e.kind);
    return outcomeOf(result);
  });
}
