/**
 * The report schedules on AWS (infra/constructs/report-schedules.ts: one EventBridge Scheduler
 * schedule per entry of data/schedules.json, named by its id, in the stack's report schedule
 * group), as the console and the release calendar change them:
 *
 * - **the switch**: GetSchedule, then UpdateSchedule with everything GetSchedule returned and
 *   only `State` changed (UpdateSchedule replaces the whole schedule: a field left out is reset);
 * - **a moved release date**: a one-time schedule `moved-<id>-<first time>` (`at()` in UTC,
 *   deleted by the Scheduler after it fired) in the same group with the recurring schedule's own
 *   target, role, retry policy and dead-letter queue, whose input is the recurring one's with
 *   `scheduledTime` fixed to the first planned time (the slot: a repeated firing finds its run)
 *   and `movedTo` the new time. The target (the scheduled function, or the all-zones state
 *   machine's plan step) consults the calendar and runs it only while that move stands; the
 *   recurring firing at the first time is skipped there (app/calendar.ts `firingDecision`).
 */
import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  UpdateScheduleCommand,
  type GetScheduleCommandOutput,
  type SchedulerClient,
  type UpdateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { NotFoundError, StoreError } from '../../errors.ts';
import type { ReportScheduler } from '../../app/ports.ts';
import { atExpression } from './release-schedule.ts';

export interface ReportScheduleSettings {
  /** The stack's report schedule group (its schedules are named by their id). */
  groupName: string;
}

/** The one-time schedule of a moved firing: ≤ 64 characters of `[0-9a-zA-Z-_.]`. */
export function movedFiringName(scheduleId: string, firstAt: Date): string {
  const stamp = firstAt.toISOString().slice(0, 16).replace(/[-:]/g, '');
  const name = `moved-${scheduleId}-${stamp}`;
  return name.length <= 64
    ? name
    : `moved-${createHash('sha256').update(`${scheduleId}|${stamp}`).digest('hex').slice(0, 40)}`;
}

/** What UpdateSchedule needs to keep a schedule as GetSchedule returned it, `State` aside. */
function updateOf(
  got: GetScheduleCommandOutput,
  state: 'ENABLED' | 'DISABLED',
): UpdateScheduleCommandInput {
  if (!got.Name || !got.ScheduleExpression || !got.Target || !got.FlexibleTimeWindow)
    throw new StoreError('report-schedule', `GetSchedule 的回答不完整 (${got.Name ?? '?'})`);
  return {
    Name: got.Name,
    GroupName: got.GroupName,
    ScheduleExpression: got.ScheduleExpression,
    ScheduleExpressionTimezone: got.ScheduleExpressionTimezone,
    StartDate: got.StartDate,
    EndDate: got.EndDate,
    Description: got.Description,
    KmsKeyArn: got.KmsKeyArn,
    Target: got.Target,
    FlexibleTimeWindow: got.FlexibleTimeWindow,
    ActionAfterCompletion: got.ActionAfterCompletion,
    State: state,
  };
}

export function createReportScheduler(
  client: SchedulerClient,
  settings: ReportScheduleSettings,
): ReportScheduler {
  const get = async (scheduleId: string) => {
    try {
      return await client.send(
        new GetScheduleCommand({ Name: scheduleId, GroupName: settings.groupName }),
      );
    } catch (err) {
      if (err instanceof ResourceNotFoundException)
        throw new NotFoundError(
          'report-schedule',
          `EventBridge Scheduler 中没有定时任务 ${scheduleId}（组 ${settings.groupName}）：部署的栈与 data/schedules.json 不一致`,
          { cause: err },
        );
      throw new StoreError('report-schedule', `无法读取定时任务 ${scheduleId} (GetSchedule)`, {
        cause: err,
      });
    }
  };

  return {
    async setEnabled(scheduleId, enabled) {
      const got = await get(scheduleId);
      try {
        await client.send(
          new UpdateScheduleCommand(updateOf(got, enabled ? 'ENABLED' : 'DISABLED')),
        );
      } catch (err) {
        throw new StoreError(
          'report-schedule',
          `无法${enabled ? '启用' : '停用'}定时任务 ${scheduleId} (UpdateSchedule)`,
          { cause: err },
        );
      }
    },

    async fireMovedAt(scheduleId, firstAt, at) {
      const { Target: target } = await get(scheduleId);
      if (!target?.Input)
        throw new StoreError(
          'report-schedule',
          `定时任务 ${scheduleId} 没有目标输入 (Target.Input)`,
        );
      const input = {
        ...(JSON.parse(target.Input) as Record<string, unknown>),
        scheduledTime: firstAt.toISOString(),
        movedTo: at.toISOString(),
      };
      const schedule = {
        Name: movedFiringName(scheduleId, firstAt),
        GroupName: settings.groupName,
        ScheduleExpression: atExpression(at),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' as const },
        ActionAfterCompletion: 'DELETE' as const,
        Description: `Torch Bulletin：定时任务 ${scheduleId} 由 ${firstAt.toISOString()} 改期至 ${at.toISOString()}`,
        Target: { ...target, Input: JSON.stringify(input) },
      };
      try {
        await client.send(new CreateScheduleCommand(schedule));
      } catch (err) {
        if (!(err instanceof ConflictException))
          throw new StoreError(
            'report-schedule',
            `无法为改期的 ${scheduleId} 安排新的发布时间 (CreateSchedule)`,
            { cause: err },
          );
        // Moved before: move it again.
        await client.send(new UpdateScheduleCommand(schedule));
      }
    },

    async dropMovedFiring(scheduleId, firstAt) {
      try {
        await client.send(
          new DeleteScheduleCommand({
            Name: movedFiringName(scheduleId, firstAt),
            GroupName: settings.groupName,
          }),
        );
      } catch (err) {
        if (err instanceof ResourceNotFoundException) return;
        throw new StoreError(
          'report-schedule',
          `无法删除 ${scheduleId} 改期后的一次性定时 (DeleteSchedule)`,
          { cause: err },
        );
      }
    },
  };
}
