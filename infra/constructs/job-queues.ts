/**
 * The queues of the jobs: on-demand report requests (API → generate function) and the one
 * dead-letter queue where every job ends up that could not be done after its retries —
 * scheduler deliveries, async invocations of the scheduled and ingest functions, and report
 * requests. Its depth is alarmed (Operations).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RENDER_TIMEOUT } from './bulletin-function.ts';

/** A report request is tried this many times before it goes to the dead-letter queue. */
export const REPORT_MAX_RECEIVES = 3;

export class JobQueues extends Construct {
  readonly failedJobs: sqs.Queue;
  readonly reportRequests: sqs.Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.failedJobs = new sqs.Queue(this, 'FailedJobs', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Failed jobs outlive the stack: a deletion must not drop what still needs a redrive
      // (docs/deploy.md, "Dead-letter queue"). Its name is CloudFormation's: no collision.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.reportRequests = new sqs.Queue(this, 'ReportRequests', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice for a Lambda event source: six times the function timeout, so a message
      // is not handed out again while a slow render still works on it.
      visibilityTimeout: Duration.seconds(RENDER_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.failedJobs, maxReceiveCount: REPORT_MAX_RECEIVES },
    });
  }
}
