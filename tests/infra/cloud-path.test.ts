/**
 * The findings of the pre-deploy review of the cloud path (issue 25), proved on the
 * synthesized template: release schedules in the stack's own group with a dead-letter queue
 * and a trust policy bound to them, a failure destination for every asynchronous target,
 * zone-profile subscribers mailed from the all-zones render, the ResultWriter held to its
 * prefix, the alarms that were missing, and reserved concurrency only when asked for (with a
 * warning when it would not fit the account's quota). Bundling is skipped (support.ts).
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TorchBulletinStack } from '../../infra/stack.ts';
import { ENV } from '../../functions/contract/env.ts';
import { FANOUT_POLICY } from '../../functions/contract/fanout.ts';
import { synthApp, synthTemplate } from './support.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = {
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
  Principal?: unknown;
};

describe('the cloud path on the synthesized template', () => {
  let stack: TorchBulletinStack;
  let template: Template;
  let resources: Record<string, Resource>;
  const id = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as never);
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const envOf = (c: { node: { defaultChild?: unknown } }) =>
    (resources[id(c)]!.Properties['Environment'] as { Variables: Record<string, unknown> })
      .Variables;
  const statementsOfRole = (roleId: string): Statement[] =>
    ofType('AWS::IAM::Policy')
      .filter(([, r]) => (r.Properties['Roles'] as { Ref: string }[]).some((x) => x.Ref === roleId))
      .flatMap(([, p]) => (p.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
  const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

  beforeAll(() => {
    ({ stack, template } = synthTemplate());
    resources = template.toJSON().Resources as Record<string, Resource>;
  });

  /** The group the release schedules go into (a CloudFormation-named group of this stack). */
  function releaseGroupId(): string {
    const groups = ofType('AWS::Scheduler::ScheduleGroup').map(([k]) => k);
    const ref = envOf(stack.functions.api.fn)[ENV.releaseScheduleGroup] as { Ref: string };
    expect(groups).toContain(ref.Ref);
    return ref.Ref;
  }

  it('puts release schedules into its own group (deleted with the stack), with a dead-letter queue', () => {
    const group = releaseGroupId();
    expect(
      (resources[group] as unknown as { DeletionPolicy?: string }).DeletionPolicy ?? 'Delete',
    ).toBe('Delete');
    const api = envOf(stack.functions.api.fn);
    expect(api[ENV.releaseDeadLetterArn]).toEqual({
      'Fn::GetAtt': [id(stack.platform.queues.failedJobs), 'Arn'],
    });
    // The API may manage the release-* schedules of that group, and the report schedules of
    // the stack's report group (stack.test.ts), never the default group's.
    const scheduler = statementsOfRole(id(stack.functions.api.role)).filter((s) =>
      actions(s).some((a) => a.startsWith('scheduler:')),
    );
    const release = scheduler.filter((s) => JSON.stringify(s.Resource).includes(`"${group}"`));
    expect(release.flatMap(actions).sort()).toEqual([
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:UpdateSchedule',
    ]);
    expect(JSON.stringify(release.map((s) => s.Resource))).toContain(
      `{"Ref":"${group}"},"/release-*"`,
    );
    expect(JSON.stringify(scheduler.map((s) => s.Resource))).not.toContain('default/');
  });

  it('trusts EventBridge Scheduler for the release role only from its own release schedules', () => {
    const group = releaseGroupId();
    const roles = ofType('AWS::IAM::Role').filter(([, r]) =>
      JSON.stringify(r.Properties['AssumeRolePolicyDocument']).includes('scheduler.amazonaws.com'),
    );
    const release = roles.find(([k]) => k.startsWith('ReleaseSchedulerRole'))!;
    const trust = (release[1].Properties['AssumeRolePolicyDocument'] as { Statement: Statement[] })
      .Statement[0]!;
    expect(trust.Condition).toMatchObject({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnEquals: { 'aws:SourceArn': expect.anything() },
    });
    // The Scheduler's source ARN is the schedule group's, never a schedule's (a condition on
    // `schedule/<group>/release-*` matches no delivery: every embargo would fail to fire).
    expect(JSON.stringify(trust.Condition)).toContain(`":schedule-group/",{"Ref":"${group}"}]]`);
    // It may invoke the generate function and send a failed delivery to the dead-letter queue.
    const granted = statementsOfRole(release[0]).flatMap(actions);
    expect(granted).toContain('lambda:InvokeFunction');
    expect(granted).toContain('sqs:SendMessage');
  });

  it('gives every asynchronously invoked function a failure destination (2 retries, then the DLQ)', () => {
    const configs = ofType('AWS::Lambda::EventInvokeConfig').map(([, r]) => r.Properties);
    const dlq = { 'Fn::GetAtt': [id(stack.platform.queues.failedJobs), 'Arn'] };
    // scheduled (report schedules), generate (release schedules), ingest (S3 notifications)
    for (const f of [stack.functions.scheduled, stack.functions.generate, stack.functions.ingest]) {
      expect(configs, f.node.id).toContainEqual(
        expect.objectContaining({
          FunctionName: { Ref: id(f.fn) },
          MaximumRetryAttempts: 2,
          DestinationConfig: { OnFailure: { Destination: dlq } },
        }),
      );
    }
  });

  it('wires the all-zones render function to mail zone-profile subscribers', () => {
    const render = envOf(stack.fanout.functions.render.fn);
    expect(render[ENV.publicBaseUrl]).toBeDefined();
    expect(render[ENV.publicBaseUrl]).toEqual(envOf(stack.functions.api.fn)[ENV.publicBaseUrl]);
  });

  it('lets the map ResultWriter write under fanout-results/ only, never issues/', () => {
    const machineRole = ofType('AWS::IAM::Role').find(([k]) =>
      k.startsWith('AllZonesStateMachineRole'),
    )![0];
    const s3 = statementsOfRole(machineRole).filter((s) =>
      actions(s).some((a) => a.startsWith('s3:')),
    );
    expect(s3).toHaveLength(1);
    expect(s3[0]!.Resource).toEqual({
      'Fn::Join': [
        '',
        [{ 'Fn::GetAtt': [id(stack.platform.stores.archive), 'Arn'] }, '/fanout-results/*'],
      ],
    });
  });

  it('alarms on an all-zones run timed out or aborted, Scheduler failures and waiting report requests', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    const on = (namespace: string, metric: string) =>
      alarms.filter((a) => a['Namespace'] === namespace && a['MetricName'] === metric);
    expect(on('AWS/States', 'ExecutionsTimedOut')).toHaveLength(1);
    expect(on('AWS/States', 'ExecutionsAborted')).toHaveLength(1);
    for (const metric of [
      'InvocationDroppedCount',
      'InvocationsFailedToBeSentToDeadLetterCount',
      'TargetErrorCount',
    ]) {
      const groups = on('AWS/Scheduler', metric).map((a) => JSON.stringify(a['Dimensions']));
      expect(groups, metric).toHaveLength(2);
      expect(groups.join()).toContain(`"Ref":"${releaseGroupId()}"`);
    }
    const age = on('AWS/SQS', 'ApproximateAgeOfOldestMessage').map((a) =>
      JSON.stringify(a['Dimensions']),
    );
    expect(age.some((d) => d.includes(id(stack.platform.queues.reportRequests)))).toBe(true);
    // every alarm tells someone
    for (const a of alarms) expect(a['AlarmActions']).toHaveLength(1);
  });

  it('starts the all-zones run with the scheduled time, so a duplicate delivery prints no zone twice', () => {
    const machine = id(stack.fanout.stateMachine);
    const schedule = ofType('AWS::Scheduler::Schedule').find(([, r]) =>
      JSON.stringify(r.Properties['Target']).includes(`"Ref":"${machine}"`),
    )!;
    const input = JSON.parse((schedule[1].Properties['Target'] as { Input: string }).Input);
    expect(input).toMatchObject({ scheduledTime: '<aws.scheduler.scheduled-time>' });
  });

  it('names its outputs as docs/deploy.md and the smoke test use them', () => {
    expect(Object.keys(template.toJSON().Outputs as object).sort()).toEqual(
      [
        'AlarmTopicArn',
        'ApiUrl',
        'ArchiveBucketName',
        'ConsoleUrl',
        'ConsoleUserPoolId',
        'ConsoleSmokeClientId',
        'ReleaseScheduleGroup',
        'StateMachineArn',
        'UploadPrefix',
      ].sort(),
    );
  });

  it('reserves concurrency only under the reserved profile, and warns when it exceeds the quota given', () => {
    const reservedOf = (s: TorchBulletinStack) => {
      const r = Template.fromStack(s).toJSON().Resources as Record<string, Resource>;
      return Object.fromEntries(
        Object.entries(r)
          .filter(([, x]) => x.Properties?.['ReservedConcurrentExecutions'] !== undefined)
          .map(([k, x]) => [k, x.Properties['ReservedConcurrentExecutions']]),
      );
    };
    // default: nothing reserved, no warning even on a quota of 1000
    const plain = synthApp({ concurrencyQuota: '1000' }).stack;
    expect(reservedOf(plain)).toEqual({});
    Annotations.fromStack(plain).hasNoWarning('*', Match.stringLikeRegexp('concurrency'));

    const profile = synthApp({ concurrency: 'reserved', concurrencyQuota: 1000 }).stack;
    const s = profile;
    expect(reservedOf(profile)).toEqual({
      [s.getLogicalId(s.functions.scheduled.fn.node.defaultChild as never)]: 2,
      [s.getLogicalId(s.functions.generate.fn.node.defaultChild as never)]: 4,
      [s.getLogicalId(s.fanout.functions.render.fn.node.defaultChild as never)]:
        FANOUT_POLICY.maxConcurrency,
    });
    Annotations.fromStack(profile).hasNoWarning('*', Match.stringLikeRegexp('concurrency'));

    const tooSmall = synthApp({ concurrency: 'reserved', concurrencyQuota: '100' }).stack;
    Annotations.fromStack(tooSmall).hasWarning(
      '*',
      Match.stringLikeRegexp('reserved concurrency 16 .* at least 116, the quota given is 100'),
    );
    const newAccount = synthApp({ concurrencyQuota: '10' }).stack;
    Annotations.fromStack(newAccount).hasWarning(
      '*',
      Match.stringLikeRegexp('all-zones map runs 10 renders at once'),
    );
    expect(() => synthApp({ concurrency: 'all' })).toThrow(/concurrency/);
  });
});
