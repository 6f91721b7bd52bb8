/**
 * One EventBridge Scheduler schedule per report definition in data/schedules.json, each in
 * its own time zone (Asia/Shanghai), fired at the exact time (flexible window off).
 *
 * Delivery is at least once and the Scheduler's retry policy covers delivery only; the target
 * function has its own async retries and failure destination (BulletinFunction.onAsyncFailure),
 * and the handler keys the issue on the scheduled time, so a duplicate firing publishes
 * nothing new. An all-zones schedule (`"allZones": true`) starts the zone fan-out state
 * machine instead, which skips the zones whose report is unchanged.
 */
import { Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { toSchedulerCron, type ScheduleDefinition } from '../schedule-config.ts';

export interface ReportSchedulesProps {
  schedules: ScheduleDefinition[];
  target: lambda.IFunction;
  /** The all-zones state machine: target of the schedules with `"allZones": true`. */
  allZones?: sfn.IStateMachine;
  /** Where events go that the Scheduler could not deliver after its retries. */
  deadLetterQueue: sqs.IQueue;
}

export class ReportSchedules extends Construct {
  readonly group: scheduler.IScheduleGroup;
  readonly schedules: scheduler.Schedule[] = [];
  /** The schedules' names: their ids in data/schedules.json. */
  readonly scheduleIds: string[] = [];
  /**
   * The role every schedule of the group invokes its target as (the scheduled function, the
   * all-zones state machine): also the role of a moved date's one-off firing, which copies the
   * recurring schedule's target. Assumable only by the Scheduler for this group.
   */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ReportSchedulesProps) {
    super(scope, id);
    // The group is named by CloudFormation (the L2 construct would give it a fixed name and
    // retain it, and the next deploy after a rolled-back first one would collide with it) and
    // is deleted with the stack: it holds only the schedules the stack defines.
    const group = new scheduler.CfnScheduleGroup(this, 'Group', {});
    group.applyRemovalPolicy(RemovalPolicy.DESTROY);
    this.group = scheduler.ScheduleGroup.fromScheduleGroupName(this, 'GroupRef', group.ref);
    this.role = new iam.Role(this, 'Role', {
      description: "EventBridge Scheduler: invoke the report schedules' targets",
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': Stack.of(this).account,
            // The Scheduler names the schedule group as the source (not the schedule).
            'aws:SourceArn': this.group.scheduleGroupArn,
          },
        },
      }),
    });
    for (const def of props.schedules) {
      const retry = {
        role: this.role,
        retryAttempts: 3,
        maxEventAge: Duration.hours(2),
        deadLetterQueue: props.deadLetterQueue,
      };
      let target: scheduler.IScheduleTarget;
      if (def.allZones) {
        if (!props.allZones)
          throw new Error(`[infra] schedule ${def.id}: all zones, but no fan-out state machine`);
        target = new targets.StepFunctionsStartExecution(props.allZones, {
          // The scheduled time is the run's id: a duplicate delivery (at least once) starts a
          // second execution that plans the same slots, so no zone is printed twice.
          input: scheduler.ScheduleTargetInput.fromObject({
            ...def.params,
            // The plan step checks this firing against the release calendar.
            scheduleId: def.id,
            scheduledTime: scheduler.ContextAttribute.scheduledTime,
          }),
          ...retry,
        });
      } else {
        target = new targets.LambdaInvoke(props.target, {
          input: scheduler.ScheduleTargetInput.fromObject({
            scheduleId: def.id,
            kind: def.kind,
            ...def.params,
            // Filled in by the Scheduler at each firing: the idempotency key and diagnostics.
            scheduledTime: scheduler.ContextAttribute.scheduledTime,
            scheduleArn: scheduler.ContextAttribute.scheduleArn,
            executionId: scheduler.ContextAttribute.executionId,
            attemptNumber: scheduler.ContextAttribute.attemptNumber,
          }),
          ...retry,
        });
      }
      this.scheduleIds.push(def.id);
      this.schedules.push(
        new scheduler.Schedule(this, `Schedule-${def.id}`, {
          // Named by its id: the console finds it (GetSchedule) without a lookup table. The
          // group is the stack's own, so two stacks never share a name.
          scheduleName: def.id,
          description: def.description || `${def.kind} ${def.cron} ${def.timeZone}`,
          scheduleGroup: this.group,
          schedule: scheduler.ScheduleExpression.expression(
            toSchedulerCron(def.cron),
            TimeZone.of(def.timeZone),
          ),
          timeWindow: scheduler.TimeWindow.off(),
          enabled: def.enabled,
          target,
        }),
      );
    }
  }

  /**
   * Lets a function run the console's switch and the calendar's moved dates: GetSchedule and
   * UpdateSchedule on exactly the schedules of data/schedules.json; Create/Update/Delete on the
   * one-off `moved-*` schedules of the group; PassRole of {@link role} to the Scheduler only.
   * Sets the group's name in `envVar`.
   */
  grantControl(fn: lambda.Function, envVar: string): void {
    const stack = Stack.of(this);
    const arnOf = (name: string) =>
      stack.formatArn({
        service: 'scheduler',
        resource: 'schedule',
        resourceName: `${this.group.scheduleGroupName}/${name}`,
      });
    fn.addEnvironment(envVar, this.group.scheduleGroupName);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:GetSchedule', 'scheduler:UpdateSchedule'],
        resources: this.scheduleIds.map(arnOf),
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'scheduler:CreateSchedule',
          'scheduler:UpdateSchedule',
          'scheduler:DeleteSchedule',
        ],
        resources: [arnOf('moved-*')],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
  }
}
