/**
 * Embargoed releases on AWS: one EventBridge Scheduler one-time schedule per draft
 * (`at(…)` in UTC), which invokes the generate function with a `release-due` job at the release
 * time and deletes itself afterwards. Scheduling the same draft again moves its schedule.
 */
import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  UpdateScheduleCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { StoreError } from '../../errors.ts';

export interface ReleaseScheduleTarget {
  /** The function to invoke (the generate function). */
  targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke it. */
  roleArn: string;
  /** The schedule group; default `default`. */
  groupName?: string;
}

/** A schedule name (≤ 64 characters of `[0-9a-zA-Z-_.]`) for a draft. */
export function releaseScheduleName(draftId: string): string {
  const name = `release-${draftId}`.replace(/[^0-9A-Za-z._-]/g, '_');
  return name.length <= 64
    ? name
    : `release-${createHash('sha256').update(draftId).digest('hex').slice(0, 40)}`;
}

/** `2026-12-01T01:30:00` (UTC, seconds: Scheduler's `at()` takes no milliseconds or zone). */
export function atExpression(at: Date): string {
  return `at(${at.toISOString().slice(0, 19)})`;
}

export function createReleaseScheduler(
  client: SchedulerClient,
  target: ReleaseScheduleTarget,
  /** The payload the target gets (the generate function's `release-due` job). */
  job: (draftId: string) => object,
) {
  return async function scheduleRelease(draftId: string, at: Date): Promise<void> {
    const input = {
      Name: releaseScheduleName(draftId),
      GroupName: target.groupName ?? 'default',
      ScheduleExpression: atExpression(at),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      ActionAfterCompletion: 'DELETE' as const,
      Description: `Torch Bulletin: release draft ${draftId}`.slice(0, 512),
      Target: {
        Arn: target.targetArn,
        RoleArn: target.roleArn,
        Input: JSON.stringify(job(draftId)),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
      },
    };
    try {
      await client.send(new CreateScheduleCommand(input));
    } catch (err) {
      if (!(err instanceof ConflictException)) {
        throw new StoreError('release-schedule', `cannot schedule the release of ${draftId}`, {
          cause: err,
        });
      }
      // Scheduled before (a new embargo time): move it.
      await client.send(new UpdateScheduleCommand(input));
    }
  };
}
