/**
 * Embargoed releases on AWS: one EventBridge Scheduler one-time schedule per draft
 * (`at(…)` in UTC, whole seconds), in the stack's own schedule group, which invokes the
 * generate function with a `release-due` job at the release time and deletes itself
 * afterwards. Scheduling the same draft again moves its schedule. A delivery that fails after
 * the Scheduler's retries goes to the dead-letter queue (alarmed), never nowhere.
 */
import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  UpdateScheduleCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { StoreError } from '../../errors.ts';
import { isWholeSecond } from '../../core/embargo.ts';

export interface ReleaseScheduleTarget {
  /** The function to invoke (the generate function). */
  targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke it. */
  roleArn: string;
  /** The stack's own schedule group (deleted with the stack; never `default`). */
  groupName: string;
  /** Where the Scheduler puts a delivery that failed after its retries. */
  deadLetterArn?: string;
}

/** A schedule name (≤ 64 characters of `[0-9a-zA-Z-_.]`) for a draft. */
export function releaseScheduleName(draftId: string): string {
  const name = `release-${draftId}`.replace(/[^0-9A-Za-z._-]/g, '_');
  return name.length <= 64
    ? name
    : `release-${createHash('sha256').update(draftId).digest('hex').slice(0, 40)}`;
}

/**
 * `at(2026-12-01T01:30:00)` (UTC). Scheduler's `at()` has whole seconds and no zone: a time
 * with milliseconds is refused here rather than cut, because a cut time fires before the
 * release time the catalog holds.
 */
export function atExpression(at: Date): string {
  if (!isWholeSecond(at))
    throw new StoreError(
      'release-schedule',
      `发布时间须为整秒 (at() has whole seconds): ${Number.isNaN(at.getTime()) ? 'invalid date' : at.toISOString()}`,
    );
  return `at(${at.toISOString().slice(0, 19)})`;
}

export interface ReleaseScheduler {
  /** Creates (or moves) the one-time schedule of a draft's release. */
  scheduleRelease(draftId: string, at: Date): Promise<void>;
  /** Deletes it (gone already: nothing to do). */
  cancelRelease(draftId: string): Promise<void>;
}

export function createReleaseScheduler(
  client: SchedulerClient,
  target: ReleaseScheduleTarget,
  /** The payload the target gets (the generate function's `release-due` job). */
  job: (draftId: string) => object,
): ReleaseScheduler {
  async function scheduleRelease(draftId: string, at: Date): Promise<void> {
    const input = {
      Name: releaseScheduleName(draftId),
      GroupName: target.groupName,
      ScheduleExpression: atExpression(at),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      ActionAfterCompletion: 'DELETE' as const,
      Description: `Torch Bulletin：定时发布稿件 ${draftId}`.slice(0, 512),
      Target: {
        Arn: target.targetArn,
        RoleArn: target.roleArn,
        Input: JSON.stringify(job(draftId)),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
        ...(target.deadLetterArn ? { DeadLetterConfig: { Arn: target.deadLetterArn } } : {}),
      },
    };
    try {
      await client.send(new CreateScheduleCommand(input));
    } catch (err) {
      if (!(err instanceof ConflictException)) {
        throw new StoreError(
          'release-schedule',
          `无法安排稿件 ${draftId} 的定时发布 (EventBridge Scheduler)`,
          {
            cause: err,
          },
        );
      }
      // Scheduled before (a new embargo time): move it.
      await client.send(new UpdateScheduleCommand(input));
    }
  }
  async function cancelRelease(draftId: string): Promise<void> {
    try {
      await client.send(
        new DeleteScheduleCommand({
          Name: releaseScheduleName(draftId),
          GroupName: target.groupName,
        }),
      );
    } catch (err) {
      if (err instanceof ResourceNotFoundException) return;
      throw new StoreError('release-schedule', `无法删除稿件 ${draftId} 的定时发布 (schedule)`, {
        cause: err,
      });
    }
  }
  return { scheduleRelease, cancelRelease };
}
