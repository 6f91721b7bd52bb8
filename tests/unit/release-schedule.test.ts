/**
 * The embargo's one-time schedule on AWS. EventBridge Scheduler has no local emulator, so the
 * real SDK client is used with a middleware that answers in place of the service (the requests
 * it would send are what is checked) — the one place an SDK client is stubbed.
 */
import {
  ConflictException,
  ResourceNotFoundException,
  SchedulerClient,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import {
  atExpression,
  createReleaseScheduler,
  releaseScheduleName,
} from '../../functions/adapters/scheduler/release-schedule.ts';
import { operatorJobs } from '../../functions/app/requests.ts';

function recordingClient(answer: (command: string) => unknown) {
  const client = new SchedulerClient({
    region: 'cn-north-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  const sent: { command: string; input: CreateScheduleCommandInput }[] = [];
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const command = String(context.commandName);
      sent.push({ command, input: args.input as CreateScheduleCommandInput });
      const failure = answer(command);
      if (failure) throw failure;
      return { output: { $metadata: {}, ScheduleArn: 'arn:aws-cn:scheduler:::x' }, response: {} };
    },
    { step: 'initialize', name: 'answerLocally' },
  );
  return { client, sent };
}

const target = {
  targetArn: 'arn:aws-cn:lambda:cn-north-1:123456789012:function:GenerateReport',
  roleArn: 'arn:aws-cn:iam::123456789012:role/ReleaseScheduler',
  groupName: 'TorchBulletin-Releases-ABC123',
  deadLetterArn: 'arn:aws-cn:sqs:cn-north-1:123456789012:FailedJobs',
};

describe('release schedules (EventBridge Scheduler, one-time)', () => {
  it('creates an at() schedule in UTC, in the stack group, with a dead-letter queue, that invokes the target with a release-due job and deletes itself', async () => {
    const { client, sent } = recordingClient(() => undefined);
    const { scheduleRelease } = createReleaseScheduler(client, target, operatorJobs.releaseDue);

    await scheduleRelease('torch-bulletin-d0123456789', new Date('2026-12-01T01:30:00Z'));

    expect(sent).toHaveLength(1);
    const { command, input } = sent[0]!;
    expect(command).toBe('CreateScheduleCommand');
    expect(input).toMatchObject({
      Name: 'release-torch-bulletin-d0123456789',
      ScheduleExpression: 'at(2026-12-01T01:30:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      GroupName: 'TorchBulletin-Releases-ABC123',
      Target: {
        Arn: target.targetArn,
        RoleArn: target.roleArn,
        DeadLetterConfig: { Arn: target.deadLetterArn },
      },
    });
    expect(JSON.parse(input.Target!.Input!)).toEqual({
      action: 'release-due',
      draftId: 'torch-bulletin-d0123456789',
      slotKey: 'operator:release-due:torch-bulletin-d0123456789',
    });
  });

  it('moves an existing schedule when the draft is scheduled again', async () => {
    const { client, sent } = recordingClient((command) =>
      command === 'CreateScheduleCommand'
        ? new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} })
        : undefined,
    );
    await createReleaseScheduler(client, target, operatorJobs.releaseDue).scheduleRelease(
      'zone-profile-d0123456789',
      new Date('2026-12-02T01:30:00Z'),
    );
    expect(sent.map((s) => s.command)).toEqual(['CreateScheduleCommand', 'UpdateScheduleCommand']);
    expect(sent[1]!.input.ScheduleExpression).toBe('at(2026-12-02T01:30:00)');
  });

  it('fails with the draft named when the service refuses', async () => {
    const { client } = recordingClient(() =>
      Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }),
    );
    await expect(
      createReleaseScheduler(client, target, operatorJobs.releaseDue).scheduleRelease(
        'torch-bulletin-d0123456789',
        new Date('2026-12-02T01:30:00Z'),
      ),
    ).rejects.toThrow(/无法安排稿件 torch-bulletin-d0123456789 的定时发布/);
  });

  it('refuses a time with milliseconds instead of cutting it to a second that fires early', async () => {
    const { client, sent } = recordingClient(() => undefined);
    const { scheduleRelease } = createReleaseScheduler(client, target, operatorJobs.releaseDue);
    await expect(
      scheduleRelease('torch-bulletin-d0123456789', new Date('2026-12-01T01:30:00.500Z')),
    ).rejects.toThrow(/整秒/);
    expect(sent).toHaveLength(0);
  });

  it('deletes the schedule of a draft, and takes a schedule already gone for done', async () => {
    const { client, sent } = recordingClient((command) =>
      sent.length > 1 && command === 'DeleteScheduleCommand'
        ? new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} })
        : undefined,
    );
    const { cancelRelease } = createReleaseScheduler(client, target, operatorJobs.releaseDue);
    await cancelRelease('torch-bulletin-d0123456789');
    await cancelRelease('torch-bulletin-d0123456789');
    expect(sent.map((s) => [s.command, s.input.Name, s.input.GroupName])).toEqual([
      ['DeleteScheduleCommand', 'release-torch-bulletin-d0123456789', target.groupName],
      ['DeleteScheduleCommand', 'release-torch-bulletin-d0123456789', target.groupName],
    ]);
  });

  it('names schedules within the service limits', () => {
    expect(releaseScheduleName('torch-bulletin-d0123456789')).toBe(
      'release-torch-bulletin-d0123456789',
    );
    const long = releaseScheduleName(`${'x'.repeat(80)}-d0123456789`);
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).toMatch(/^release-[0-9a-f]{40}$/);
    expect(atExpression(new Date('2026-12-01T09:30:00+08:00'))).toBe('at(2026-12-01T01:30:00)');
  });
});
