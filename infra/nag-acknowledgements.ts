/**
 * cdk-nag AwsSolutions findings on parts of the stack that are not ours to shape (CDK's own
 * helper functions and roles) or that are meant as they are, each with the reason. The
 * findings of a function's own grants are acknowledged where the grant is made
 * (BulletinFunction). Everything else must be fixed: `npm run synth` fails on any
 * unacknowledged finding.
 */
import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';

/** The parts of the stack whose findings are acknowledged here. */
export interface AcknowledgedParts extends Stack {
  functions: { scheduled: { fn: IFunction } };
  api: { api: HttpApi };
}

const arnToken = (stack: Stack, resource: IConstruct): string =>
  `<${stack.getLogicalId(resource.node.defaultChild as CfnElement)}.Arn>`;

export function acknowledgeFindings(stack: AcknowledgedParts): void {
  const scheduled = stack.functions.scheduled.fn;
  Validations.of(stack).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${arnToken(stack, scheduled)}:*]`,
    reason:
      'EventBridge Scheduler role (made by LambdaInvoke): invoke the scheduled function and its versions only',
  });
  const notifications = stack.node.tryFindChild(
    'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
  );
  if (notifications) {
    Validations.of(notifications).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's own S3 notification helper (runs at deploy time only) comes with the basic execution role",
    });
  }
  Validations.of(stack.api.api.node.findChild('DefaultRoute')).acknowledge({
    id: 'AwsSolutions-APIG4',
    reason:
      'the $default route is the public part (archive page, bulletins, downloads, feeds, ' +
      'subscriptions): subscribers have no AWS identity; POST /reports has an authorizer',
  });
}
