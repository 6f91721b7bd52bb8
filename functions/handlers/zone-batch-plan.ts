/**
 * Lambda: first step of the all-zones state machine (infra/constructs/zone-fanout.ts). Composes
 * every zone's profile, hashes it and returns the zones whose report changed as `jobs` (the
 * Distributed Map's items) and the unchanged ones as `done` (skipped).
 */
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { cachedReads, planZoneBatch, type ZonePlan } from '../app/batch.ts';
import { firingDecision } from '../app/calendar.ts';
import { parseOrReject } from '../app/requests.ts';
import { invocation, logger, runtimeServices } from './runtime.ts';

export const zoneBatchRequestSchema = z.object({
  /** Data period for every zone; default: each zone's latest year. */
  period: z
    .string()
    .regex(/^\d{4}$/)
    .optional(),
  /** Zone ids or names; default: every national zone. */
  zones: z.array(z.string().min(1).max(80)).max(5000).optional(),
  /** Render even the zones whose report is unchanged (e.g. after a fix in the code). */
  force: z.boolean().optional(),
  /**
   * `<aws.scheduler.scheduled-time>` when a schedule started the run: the run's id, so that a
   * duplicate delivery of one firing renders each zone once (the same slots).
   */
  scheduledTime: z.iso.datetime({ offset: true }).optional(),
  /** The schedule that started the run: its firing is checked against the release calendar. */
  scheduleId: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .optional(),
  /** A moved release date's one-off firing: the time it was moved to. */
  movedTo: z.iso.datetime({ offset: true }).optional(),
});

export async function handler(event: unknown, context?: Context): Promise<ZonePlan> {
  return invocation('zone-batch-plan', context, async () => {
    const req = parseOrReject(zoneBatchRequestSchema, event ?? {}, '分园区批量请求 (zone batch)');
    const s = runtimeServices();
    // A date cancelled or moved on the release calendar plans nothing (the moved one comes again
    // at its new time with `movedTo`, see handlers/scheduled-bulletin.ts).
    if (req.scheduleId && req.scheduledTime) {
      const decision = await firingDecision(s.calendar, {
        scheduleId: req.scheduleId,
        firstAt: new Date(req.scheduledTime),
        ...(req.movedTo ? { movedTo: new Date(req.movedTo) } : {}),
      });
      if (!decision.runs) {
        logger.info('按发布日程跳过分园区批量 (zone batch)', {
          scheduleId: req.scheduleId,
          scheduledTime: req.scheduledTime,
          why: decision.why,
        });
        return { jobs: [], done: [] };
      }
    }
    const plan = await planZoneBatch(
      {
        records: cachedReads(s.records),
        catalog: s.catalog,
        reference: s.reference,
        timeZone: s.config.timeZone,
      },
      {
        ...(req.period ? { period: req.period } : {}),
        ...(req.zones ? { zones: req.zones } : {}),
        ...(req.force ? { force: true } : {}),
        ...(req.scheduledTime
          ? { runId: `schedule-${new Date(req.scheduledTime).toISOString()}` }
          : {}),
      },
    );
    logger.info('分园区批量 (zone batch) 已排定', {
      jobs: plan.jobs.length,
      done: plan.done.length,
    });
    return plan;
  });
}
