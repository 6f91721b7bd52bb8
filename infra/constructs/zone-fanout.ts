/**
 * The all-zones run on AWS: a Step Functions state machine
 *
 *   Plan (Lambda) → RenderZones (Distributed Map, bounded concurrency) → Summarize (Lambda)
 *
 * The plan composes every zone's profile and keeps the changed ones; each map item renders one
 * zone in its own Lambda, retried on transient errors. The map's children are Standard
 * executions (no 5-minute limit of Express children around a render and its retries); a zone
 * that still fails is a failed item, and up to {@link FANOUT_POLICY.toleratedFailures} of them
 * are tolerated so one bad zone never stops the others. The map writes its results to the
 * archive bucket (ResultWriter, `fanout-results/`) instead of carrying them in the state; the
 * summary reads them there, counts rendered / skipped / failed zones, names the failed ones
 * and publishes the counts as metrics (a failed zone raises an alarm). The same plan → fan-out
 * → summary logic runs locally in `functions/app/batch.ts` with the same
 * {@link FANOUT_POLICY}.
 *
 * Start it with `aws stepfunctions start-execution --state-machine-arn … --input '{}'`
 * (optionally `{"period":"2024"}`, `{"zones":[…]}`, `{"force":true}`).
 */
import { Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ARCHIVE_BUCKET, ISSUES_TABLE, RECORDS_TABLE } from '../../functions/contract/stores.ts';
import { FANOUT_POLICY } from '../../functions/contract/fanout.ts';
import { BulletinFunction } from './bulletin-function.ts';
import type { ChromiumLayer } from './chromium-layer.ts';
import type { BulletinPlatform } from '../platform.ts';

export interface ZoneFanOutProps {
  platform: BulletinPlatform;
  browser: ChromiumLayer;
  /** Zones rendered at once (Lambda workers); default {@link FANOUT_POLICY.maxConcurrency}. */
  maxConcurrency?: number;
  /**
   * Reserved concurrency of the render function (settings `concurrency=reserved`); none by
   * default, so that the stack deploys on an account whose quota is 10.
   */
  reservedConcurrency?: number;
}

/**
 * The map's ResultWriter with a grant on its own prefix only: CDK's would let the state machine
 * write every object of the archive bucket, released issues included.
 */
class PrefixResultWriter extends sfn.ResultWriterV2 {
  constructor(
    private readonly objects: string,
    props: sfn.ResultWriterV2Props,
  ) {
    super(props);
  }
  override providePolicyStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        actions: [
          's3:PutObject',
          's3:GetObject',
          's3:ListMultipartUploadParts',
          's3:AbortMultipartUpload',
        ],
        resources: [this.objects],
      }),
    ];
  }
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

/**
 * Another attempt of this zone still holds its slot or its release (a crashed or timed-out
 * one, until its 120 s lease runs out): tried again after 1, 2 and 4 minutes — past the lease
 * — when the slot is free or the zone's issue made. The transient retrier's seconds would all
 * fall inside the lease and fail the zone.
 */
export const LEASE_RETRY = { errors: ['LeaseHeldError'], intervalSeconds: 60, maxAttempts: 3 };

export class ZoneFanOut extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<'plan' | 'render' | 'summary', BulletinFunction>;
  private readonly resultsBucket: Construct;

  constructor(scope: Construct, id: string, props: ZoneFanOutProps) {
    super(scope, id);
    const { platform } = props;
    const { records, issues } = platform.stores.tables;
    this.resultsBucket = platform.stores.archive;

    // The plan reads the records and the catalog and hashes the templates it ships with.
    // It ships the templates, not Chromium.
    const plan = new BulletinFunction(this, 'Plan', {
      handler: 'zone-batch-plan',
      description: 'All-zones run: compose every zone profile, keep the changed ones',
      reportAssets: true,
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
        browser: props.browser.layer,
        timeout: Duration.seconds(FANOUT_POLICY.zoneTimeoutSeconds),
        // The map never runs more at once (MaxConcurrency); a reservation is opt-in (settings).
        ...(props.reservedConcurrency !== undefined
          ? { reservedConcurrency: props.reservedConcurrency }
          : {}),
        environment: platform.environment,
      }),
    );

    const summary = new BulletinFunction(this, 'Summary', {
      handler: 'zone-batch-summary',
      description: 'All-zones run: count rendered, skipped and failed zones',
      environment: platform.environment,
    }).bindBucket(platform.stores.archive, { read: [ARCHIVE_BUCKET.fanoutResultsPrefix] });
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
      // The function's own timeout bounds an attempt; this one catches a lost invocation.
      taskTimeout: sfn.Timeout.duration(Duration.seconds(FANOUT_POLICY.zoneTimeoutSeconds + 30)),
    });
    renderStep.addRetry({
      errors: LEASE_RETRY.errors,
      maxAttempts: LEASE_RETRY.maxAttempts,
      interval: Duration.seconds(LEASE_RETRY.intervalSeconds),
      backoffRate: 2,
    });
    renderStep.addRetry({
      errors: RETRYABLE_ERRORS,
      maxAttempts: FANOUT_POLICY.retries,
      interval: Duration.seconds(FANOUT_POLICY.retryIntervalSeconds),
      backoffRate: FANOUT_POLICY.backoffRate,
      jitterStrategy: sfn.JitterType.FULL,
    });
    // After the retries a zone's item fails: it is written to the FAILED results (with its
    // error) and the map goes on with the others, up to the tolerated count.
    const map = new sfn.DistributedMap(this, 'RenderZones', {
      itemsPath: '$.jobs',
      maxConcurrency: props.maxConcurrency ?? FANOUT_POLICY.maxConcurrency,
      resultPath: '$.results',
      toleratedFailureCount: FANOUT_POLICY.toleratedFailures,
      // Standard children: no 5-minute cap around a render and its retries.
      mapExecutionType: sfn.StateMachineType.STANDARD,
      resultWriterV2: new PrefixResultWriter(
        platform.stores.archive.arnForObjects(`${ARCHIVE_BUCKET.fanoutResultsPrefix}*`),
        { bucket: platform.stores.archive, prefix: ARCHIVE_BUCKET.fanoutResultsPrefix },
      ),
    });
    map.itemProcessor(renderStep);

    const summarize = new tasks.LambdaInvoke(this, 'Summarize', {
      lambdaFunction: summary.fn,
      payload: sfn.TaskInput.fromObject({
        'done.$': '$.done',
        // { ResultWriterDetails: { Bucket, Key } }: the manifest of the result files.
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
      tracingEnabled: false,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    this.acknowledgeRoleFindings();

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
    platform.operations.alarmOnMetric(
      'ZoneFanOutExecutionsTimedOut',
      this.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
      'All-zones run: an execution ran past its 2 h timeout (zones after the stop were not rendered)',
    );
    platform.operations.alarmOnMetric(
      'ZoneFanOutExecutionsAborted',
      this.stateMachine.metricAborted({ period: Duration.minutes(5), statistic: 'Sum' }),
      'All-zones run: an execution was aborted (stopped by hand or by a deploy) before it finished',
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
    ack('*', 'CloudWatch Logs delivery actions have no resource-level permissions');
    ack(
      `<${id(this.resultsBucket)}.Arn>/${ARCHIVE_BUCKET.fanoutResultsPrefix}*`,
      'the Distributed Map ResultWriter writes its result files under fanout-results/ of the ' +
        'archive bucket, and nowhere else (names made at run time)',
    );
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-SF2',
      reason:
        'X-Ray is off on purpose: without instrumented SDK calls a trace adds nothing the ' +
        'execution history, logs and metrics do not show (docs/deploy.md, "Tracing")',
    });
    const execution = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${id(this.stateMachine)}"}]}]}`;
    const reason =
      'the Distributed Map starts and stops child executions of this state machine only ' +
      '(their names are made at run time)';
    ack(`${execution}:*`, reason);
    ack(`${execution}/*:*`, reason);
  }
}
