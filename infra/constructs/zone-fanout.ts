/**
 * The all-zones run on AWS: a Step Functions state machine
 *
 *   Plan (Lambda) → RenderZones (Distributed Map, bounded concurrency) → Summarize (Lambda)
 *
 * The plan composes every zone's profile and keeps the changed ones; each map item renders one
 * zone in its own Lambda (retried on transient errors, then caught so one zone never stops the
 * others); the summary counts rendered / skipped / failed zones and publishes them as metrics
 * (a failed zone raises an alarm). The same plan → fan-out → summary logic runs locally in
 * `functions/app/batch.ts` (`bulletin generate --kind zone-profile --all`), with the
 * concurrency and retry policy of {@link FANOUT_POLICY} shared by both.
 *
 * Start it with `aws stepfunctions start-execution --state-machine-arn … --input '{}'`
 * (optionally `{"period":"2024"}`, `{"zones":[…]}`, `{"force":true}`).
 */
import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
  type CfnElement,
} from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ISSUES_TABLE, RECORDS_TABLE } from '../../functions/contract/stores.ts';
import { FANOUT_POLICY } from '../../functions/contract/fanout.ts';
import { BulletinFunction } from './bulletin-function.ts';
import type { BulletinPlatform } from '../stack.ts';

export interface ZoneFanOutProps {
  platform: BulletinPlatform;
  /** Zones rendered at once (Lambda workers); default {@link FANOUT_POLICY.maxConcurrency}. */
  maxConcurrency?: number;
}

/** Errors a render may recover from on another try (Lambda service hiccups, our own transient ones). */
export const RETRYABLE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.Unknown',
  'States.Timeout',
  'RenderError',
  'RenderPageError',
  'StoreError',
  'ConflictError',
];

export class ZoneFanOut extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<'plan' | 'render' | 'summary', BulletinFunction>;

  constructor(scope: Construct, id: string, props: ZoneFanOutProps) {
    super(scope, id);
    const { platform } = props;
    const { records, issues } = platform.stores.tables;

    // The plan reads the records and the catalog and hashes the templates it ships with.
    const plan = new BulletinFunction(this, 'Plan', {
      handler: 'zone-batch-plan',
      description: 'All-zones run: compose every zone profile, keep the changed ones',
      renders: true,
      memorySize: 1024,
      timeout: Duration.minutes(5),
      environment: platform.environment,
    })
      .bindTable(RECORDS_TABLE, records, 'read')
      .bindTable(ISSUES_TABLE, issues, 'read');

    const render = platform.bindPublisher(
      new BulletinFunction(this, 'Render', {
        handler: 'zone-batch-render',
        description: 'All-zones run: render and publish one zone profile',
        renders: true,
        environment: platform.environment,
      }),
    );

    const summary = new BulletinFunction(this, 'Summary', {
      handler: 'zone-batch-summary',
      description: 'All-zones run: count rendered, skipped and failed zones',
      environment: platform.environment,
    });
    this.functions = { plan, render, summary };

    const planStep = new tasks.LambdaInvoke(this, 'PlanZones', {
      lambdaFunction: plan.fn,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });

    const renderStep = new tasks.LambdaInvoke(this, 'RenderZone', {
      lambdaFunction: render.fn,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
    });
    renderStep.addRetry({
      errors: RETRYABLE_ERRORS,
      maxAttempts: FANOUT_POLICY.retries,
      interval: Duration.seconds(FANOUT_POLICY.retryIntervalSeconds),
      backoffRate: FANOUT_POLICY.backoffRate,
      jitterStrategy: sfn.JitterType.FULL,
    });
    // After the retries a zone is recorded as failed and the map goes on with the others.
    renderStep.addCatch(
      new sfn.Pass(this, 'ZoneFailed', {
        parameters: { 'zone.$': '$.zone', 'period.$': '$.period', 'error.$': '$.error' },
      }),
      { errors: ['States.ALL'], resultPath: '$.error' },
    );

    const map = new sfn.DistributedMap(this, 'RenderZones', {
      itemsPath: '$.jobs',
      maxConcurrency: props.maxConcurrency ?? FANOUT_POLICY.maxConcurrency,
      resultPath: '$.results',
      // Every failure is caught per item; a failed map would mean the service itself failed.
      toleratedFailurePercentage: 0,
      mapExecutionType: sfn.StateMachineType.EXPRESS,
    });
    map.itemProcessor(renderStep);

    const summarize = new tasks.LambdaInvoke(this, 'Summarize', {
      lambdaFunction: summary.fn,
      payload: sfn.TaskInput.fromObject({
        'done.$': '$.done',
        'results.$': '$.results',
        'startedAt.$': '$$.Execution.StartTime',
      }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Torch Bulletin: a zone profile for every national high-tech zone',
      definitionBody: sfn.DefinitionBody.fromChainable(planStep.next(map).next(summarize)),
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    this.acknowledgeRoleFindings();
    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });

    platform.operations.alarmOnMetric(
      'ZoneProfilesFailed',
      new Metric({
        namespace: 'TorchBulletin',
        metricName: 'ZoneProfilesFailed',
        dimensionsMap: { service: 'torch-bulletin' },
        period: Duration.minutes(5),
        statistic: 'Sum',
      }),
      'All-zones run: at least one zone profile failed after all retries (see the summary log)',
    );
    platform.operations.alarmOnMetric(
      'ZoneFanOutExecutionsFailed',
      this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      'All-zones run: the state machine itself failed',
    );
  }

  /** The state machine role's wildcards, each with its reason (cdk-nag AwsSolutions-IAM5). */
  private acknowledgeRoleFindings(): void {
    const stack = Stack.of(this);
    const id = (c: Construct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
    const ack = (resource: string, reason: string) =>
      Validations.of(this.stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason,
      });
    for (const [name, fn] of Object.entries(this.functions)) {
      ack(
        `<${id(fn.fn)}.Arn>:*`,
        `invoke the ${name} function of this run and its versions only (made by LambdaInvoke)`,
      );
    }
    ack(
      '*',
      'X-Ray PutTraceSegments and CloudWatch Logs delivery actions have no resource-level permissions',
    );
    const execution = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${id(this.stateMachine)}"}]}]}`;
    const reason =
      'the Distributed Map starts and stops child executions of this state machine only ' +
      '(their names are made at run time)';
    ack(`${execution}:*`, reason);
    ack(`${execution}/*:*`, reason);
  }
}
