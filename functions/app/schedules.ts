/**
 * The schedules of `data/schedules.json` at run time: loading them (the schema is the
 * contract's, shared with the CDK stack) and firing one — a report of its kind with its
 * parameters, or the all-zones batch — under the slot key of its scheduled time. `bulletin
 * serve` fires them with croner; on AWS EventBridge Scheduler invokes the scheduled Lambda (one
 * report) or starts the fan-out state machine (all zones).
 */
import { ConfigError, ValidationError } from '../errors.ts';
import {
  readSchedules,
  ScheduleFileError,
  type ScheduleDefinition,
} from '../contract/schedules.ts';
import { runZoneBatch, type ZoneBatchResult } from './batch.ts';
import { publishReport, type PublishDeps, type PublishResult } from './publish.ts';
import { checkRequest, slotKeys, type ReportRequest } from './requests.ts';

export type { ScheduleDefinition };

/**
 * Reads and validates a schedules file.
 * @throws ConfigError when it cannot be read or is not JSON; ValidationError naming the entry
 *   (`$[1]`) and field of every problem otherwise.
 */
export async function loadSchedules(file: string): Promise<ScheduleDefinition[]> {
  try {
    return readSchedules(file);
  } catch (err) {
    if (!(err instanceof ScheduleFileError)) throw err;
    if (err.problems.length === 1 && err.problems[0]!.location === '$')
      throw new ConfigError(`定时任务文件 ${file}：${err.problems[0]!.message}`, { cause: err });
    throw new ValidationError('schedules', err.problems);
  }
}

/** The request one firing of a single-report schedule publishes. */
export function scheduledRequest(
  def: ScheduleDefinition,
  scheduledAt: Date | string,
): ReportRequest {
  return checkRequest(
    { kind: def.kind, ...def.params, slotKey: slotKeys.scheduled(def.id, scheduledAt) },
    `schedule ${def.id}`,
  );
}

/** What one firing did: one report triggered (a draft, or released), or the all-zones batch run. */
export type ScheduleOutcome =
  ({ allZones: false } & PublishResult) | ({ allZones: true } & ZoneBatchResult);

/**
 * Fires a schedule for the time it was meant to run at. A single report is keyed on
 * `schedule:<id>:<time>` (a repeated firing finds its issue); the batch skips the zones whose
 * report is unchanged, so repeating it renders nothing.
 */
export async function fireSchedule(
  deps: PublishDeps,
  def: ScheduleDefinition,
  scheduledAt: Date,
  opts: { concurrency?: number } = {},
): Promise<ScheduleOutcome> {
  if (def.allZones) {
    const result = await runZoneBatch(deps, {
      concurrency: opts.concurrency ?? 2,
      ...(def.params.period ? { period: def.params.period } : {}),
    });
    return { allZones: true, ...result };
  }
  return {
    allZones: false,
    ...(await publishReport(deps, {
      ...scheduledRequest(def, scheduledAt),
      trigger: `schedule ${def.id}`,
    })),
  };
}
