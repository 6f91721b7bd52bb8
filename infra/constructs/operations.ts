/**
 * Operations: an SNS topic for alarms (optionally with an e-mail subscription) and the alarms
 * themselves — errors of each function, the handlers' own failure metric, and the depth of
 * the dead-letter queue.
 */
import { Duration } from 'aws-cdk-lib';
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
  /** Who is told when an alarm fires; without it, subscribe to the topic yourself. */
  alarmEmail?: string;
}

export class Operations extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly action: actions.SnsAction;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key: a key of
    // our own whose policy lets CloudWatch use it.
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Torch Bulletin alarm topic',
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Alarms', {
      displayName: 'Torch Bulletin alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    this.action = new actions.SnsAction(this.topic);
  }

  /** Alarms on any error of the function in five minutes. */
  alarmOnErrors(name: string, fn: lambda.IFunction): cloudwatch.Alarm {
    return this.add(
      `${name}Errors`,
      fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      `${name}: the function failed`,
    );
  }

  /** Alarms as soon as a message waits in a dead-letter queue. */
  alarmOnQueueDepth(name: string, queue: sqs.IQueue): cloudwatch.Alarm {
    return this.add(
      `${name}Depth`,
      queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      `${name}: a job failed after all retries and waits in the dead-letter queue`,
    );
  }

  /** Alarms on any data point of a custom metric (e.g. the handlers' `Failures`). */
  alarmOnMetric(name: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm {
    return this.add(name, metric, description);
  }

  private add(id: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: 1,
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
