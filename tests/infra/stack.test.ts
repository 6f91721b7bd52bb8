/**
 * The synthesized stack, asserted on what matters: schedules, bucket, tables, least-privilege
 * grants, alarms, API authorizer and throttling, and cdk-nag AwsSolutions without an
 * unacknowledged finding. Bundling is skipped here (`aws:cdk:bundling-stacks`); the bundle
 * itself is tested in bundle.test.ts.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TorchBulletinStack } from '../../infra/stack.ts';
import { TABLES } from '../../functions/contract/stores.ts';
import { NODE_FLAGS } from '../../functions/contract/node-flags.ts';
import { ROLES, roleOfGroups } from '../../functions/core/desk.ts';
import { synthApp, synthTemplate } from './support.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Effect: string; Resource: unknown };

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

describe('TorchBulletin stack', () => {
  let app: App;
  let stack: TorchBulletinStack;
  let template: Template;
  let resources: Record<string, Resource>;

  beforeAll(() => {
    ({ app, stack, template } = synthTemplate());
    resources = template.toJSON().Resources as Record<string, Resource>;
  });

  /** The statements of the policy attached to a function's role. */
  function statementsOf(name: keyof TorchBulletinStack['functions']): Statement[] {
    const roleId = logicalIdOf(stack, stack.functions[name].role);
    const policies = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        (r.Properties['Roles'] as { Ref: string }[]).some((x) => x.Ref === roleId),
    );
    return policies.flatMap(
      (p) => (p.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement,
    );
  }
  const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
  /** Every (action, resource JSON) pair a function may use. */
  function grantsOf(name: keyof TorchBulletinStack['functions']): [string, string][] {
    return statementsOf(name).flatMap((s) => {
      const res = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
      return actions(s).flatMap((a) => res.map((r): [string, string] => [a, JSON.stringify(r)]));
    });
  }
  const tableId = (id: keyof TorchBulletinStack['platform']['stores']['tables']) =>
    logicalIdOf(stack, stack.platform.stores.tables[id]);

  it('schedules the monthly bulletin at 09:00 on the 15th, Asia/Shanghai, exactly on time', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 9 15 * ? *)',
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.functions.scheduled.fn), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.platform.queues.failedJobs), 'Arn'] },
        },
        Input: Match.serializedJson(
          Match.objectLike({
            scheduleId: 'monthly-bulletin',
            kind: 'torch-bulletin',
            scheduledTime: '<aws.scheduler.scheduled-time>',
          }),
        ),
      },
    });
  });

  it('retries async invocations and sends what still fails to the dead-letter queue', () => {
    const dlq = { 'Fn::GetAtt': [logicalIdOf(stack, stack.platform.queues.failedJobs), 'Arn'] };
    for (const name of ['scheduled', 'ingest'] as const) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalIdOf(stack, stack.functions[name].fn) },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: dlq } },
      });
    }
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: dlq, maxReceiveCount: 3 },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(stack, stack.functions.generate.fn) },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('keeps the archive bucket private, TLS-only, versioned, encrypted, previews expiring', () => {
    const bucketId = logicalIdOf(stack, stack.platform.stores.archive);
    const bucket = resources[bucketId]!.Properties;
    expect(bucket['PublicAccessBlockConfiguration']).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket['VersioningConfiguration']).toEqual({ Status: 'Enabled' });
    expect(bucket['BucketEncryption']).toEqual({
      ServerSideEncryptionConfiguration: [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      ],
    });
    expect(bucket['LifecycleConfiguration']).toEqual({
      Rules: expect.arrayContaining([
        expect.objectContaining({ Prefix: 'previews/', ExpirationInDays: 30, Status: 'Enabled' }),
      ]),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('creates every table of definitions.ts: on-demand, PITR, deletion protection', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', TABLES.length);
    for (const def of TABLES) {
      const table = resources[tableId(def.id)]!;
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: def.critical,
        KeySchema: [
          { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: def.sortKey.name, KeyType: 'RANGE' },
        ],
      });
      const indexes = (table.Properties['GlobalSecondaryIndexes'] ?? []) as {
        IndexName: string;
      }[];
      expect(indexes.map((i) => i.IndexName)).toEqual(def.globalIndexes.map((g) => g.name));
    }
  });

  it('grants each function only its tables and bucket prefixes, never Scan', () => {
    const records = tableId('records');
    const issues = tableId('issues');
    const subscribers = tableId('subscribers');
    const bucket = logicalIdOf(stack, stack.platform.stores.archive);
    const onTable = (grants: [string, string][], table: string) =>
      new Set(grants.filter(([, r]) => r.includes(table)).map(([a]) => a));
    const s3Grants = (grants: [string, string][]) =>
      grants
        .filter(([a]) => a.startsWith('s3:'))
        .map(([a, r]) => `${a} ${/\/([a-z]+\/)\*/.exec(r)?.[1] ?? r}`)
        .sort();

    for (const name of ['scheduled', 'generate', 'api', 'ingest', 'cover'] as const) {
      const grants = grantsOf(name);
      expect(grants.map(([a]) => a)).not.toContain('dynamodb:Scan');
      expect(grants.filter(([a]) => a.includes('*'))).toEqual([]);
    }
    // Publishers: records read-only, issues and subscribers read/write, issues/ and drafts/.
    for (const name of ['scheduled', 'generate'] as const) {
      const grants = grantsOf(name);
      expect(onTable(grants, records)).toEqual(
        new Set(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query']),
      );
      expect(onTable(grants, issues)).toContain('dynamodb:PutItem');
      expect(onTable(grants, subscribers)).toContain('dynamodb:UpdateItem');
      expect(s3Grants(grants)).toEqual([
        's3:DeleteObject drafts/',
        's3:DeleteObject issues/',
        's3:GetObject drafts/',
        's3:GetObject issues/',
        's3:PutObject drafts/',
        's3:PutObject issues/',
      ]);
    }
    // Ingest: the records table and the inbox prefixes, nothing of issues or subscribers.
    const ingest = grantsOf('ingest');
    expect(onTable(ingest, records)).toContain('dynamodb:PutItem');
    expect(onTable(ingest, issues).size + onTable(ingest, subscribers).size).toBe(0);
    expect(s3Grants(ingest)).toEqual([
      's3:DeleteObject uploads/',
      's3:GetObject uploads/',
      's3:PutObject ingested/',
      's3:PutObject rejected/',
    ]);
    expect(ingest.some(([, r]) => r.includes(bucket) && r.includes('issues/'))).toBe(false);
    // API: reads PDFs (presigned URLs), writes nothing but the data workbooks it makes on a
    // first download, removes discarded drafts; sends report and editorial jobs.
    const api = grantsOf('api');
    expect(s3Grants(api)).toEqual([
      's3:DeleteObject drafts/',
      's3:GetObject covers/',
      's3:GetObject drafts/',
      's3:GetObject issues/',
      's3:GetObject workbooks/',
      's3:PutObject workbooks/',
    ]);
    expect(onTable(api, records).has('dynamodb:PutItem')).toBe(false);
    // A cover not made yet: the API invokes the cover function, and no other function.
    const coverFn = logicalIdOf(stack, stack.functions.cover.fn);
    const invokes = api.filter(([a]) => a === 'lambda:InvokeFunction');
    expect(invokes).toEqual([
      ['lambda:InvokeFunction', JSON.stringify({ 'Fn::GetAtt': [coverFn, 'Arn'] })],
    ]);
    const apiEnv = (
      resources[logicalIdOf(stack, stack.functions.api.fn)]!.Properties['Environment'] as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(apiEnv['BULLETIN_COVER_FUNCTION']).toEqual({ Ref: coverFn });
    // The cover function: reads the issue and its cover source, writes the PNG under covers/
    // and records it (one conditional UpdateItem); nothing of records or subscribers.
    const cover = grantsOf('cover');
    expect(s3Grants(cover)).toEqual(['s3:GetObject issues/', 's3:PutObject covers/']);
    expect(onTable(cover, issues)).toEqual(new Set(['dynamodb:GetItem', 'dynamodb:UpdateItem']));
    expect(onTable(cover, records).size + onTable(cover, subscribers).size).toBe(0);
    expect(cover.filter(([a]) => a.startsWith('lambda:') || a.startsWith('sqs:'))).toEqual([]);
    expect(api.map(([a]) => a)).toContain('sqs:SendMessage');
    expect(
      api.some(([, r]) => r.includes(logicalIdOf(stack, stack.platform.queues.reportRequests))),
    ).toBe(true);
  });

  it('alarms on every function, on handler failures and on the dead-letter queue, via SNS', () => {
    const topicId = logicalIdOf(stack, stack.platform.operations.topic as never);
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    // 8 functions × (errors, throttles, duration) + DLQ depth and age + API 5xx + handler
    // failures + 4 of the all-zones run (failed zones, failed, timed-out and aborted
    // executions) + the report queue's oldest request + 2 schedule groups × 3 Scheduler
    // failures (dropped, not sent to the DLQ, target errors).
    expect(alarms.length).toBe(8 * 3 + 2 + 1 + 1 + 4 + 1 + 2 * 3);
    for (const alarm of alarms) {
      expect(alarm.Properties['AlarmActions']).toEqual([{ Ref: topicId }]);
    }
    const byMetric = alarms.map((a) => a.Properties['MetricName']);
    expect(byMetric.filter((m) => m === 'Errors')).toHaveLength(8);
    expect(byMetric).toContain('ApproximateNumberOfMessagesVisible');
    expect(byMetric).toContain('Failures');
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: Match.anyValue(),
    });
  });

  it('subscribes the alarm e-mail when one is given', () => {
    const { stack: withEmail } = synthApp({ alarmEmail: 'ops@example.com' });
    Template.fromStack(withEmail).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('puts an IAM authorizer on POST /reports and throttles the stage and that route', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /reports',
      AuthorizationType: 'AWS_IAM',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$default',
      AuthorizationType: 'NONE',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      RouteSettings: {
        'POST /reports': { ThrottlingRateLimit: 1, ThrottlingBurstLimit: 5 },
      },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('serves the operator API behind the same authorizer, and gives embargoed releases one-time schedules', () => {
    for (const method of ['GET', 'POST'])
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${method} /operator/api/{proxy+}`,
        AuthorizationType: 'AWS_IAM',
      });
    // The role EventBridge Scheduler assumes may invoke the generate function, nothing else.
    const roleId = Object.keys(resources).find((id) => id.startsWith('ReleaseSchedulerRole'))!;
    expect(resources[roleId]!.Properties['AssumeRolePolicyDocument']).toMatchObject({
      Statement: [expect.objectContaining({ Principal: { Service: 'scheduler.amazonaws.com' } })],
    });
    // The Scheduler's source is the schedule group (a schedule ARN never matches).
    expect(JSON.stringify(resources[roleId]!.Properties['AssumeRolePolicyDocument'])).toContain(
      ':schedule-group/",{"Ref":"ReleaseSchedules"}]]',
    );
    const generateFn = logicalIdOf(stack, stack.functions.generate.fn);
    const invoke = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        (r.Properties['Roles'] as { Ref: string }[]).some((x) => x.Ref === roleId),
    );
    expect(JSON.stringify(invoke)).toContain('lambda:InvokeFunction');
    expect(JSON.stringify(invoke)).toContain(generateFn);
    // The API creates, moves and removes those schedules (release-* of the stack's own group
    // only) and passes that role, nothing more.
    const api = grantsOf('api');
    const scheduler = api.filter(
      ([a, r]) => a.startsWith('scheduler:') && r.includes('{"Ref":"ReleaseSchedules"}'),
    );
    expect(scheduler.map(([a]) => a).sort()).toEqual([
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:UpdateSchedule',
    ]);
    expect(
      scheduler.every(([, r]) => r.includes(':schedule/",{"Ref":"ReleaseSchedules"},"/release-*')),
    ).toBe(true);
    expect(api.filter(([a]) => a === 'iam:PassRole').map(([, r]) => r)).toContain(
      JSON.stringify({ 'Fn::GetAtt': [roleId, 'Arn'] }),
    );
    const apiFn = resources[logicalIdOf(stack, stack.functions.api.fn)]!;
    const env = (apiFn.Properties['Environment'] as { Variables: Record<string, unknown> })
      .Variables;
    expect(env['BULLETIN_RELEASE_TARGET_ARN']).toEqual({ 'Fn::GetAtt': [generateFn, 'Arn'] });
    expect(env['BULLETIN_RELEASE_SCHEDULER_ROLE_ARN']).toEqual({
      'Fn::GetAtt': [roleId, 'Arn'],
    });
    // Abandoned drafts expire.
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: 'expire-abandoned-drafts',
            Prefix: 'drafts/',
            ExpirationInDays: 90,
          }),
        ]),
      },
    });
  });

  it('lets the API switch the report schedules and give a moved date its one-off firing, nothing more', () => {
    const groupId = Object.keys(resources).find(
      (id) =>
        resources[id]!.Type === 'AWS::Scheduler::ScheduleGroup' && id.startsWith('SchedulesGroup'),
    )!;
    const scheduleArn = (name: string) =>
      JSON.stringify({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':scheduler:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':schedule/',
            { Ref: groupId },
            `/${name}`,
          ],
        ],
      });
    const ids = [...stack.schedules.scheduleIds].sort();
    expect(ids).toEqual([
      'monthly-bulletin',
      'quarterly-northeast',
      'yearly-yangtze-delta',
      'yearly-zone-profiles',
    ]);
    // Each schedule is named by its id in the stack's own group.
    for (const id of ids)
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Name: id,
        GroupName: { Ref: groupId },
      });
    const api = grantsOf('api');
    const onReports = api.filter(([a, r]) => a.startsWith('scheduler:') && r.includes(groupId));
    const pairs = onReports.map(([a, r]) => `${a} ${r}`).sort();
    expect(pairs).toEqual(
      [
        ...ids.flatMap((id) => [
          `scheduler:GetSchedule ${scheduleArn(id)}`,
          `scheduler:UpdateSchedule ${scheduleArn(id)}`,
        ]),
        `scheduler:CreateSchedule ${scheduleArn('moved-*')}`,
        `scheduler:UpdateSchedule ${scheduleArn('moved-*')}`,
        `scheduler:DeleteSchedule ${scheduleArn('moved-*')}`,
      ].sort(),
    );
    // The scheduler role of those schedules (one role for the group) is passed to the Scheduler only.
    const roleId = logicalIdOf(stack, stack.schedules.role);
    for (const id of ids)
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Name: id,
        Target: Match.objectLike({ RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } }),
      });
    const passRole = statementsOf('api').filter((x) => actions(x).includes('iam:PassRole'));
    expect(
      passRole.every((x) =>
        JSON.stringify(x).includes('"iam:PassedToService":"scheduler.amazonaws.com"'),
      ),
    ).toBe(true);
    expect(
      api
        .filter(([a]) => a === 'iam:PassRole')
        .map(([, r]) => r)
        .sort(),
    ).toEqual(
      [
        JSON.stringify({ 'Fn::GetAtt': [roleId, 'Arn'] }),
        JSON.stringify({
          'Fn::GetAtt': [
            logicalIdOf(stack, {
              node: {
                defaultChild: stack.node.findChild('ReleaseSchedulerRole').node.defaultChild,
              },
            }),
            'Arn',
          ],
        }),
      ].sort(),
    );
    // Only the Scheduler, for this group, may assume it.
    expect(JSON.stringify(resources[roleId]!.Properties['AssumeRolePolicyDocument'])).toContain(
      `:schedule-group/",{"Ref":"${groupId}"}]]`,
    );
    // The API finds the group by its environment; the all-zones firing names its schedule.
    const apiFn = resources[logicalIdOf(stack, stack.functions.api.fn)]!;
    const env = (apiFn.Properties['Environment'] as { Variables: Record<string, unknown> })
      .Variables;
    expect(env['BULLETIN_REPORT_SCHEDULE_GROUP']).toEqual({ Ref: groupId });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'yearly-zone-profiles',
      Target: Match.objectLike({
        Input: Match.serializedJson(Match.objectLike({ scheduleId: 'yearly-zone-profiles' })),
      }),
    });
  });

  it('signs the console in through a Cognito user pool: its three role groups, a PKCE client, the settings on the API function', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
    });
    const poolId = Object.keys(template.findResources('AWS::Cognito::UserPool'))[0]!;
    // One group per console role, named as the app maps cognito:groups (core/desk.ts).
    const groups = Object.values(template.findResources('AWS::Cognito::UserPoolGroup'));
    expect(groups.map((g) => g['Properties'].GroupName).sort()).toEqual([...ROLES].sort());
    for (const g of groups) expect(g['Properties'].UserPoolId).toEqual({ Ref: poolId });
    expect(groups.map((g) => roleOfGroups([g['Properties'].GroupName as string]))).not.toContain(
      undefined,
    );
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['', ['torchbulletin-', { Ref: 'AWS::AccountId' }]] },
      UserPoolId: { Ref: poolId },
    });
    // The console's client: authorization code only (the app sends a PKCE challenge), no
    // secret, no password flows.
    const clientIds = Object.keys(template.findResources('AWS::Cognito::UserPoolClient'));
    expect(clientIds).toHaveLength(2);
    const consoleId = logicalIdOf(stack, stack.consoleSignIn.client);
    const smokeId = logicalIdOf(stack, stack.consoleSignIn.smokeClient);
    const client = resources[consoleId]!['Properties'];
    expect(client).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: expect.arrayContaining(['openid']),
      GenerateSecret: false,
      SupportedIdentityProviders: ['COGNITO'],
    });
    expect(JSON.stringify(client['ExplicitAuthFlows'] ?? [])).not.toMatch(/PASSWORD/);
    const apiId = logicalIdOf(stack, stack.api.api);
    expect(JSON.stringify(client['CallbackURLs'])).toContain(apiId);
    expect(JSON.stringify(client['CallbackURLs'])).toContain('/console/auth/callback');
    expect(JSON.stringify(client['LogoutURLs'])).toContain('/console/login');
    const env = (
      resources[logicalIdOf(stack, stack.functions.api.fn)]!.Properties['Environment'] as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(JSON.stringify(env['BULLETIN_CONSOLE_ISSUER'])).toContain(poolId);
    expect(JSON.stringify(env['BULLETIN_CONSOLE_ISSUER'])).toBe(
      JSON.stringify({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [poolId, 'ProviderURL'] }]] }),
    );
    expect(env['BULLETIN_CONSOLE_CLIENT_ID']).toEqual({ Ref: consoleId });
    // The smoke test's client: a secret, the admin password flow only (IAM-authenticated
    // AdminInitiateAuth; TOTP still required by the pool), no hosted sign-in; the console accepts
    // its ID tokens, and the stack says its id.
    expect(resources[smokeId]!['Properties']).toMatchObject({
      GenerateSecret: true,
      ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AllowedOAuthFlowsUserPoolClient: false,
      UserPoolId: { Ref: poolId },
    });
    expect(resources[smokeId]!['Properties']['CallbackURLs']).toBeUndefined();
    expect(env['BULLETIN_CONSOLE_SMOKE_CLIENT_ID']).toEqual({ Ref: smokeId });
    template.hasOutput('ConsoleSmokeClientId', { Value: { Ref: smokeId } });
    expect(JSON.stringify(env['BULLETIN_CONSOLE_SIGNIN_URL'])).toContain('.amazoncognito.com');
  });

  it('puts the API function as REQUEST authorizer (the cookie, no caching) on every console method but GET, which the function checks and redirects', () => {
    const fnId = logicalIdOf(stack, stack.functions.api.fn);
    const authorizers = template.findResources('AWS::ApiGatewayV2::Authorizer', {
      Properties: { AuthorizerType: 'REQUEST' },
    });
    expect(Object.keys(authorizers)).toHaveLength(1);
    const [authorizerId, authorizer] = Object.entries(authorizers)[0]!;
    expect(authorizer['Properties']).toMatchObject({
      IdentitySource: ['$request.header.Cookie'],
      AuthorizerResultTtlInSeconds: 0,
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: '2.0',
    });
    expect(JSON.stringify(authorizer['Properties'].AuthorizerUri)).toContain(fnId);
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) =>
        r['Properties'] as { RouteKey: string; AuthorizationType?: string; AuthorizerId?: unknown },
    );
    const consoleRoutes = routes.filter((r) => / \/console(\/|$)/.test(r.RouteKey));
    const guarded = consoleRoutes
      .filter((r) => r.AuthorizationType === 'CUSTOM')
      .map((r) => r.RouteKey)
      .sort();
    expect(guarded).toEqual(['ANY /console', 'ANY /console/{proxy+}']);
    for (const r of consoleRoutes.filter((x) => x.AuthorizationType === 'CUSTOM'))
      expect(r.AuthorizerId).toEqual({ Ref: authorizerId });
    // GET goes to the function (it verifies the token on every page and sends a signed-out
    // reader to /console/login?next=…: an HTTP API has no gateway responses); nothing else is
    // open under /console.
    const open = consoleRoutes.filter((r) => r.AuthorizationType !== 'CUSTOM');
    expect(open.map((r) => r.RouteKey).sort()).toEqual(['GET /console', 'GET /console/{proxy+}']);
    for (const r of open) expect(r.AuthorizationType ?? 'NONE').toBe('NONE');
    // API Gateway may invoke the function as the authorizer.
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (p) => JSON.stringify(p['Properties'].SourceArn).includes('/authorizers/'),
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!['Properties']).toMatchObject({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      Principal: 'apigateway.amazonaws.com',
    });
  });

  it('uses a JWT authorizer instead when an issuer and audience are given', () => {
    const { stack: jwt } = synthApp({
      jwtIssuer: 'https://cognito-idp.example.com/pool',
      jwtAudience: 'bulletin-operators',
    });
    const t = Template.fromStack(jwt);
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: {
        Issuer: 'https://cognito-idp.example.com/pool',
        Audience: ['bulletin-operators'],
      },
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /reports',
      AuthorizationType: 'JWT',
    });
  });

  it('runs nodejs22.x; the render functions get Chromium-sized memory and their assets', () => {
    for (const f of Object.values(stack.functions)) {
      expect(resources[logicalIdOf(stack, f.fn)]!.Properties['Runtime']).toBe('nodejs22.x');
    }
    for (const name of ['scheduled', 'generate'] as const) {
      const props = resources[logicalIdOf(stack, stack.functions[name].fn)]!.Properties;
      expect(props).toMatchObject({
        MemorySize: 3008,
        Timeout: 300,
        Architectures: ['x86_64'],
        Environment: {
          Variables: expect.objectContaining({
            BULLETIN_FONT_DIR: '/opt/fonts',
            BULLETIN_CHROMIUM_BIN_DIR: '/opt/chromium/bin',
            BULLETIN_TEMPLATES_DIR: '/var/task/templates',
            BULLETIN_CHROMIUM_SINGLE_PROCESS: 'true',
            BULLETIN_TIME_ZONE: 'Asia/Shanghai',
          }),
        },
      });
    }
  });

  it('runs every function with the V8 flags the command line and the bench run with', () => {
    const functions = [...Object.values(stack.functions), ...Object.values(stack.fanout.functions)];
    expect(functions).toHaveLength(8);
    for (const f of functions) {
      const env = resources[logicalIdOf(stack, f.fn)]!.Properties['Environment'] as {
        Variables: Record<string, unknown>;
      };
      expect(env.Variables['NODE_OPTIONS'], f.node.path).toBe('--max-semi-space-size=32');
      expect(env.Variables['NODE_OPTIONS']).toBe(NODE_FLAGS.join(' '));
    }
  });

  it('passes cdk-nag AwsSolutions with every finding fixed or acknowledged with a reason', () => {
    expect(() => app.synth({ force: true })).not.toThrow();
    // Our acknowledgements (data: { "<plugin>::<rule>[finding]": reason }), each with a reason.
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .filter(([id]) => id.includes('AwsSolutions-'));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledged) expect(reason.length, id).toBeGreaterThan(30);
  });

  it('cdk-nag does fail a synth on an unacknowledged finding (control)', () => {
    const control = new App();
    const bad = new Stack(control, 'Control');
    new s3.Bucket(bad, 'Unencrypted', { enforceSSL: false });
    Validations.of(control).addPlugins(new AwsSolutionsChecks(control));
    expect(() => control.synth()).toThrow();
  });
});
