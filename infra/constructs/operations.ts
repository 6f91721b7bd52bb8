/**
 * Operations: the SNS topic the alarms go to (our own, KMS-encrypted, with an e-mail
 * subscription — or an existing topic named by its ARN) and the alarms themselves: errors,
 * throttles and duration near the timeout of every function, the API's 5xx, the depth and the
 * age of the oldest message of the dead-letter queue, the handlers' own failure metric and
 * the fan-out's failed zones.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface OperationsProps {
  /** Who is told when an alarm fires. */
  alarmEmail?: string;
  /** An existing topic to send the alarms to (its policy must let CloudWatch publish). */
  alarmTopicArn?: string;
}

/** A function's duration alarm fires at this share of its timeout. */
export const DURATION_ALARM_SHARE = 0.8;
/** A message older than this in the dead-letter queue means nobody redrove it. */
export const DLQ_AGE_ALARM = Duration.hours(24);

export class Operations extends Construct {
  readonly topic: sns.ITopic;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly action: actions.SnsAction;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    if (props.alarmTopicArn) {
      this.topic = sns.Topic.fromTopicArn(this, 'Alarms', props.alarmTopicArn);
    } else {
      // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key: a key of
      // our own whose policy lets CloudWatch (of this account) use it.
      const account = Stack.of(this).account;
      const key = new kms.Key(this, 'TopicKey', {
        description: 'Torch Bulletin alarm topic',
        enableKeyRotation: true,
      });
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': account } },
        }),
      );
      const topic = new sns.Topic(this, 'Alarms', {
        displayName: 'Torch Bulletin alarms',
        masterKey: key,
        enforceSSL: true,
      });
      // A TopicPolicy replaces SNS's default policy (enforceSSL makes one): CloudWatch alarms
      // of this account must be allowed to publish explicitly.
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudWatchAlarms',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': account } },
        }),
      );
      if (props.alarmEmail) {
        topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      }
      this.topic = topic;
    }
    this.action = new actions.SnsAction(this.topic);
  }

  /**
   * Alarms on a function's errors, throttles and a duration near its timeout (five-minute
   * periods): every failure mode of a Lambda an operator must hear of.
   */
  alarmOnFunction(name: string, fn: lambda.IFunction, timeout: Duration): cloudwatch.Alarm[] {
    const period = Duration.minutes(5);
    return [
      this.add(
        `${name}Errors`,
        fn.metricErrors({ period, statistic: 'Sum' }),
        `${name}: the function failed`,
      ),
      this.add(
        `${name}Throttles`,
        fn.metricThrottles({ period, statistic: 'Sum' }),
        `${name}: invocations were throttled (reserved or account concurrency exhausted)`,
      ),
      this.add(
        `${name}NearTimeout`,
        fn.metricDuration({ period, statistic: 'Maximum' }),
        `${name}: an invocation ran longer than ${DURATION_ALARM_SHARE * 100}% of its ` +
          `${timeout.toSeconds()} s timeout`,
        Math.round(timeout.toMilliseconds() * DURATION_ALARM_SHARE),
      ),
    ];
  }

  /** Alarms as soon as a message waits in a dead-letter queue, and when one waits too long. */
  alarmOnDeadLetters(name: string, queue: sqs.IQueue): cloudwatch.Alarm[] {
    return [
      this.add(
        `${name}Depth`,
        queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        `${name}: a job failed after all retries and waits in the dead-letter queue (docs/deploy.md: redrive)`,
      ),
      this.add(
        `${name}OldestMessage`,
        queue.metricApproximateAgeOfOldestMessage({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        `${name}: a failed job has waited more than ${DLQ_AGE_ALARM.toHours()} h without a redrive`,
        DLQ_AGE_ALARM.toSeconds(),
      ),
    ];
  }

  /** Alarms when a metric reaches `threshold` (default: any data point ≥ 1). */
  alarmOnMetric(
    name: string,
    metric: cloudwatch.IMetric,
    description: string,
    threshold = 1,
  ): cloudwatch.Alarm {
    return this.add(name, metric, description, threshold);
  }

  private add(
    id: string,
    metric: cloudwatch.IMetric,
    description: string,
    threshold = 1,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}
