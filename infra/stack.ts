/**
 * The Torch Bulletin stack, composed of constructs: stores, job queues, operations, one
 * function per job, the schedules and the HTTP API. A new part (e.g. the all-zones fan-out)
 * is one more construct that takes the {@link BulletinPlatform} this stack exposes:
 *
 *   new AllZonesFanOut(this, 'AllZones', { platform: this.platform });
 */
import {
  Annotations,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { FANOUT_POLICY } from '../functions/contract/fanout.ts';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { ENV } from '../functions/contract/env.ts';
import type { Construct } from 'constructs';
import {
  ARCHIVE_BUCKET,
  INBOX_PREFIXES,
  ISSUES_TABLE,
  RECORDS_TABLE,
  SUBSCRIBERS_TABLE,
} from '../functions/contract/stores.ts';
import { BulletinApi } from './constructs/bulletin-api.ts';
import { BulletinFunction } from './constructs/bulletin-function.ts';
import { ChromiumLayer } from './constructs/chromium-layer.ts';
import { ConsoleSignIn } from './constructs/console-sign-in.ts';
import { DataStores } from './constructs/data-stores.ts';
import { JobQueues } from './constructs/job-queues.ts';
import { Operations } from './constructs/operations.ts';
import { ReportSchedules } from './constructs/report-schedules.ts';
import { ZoneFanOut } from './constructs/zone-fanout.ts';
import type { ScheduleDefinition } from './schedule-config.ts';
import { acknowledgeFindings } from './nag-acknowledgements.ts';
import type { BulletinPlatform } from './platform.ts';

export type { BulletinPlatform };

/** Deployment parameters (cdk.json context, or `-c key=value`). */
export interface BulletinSettings {
  /** `prod` refuses to synthesize without an alarm subscriber; `dev` may go without. */
  stage: 'dev' | 'prod';
  schedules: ScheduleDefinition[];
  /**
   * Verified SES identity that subscriber mail is sent from. Without it (e.g. the China
   * regions, which have no SES) the subscription routes are off.
   */
  senderAddress?: string;
  /** E-mail address subscribed to the alarm topic. */
  alarmEmail?: string;
  /** An existing SNS topic for the alarms instead of the stack's own. */
  alarmTopicArn?: string;
  /** Custom domain of the API; the default execute-api endpoint is then off. */
  customDomain?: { domainName: string; certificateArn: string };
  /** On-demand renders at once (the report queue's event source; reserved under a profile). */
  renderConcurrency: number;
  /**
   * Reserved concurrency per function (`-c concurrency=reserved`). None by default: a new
   * account's quota is often 10, and every reservation must leave 100 unreserved.
   */
  reservedConcurrency?: ReservedConcurrency;
  /** The account's Lambda concurrency quota, if known: synth warns when the reservation exceeds it. */
  concurrencyQuota?: number;
  /** Base URL of the API for links in mail (a custom domain); default: the API's own URL. */
  publicBaseUrl?: string;
  /** JWT authorizer for POST /reports instead of IAM. */
  jwt?: { issuer: string; audience: string[] };
  /** The console's hosted sign-in domain prefix; default `<stack name>-<account id>`. */
  consoleDomainPrefix?: string;
  timeZone: string;
}

export interface TorchBulletinStackProps extends StackProps {
  settings: BulletinSettings;
}

const ISSUES = ARCHIVE_BUCKET.issuesPrefix;
const DRAFTS = ARCHIVE_BUCKET.draftsPrefix;
const WORKBOOKS = ARCHIVE_BUCKET.workbooksPrefix;
const COVERS = ARCHIVE_BUCKET.coversPrefix;

/** Presigned download URLs live 5 minutes (≤ 15). */
const PRESIGN_TTL_SECONDS = 300;

/** Reserved executions per function under the `reserved` profile. */
export interface ReservedConcurrency {
  scheduled: number;
  generate: number;
  zoneRender: number;
}

/** Lambda keeps this many executions of an account unreserved, whatever is reserved. */
export const UNRESERVED_MINIMUM = 100;

export class TorchBulletinStack extends Stack {
  readonly platform: BulletinPlatform;
  readonly functions: Record<
    'scheduled' | 'generate' | 'api' | 'ingest' | 'cover',
    BulletinFunction
  >;
  readonly api: BulletinApi;
  readonly schedules: ReportSchedules;
  readonly fanout: ZoneFanOut;
  readonly consoleSignIn: ConsoleSignIn;
  /** The schedule group of the embargoed releases' one-time schedules. */
  readonly releaseScheduleGroup: string;

  constructor(scope: Construct, id: string, props: TorchBulletinStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const reserved = settings.reservedConcurrency;
    this.warnAboutConcurrency(settings);
    const stores = new DataStores(this, 'Stores');
    const queues = new JobQueues(this, 'Queues');
    const operations = new Operations(this, 'Operations', {
      ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
      ...(settings.alarmTopicArn ? { alarmTopicArn: settings.alarmTopicArn } : {}),
    });
    const browser = new ChromiumLayer(this, 'Chromium');
    const { records, issues, subscribers } = stores.tables;
    const environment: Record<string, string> = {
      [ENV.timeZone]: settings.timeZone,
      [ENV.presignTtlSeconds]: String(PRESIGN_TTL_SECONDS),
    };
    const bindPublisher = (fn: BulletinFunction) =>
      fn
        .bindTable(RECORDS_TABLE, records, 'read')
        .bindTable(ISSUES_TABLE, issues, 'readWrite')
        .bindTable(SUBSCRIBERS_TABLE, subscribers, 'readWrite')
        // Drafts and releases; a release that lost its number removes what it put.
        .bindBucket(stores.archive, {
          read: [ISSUES, DRAFTS],
          write: [ISSUES, DRAFTS],
          delete: [ISSUES, DRAFTS],
        })
        .bindMailSender(settings.senderAddress);
    this.platform = { stores, queues, browser, operations, environment, bindPublisher };

    const scheduled = bindPublisher(
      new BulletinFunction(this, 'ScheduledBulletin', {
        handler: 'scheduled-bulletin',
        description: 'EventBridge Scheduler → publish the scheduled bulletin',
        browser: browser.layer,
        ...(reserved ? { reservedConcurrency: reserved.scheduled } : {}),
        environment,
      }),
    ).onAsyncFailure(queues.failedJobs);

    const generate = bindPublisher(
      new BulletinFunction(this, 'GenerateReport', {
        handler: 'generate-report',
        description: 'Report queue → render and publish an on-demand report',
        browser: browser.layer,
        // A flood of on-demand requests waits in the queue (the event source's maximum
        // concurrency below) instead of taking the account's concurrency.
        ...(reserved ? { reservedConcurrency: reserved.generate } : {}),
        environment,
      }),
      // An embargoed release's schedule invokes it asynchronously: Lambda's two retries, then
      // the dead-letter queue (alarmed) — never dropped.
    ).onAsyncFailure(queues.failedJobs);
    generate.fn.addEventSource(
      new SqsEventSource(queues.reportRequests, {
        batchSize: 1,
        reportBatchItemFailures: true,
        // At most two browsers at once for on-demand work, whatever the queue holds.
        maxConcurrency: Math.min(2, settings.renderConcurrency),
      }),
    );

    // A released issue's cover (page 1 as PNG), made on its first request: the API has no
    // browser, so it invokes this function (synchronously) with the issue's id. It reads the
    // issue, its cover source under issues/, writes the PNG under covers/ and records it with
    // one conditional UpdateItem — nothing else.
    const cover = new BulletinFunction(this, 'IssueCover', {
      handler: 'issue-cover',
      description: "API → make a released issue's cover on its first request",
      browser: browser.layer,
      environment,
      // The API waits 25 s for it (API Gateway gives up after 30 s).
      timeout: Duration.seconds(25),
    })
      .bindTable(ISSUES_TABLE, issues, ['dynamodb:GetItem', 'dynamodb:UpdateItem'])
      .bindBucket(stores.archive, { read: [ISSUES], write: [COVERS] });

    const api = new BulletinFunction(this, 'Api', {
      handler: 'api',
      description: 'HTTP API: archive, downloads, feeds, subscriptions, report requests',
      environment,
      // The archive pages and the subscriber mail are Handlebars templates: ship them (and the
      // reference data) beside the handler, or the archive page and the confirmation mail fail.
      reportAssets: true,
      // API Gateway gives up after 30 s.
      timeout: Duration.seconds(29),
    })
      .bindTable(RECORDS_TABLE, records, 'read')
      .bindTable(ISSUES_TABLE, issues, 'readWrite')
      .bindTable(SUBSCRIBERS_TABLE, subscribers, 'readWrite')
      // The archive; the operator API's draft downloads and discards; the data workbooks,
      // each made on its first download (the only objects the API writes); the covers, which
      // the cover function makes.
      .bindBucket(stores.archive, {
        read: [ISSUES, DRAFTS, WORKBOOKS, COVERS],
        write: [WORKBOOKS],
        delete: [DRAFTS],
      })
      .bindMailSender(settings.senderAddress)
      .bindQueueSender(ENV.reportQueueUrl, queues.reportRequests);

    // A cover not made yet: the API invokes the cover function, and that function only.
    api.fn.addEnvironment(ENV.coverFunction, cover.fn.functionName);
    api.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [cover.fn.functionArn],
      }),
    );

    // Embargoed releases: the API gives each a one-time EventBridge Scheduler schedule that
    // invokes the generate function (which has the browser) at the release time. They go into
    // the stack's own group (named by CloudFormation, deleted with the stack and its
    // schedules: the `default` group outlives the stack and is shared by every stack of the
    // account), and a delivery that fails after the Scheduler's retries goes to the
    // dead-letter queue.
    const releaseGroup = new scheduler.CfnScheduleGroup(this, 'ReleaseSchedules', {});
    releaseGroup.applyRemovalPolicy(RemovalPolicy.DESTROY);
    this.releaseScheduleGroup = releaseGroup.ref;
    const releaseSchedules = this.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${releaseGroup.ref}/release-*`,
    });
    const releaseScheduler = new iam.Role(this, 'ReleaseSchedulerRole', {
      description: 'EventBridge Scheduler: invoke the generate function for an embargoed release',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          // Only the schedules of this stack's release group may use it (confused deputy). The
          // Scheduler's source is the schedule group, never one schedule: a condition on
          // `schedule/<group>/release-*` matches nothing and every release would fail.
          ArnEquals: {
            'aws:SourceArn': this.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: releaseGroup.ref,
            }),
          },
        },
      }),
    });
    // The function itself (not its versions: `grantInvoke` would add `<arn>:*`).
    releaseScheduler.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [generate.fn.functionArn],
      }),
    );
    // The Scheduler sends a failed delivery to the dead-letter queue as this role.
    queues.failedJobs.grantSendMessages(releaseScheduler);
    api.fn.addEnvironment(ENV.releaseTargetArn, generate.fn.functionArn);
    api.fn.addEnvironment(ENV.releaseSchedulerRoleArn, releaseScheduler.roleArn);
    api.fn.addEnvironment(ENV.releaseScheduleGroup, releaseGroup.ref);
    api.fn.addEnvironment(ENV.releaseDeadLetterArn, queues.failedJobs.queueArn);
    api.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'scheduler:CreateSchedule',
          'scheduler:UpdateSchedule',
          'scheduler:DeleteSchedule',
        ],
        resources: [releaseSchedules],
      }),
    );
    api.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [releaseScheduler.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    api.acknowledge(
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<${this.getLogicalId(releaseGroup)}>/release-*]`,
      "one-time release schedules are named per draft (release-<draft id>), in this stack's own group: not known in advance",
    );

    const ingest = new BulletinFunction(this, 'IngestUpload', {
      handler: 'ingest-upload',
      description: 'S3 uploads/ → validate and ingest a statistics file',
      environment,
    })
      .bindTable(RECORDS_TABLE, records, 'readWrite')
      .bindBucket(stores.archive, {
        read: [INBOX_PREFIXES.uploads],
        write: [INBOX_PREFIXES.ingested, INBOX_PREFIXES.rejected],
        delete: [INBOX_PREFIXES.uploads],
      })
      .onAsyncFailure(queues.failedJobs);
    stores.archive.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      new s3n.LambdaDestination(ingest.fn),
      { prefix: INBOX_PREFIXES.uploads },
    );

    this.fanout = new ZoneFanOut(this, 'AllZones', {
      platform: this.platform,
      browser,
      ...(reserved ? { reservedConcurrency: reserved.zoneRender } : {}),
    });
    this.schedules = new ReportSchedules(this, 'Schedules', {
      schedules: settings.schedules,
      target: scheduled.fn,
      allZones: this.fanout.stateMachine,
      deadLetterQueue: queues.failedJobs,
    });
    // The console's 定时任务 switch, and a moved release date's one-off firing.
    this.schedules.grantControl(api.fn, ENV.reportScheduleGroup);
    api.acknowledge(
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<${this.getLogicalId(this.schedules.node.findChild('Group') as scheduler.CfnScheduleGroup)}>/moved-*]`,
      "a moved release date's one-off schedule is named by its schedule and first time (moved-<id>-<time>), in this stack's report group: not known in advance",
    );

    this.api = new BulletinApi(this, 'HttpApi', {
      handler: api.fn,
      ...(settings.jwt ? { jwt: settings.jwt } : {}),
      ...(settings.customDomain ? { customDomain: settings.customDomain } : {}),
      consoleAuthorizer: true,
    });
    const publicBaseUrl = settings.publicBaseUrl ?? this.api.url;
    // The console's sign-in comes back to the address the function builds its links from
    // (publicBaseUrl), and to the API's own (the custom domain's when there is one).
    this.consoleSignIn = new ConsoleSignIn(this, 'ConsoleSignIn', {
      domainPrefix:
        settings.consoleDomainPrefix ?? `${this.stackName.toLowerCase()}-${this.account}`,
      baseUrls: [...new Set([publicBaseUrl.replace(/\/+$/, ''), this.api.url])],
    });
    api.fn.addEnvironment(ENV.consoleIssuer, this.consoleSignIn.issuer);
    api.fn.addEnvironment(ENV.consoleClientId, this.consoleSignIn.client.userPoolClientId);
    api.fn.addEnvironment(ENV.consoleSignInUrl, this.consoleSignIn.signInUrl);
    api.fn.addEnvironment(
      ENV.consoleSmokeClientId,
      this.consoleSignIn.smokeClient.userPoolClientId,
    );
    // Every function that releases (and so tells subscribers) links to the API: the
    // all-zones render function too, or zone-profile subscribers are never mailed.
    for (const f of [scheduled, generate, api, this.fanout.functions.render]) {
      f.fn.addEnvironment(ENV.publicBaseUrl, publicBaseUrl);
    }

    this.functions = { scheduled, generate, api, ingest, cover };
    const everyFunction = {
      ...this.functions,
      zonePlan: this.fanout.functions.plan,
      zoneRender: this.fanout.functions.render,
      zoneSummary: this.fanout.functions.summary,
    };
    for (const [name, f] of Object.entries(everyFunction)) {
      operations.alarmOnFunction(name, f.fn, f.timeout);
    }
    operations.alarmOnDeadLetters('FailedJobs', queues.failedJobs);
    operations.alarmOnMetric(
      'ReportRequestsWaiting',
      queues.reportRequests.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      `report queue: a request has waited more than ${REPORT_QUEUE_AGE_ALARM.toMinutes()} min ` +
        '(the generate function is failing, throttled or not keeping up)',
      REPORT_QUEUE_AGE_ALARM.toSeconds(),
    );
    // The Scheduler's own failures, per group: a delivery dropped (no dead-letter queue could
    // take it) or not sent to the dead-letter queue — the only ways a firing is lost unseen.
    for (const [name, group] of [
      ['ReportSchedules', this.schedules.group.scheduleGroupName],
      ['ReleaseSchedules', releaseGroup.ref],
    ] as const) {
      for (const [metricName, what] of [
        ['InvocationDroppedCount', 'a firing was dropped after its retries'],
        [
          'InvocationsFailedToBeSentToDeadLetterCount',
          'a failed firing could not be sent to the dead-letter queue',
        ],
        ['TargetErrorCount', 'the target refused a delivery (it will be retried)'],
      ] as const) {
        operations.alarmOnMetric(
          `${name}${metricName.replace(/Count$/, '')}`,
          new Metric({
            namespace: 'AWS/Scheduler',
            metricName,
            dimensionsMap: { ScheduleGroup: group },
            period: Duration.minutes(5),
            statistic: 'Sum',
          }),
          `EventBridge Scheduler (${name}): ${what}`,
        );
      }
    }
    operations.alarmOnMetric(
      'Api5xx',
      this.api.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      'HTTP API: responses with a 5xx status (the function failed or timed out)',
    );
    operations.alarmOnMetric(
      'HandlerFailures',
      new Metric({
        namespace: 'TorchBulletin',
        metricName: 'Failures',
        dimensionsMap: { service: 'torch-bulletin' },
        statistic: 'Sum',
      }),
      'a handler reported a failed job (render, ingest, report request)',
    );

    acknowledgeFindings(this);

    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'ConsoleUrl', {
      description: "the editor's console: sign in here (docs/deploy.md: the first account)",
      value: `${publicBaseUrl.replace(/\/+$/, '')}/console/login`,
    });
    new CfnOutput(this, 'ConsoleUserPoolId', { value: this.consoleSignIn.userPool.userPoolId });
    new CfnOutput(this, 'ConsoleSmokeClientId', {
      description:
        'the smoke test signs a test user in with it (npm run smoke -- --smoke-client-id …)',
      value: this.consoleSignIn.smokeClient.userPoolClientId,
    });
    new CfnOutput(this, 'ArchiveBucketName', { value: stores.archive.bucketName });
    new CfnOutput(this, 'UploadPrefix', {
      value: `s3://${stores.archive.bucketName}/${INBOX_PREFIXES.uploads}`,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: operations.topic.topicArn });
    new CfnOutput(this, 'ReleaseScheduleGroup', { value: releaseGroup.ref });
    // At the stack's top level, so that the output is named exactly so (docs/deploy.md, smoke).
    new CfnOutput(this, 'StateMachineArn', {
      description: 'the all-zones state machine (npm run smoke -- --state-machine-arn …)',
      value: this.fanout.stateMachine.stateMachineArn,
    });
    if (this.api.domain) {
      // The custom domain's DNS: a CNAME from the domain name to this target.
      new CfnOutput(this, 'CustomDomainTarget', {
        description: 'CNAME target of the custom domain (its regional API Gateway domain name)',
        value: this.api.domain.regionalDomainName,
      });
    }
  }

  /**
   * Warns at synth when the reserved executions would not fit under the account's quota given
   * as `-c concurrencyQuota=N` (Lambda keeps 100 unreserved), and when the all-zones map alone
   * could take the whole account.
   */
  private warnAboutConcurrency(settings: BulletinSettings): void {
    const quota = settings.concurrencyQuota;
    if (quota === undefined) return;
    const r = settings.reservedConcurrency;
    const sum = r ? r.scheduled + r.generate + r.zoneRender : 0;
    if (sum > 0 && sum + UNRESERVED_MINIMUM > quota) {
      Annotations.of(this).addWarningV2(
        'torch-bulletin:concurrency-quota',
        `reserved concurrency ${sum} (scheduled ${r!.scheduled} + generate ${r!.generate} + ` +
          `all-zones render ${r!.zoneRender}) needs an account quota of at least ` +
          `${sum + UNRESERVED_MINIMUM}, the quota given is ${quota}: the deploy would fail. ` +
          'Deploy with -c concurrency=none, or ask for a higher quota first (docs/deploy.md)',
      );
    }
    if (FANOUT_POLICY.maxConcurrency >= quota) {
      Annotations.of(this).addWarningV2(
        'torch-bulletin:fanout-concurrency',
        `the all-zones map runs ${FANOUT_POLICY.maxConcurrency} renders at once, the account ` +
          `quota is ${quota}: during an all-zones run other functions are throttled (retried)`,
      );
    }
  }
}

/** A report request older than this in the queue is alarmed. */
export const REPORT_QUEUE_AGE_ALARM = Duration.minutes(30);
