/**
 * What would fail or silence a first deploy (issue 14, items 1–12), proved on the synthesized
 * template: the stage's dependency on its route, no retained resource with a fixed name, the
 * alarm topic's policy and the prod stage's subscriber, the layer and architectures, reserved
 * concurrency, the alarms, tracing, feature flags, TTL, the retained dead-letter queue, caller
 * names in the access logs and the custom domain. Bundling is skipped (support.ts).
 */
import type { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TABLES, TTL_ATTRIBUTE } from '../../functions/contract/stores.ts';
import { PROJECT_ROOT } from '../../infra/bundling.ts';
import type { TorchBulletinStack } from '../../infra/stack.ts';
import { cdkJsonContext, synthApp, synthTemplate } from './support.ts';

type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

/** Properties that give a resource a fixed physical name, by type. */
const NAME_PROPERTIES = [
  'Name',
  'TableName',
  'BucketName',
  'QueueName',
  'TopicName',
  'LogGroupName',
  'FunctionName',
  'AliasName',
  'StateMachineName',
  'RoleName',
  'AlarmName',
  'LayerName',
];

describe('deploy-ready stack', () => {
  let stack: TorchBulletinStack;
  let resources: Record<string, Resource>;
  const id = (s: Stack, c: { node: { defaultChild?: unknown } }) =>
    s.getLogicalId(c.node.defaultChild as never);
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  beforeAll(() => {
    let template: Template;
    ({ stack, template } = synthTemplate());
    resources = template.toJSON().Resources as Record<string, Resource>;
  });

  it('1. creates the API stage after the route its RouteSettings name', () => {
    const stage = resources[id(stack, stack.api.stage)]!;
    expect(Object.keys(stage.Properties['RouteSettings'] as object)).toEqual(['POST /reports']);
    expect(stage.DependsOn).toContain(id(stack, stack.api.reportsRoute));
  });

  it('the API function ships the templates its archive pages and subscriber mail render', () => {
    const [[, api]] = ofType('AWS::Lambda::Function').filter(([, r]) =>
      String(r.Properties['Description'] ?? '').startsWith('HTTP API'),
    ) as [[string, Resource]];
    const variables = (api.Properties['Environment'] as { Variables: Record<string, string> })
      .Variables;
    expect(variables['BULLETIN_TEMPLATES_DIR']).toMatch(/templates$/);
  });

  it('2. names no retained resource itself; the schedule groups are CloudFormation-named', () => {
    // The report schedules' group and the embargoed releases' group.
    const groups = ofType('AWS::Scheduler::ScheduleGroup');
    expect(groups).toHaveLength(2);
    for (const [, group] of groups) {
      expect(group.Properties?.['Name']).toBeUndefined();
      expect(group.DeletionPolicy).toBe('Delete');
    }
    const retained = Object.entries(resources).filter(
      ([, r]) => r.DeletionPolicy === 'Retain' || r.UpdateReplacePolicy === 'Retain',
    );
    // Tables, buckets, the DLQ, the topic key, the log groups and the console's user pool
    // (the editors' accounts): kept on purpose, none named.
    expect(new Set(retained.map(([, r]) => r.Type))).toEqual(
      new Set([
        'AWS::Cognito::UserPool',
        'AWS::DynamoDB::Table',
        'AWS::S3::Bucket',
        'AWS::SQS::Queue',
        'AWS::KMS::Key',
        'AWS::Logs::LogGroup',
      ]),
    );
    for (const [logicalId, r] of retained) {
      for (const p of NAME_PROPERTIES)
        expect(r.Properties?.[p], `${logicalId}.${p}`).toBeUndefined();
    }
    // The schedules reference the group CloudFormation named.
    for (const [, s] of ofType('AWS::Scheduler::Schedule')) {
      expect(s.Properties['GroupName']).toEqual({
        Ref: stack.getLogicalId(stack.schedules.node.findChild('Group') as never),
      });
    }
  });

  it('3. lets CloudWatch of this account publish to the alarm topic (and use its key)', () => {
    const [[, policy]] = ofType('AWS::SNS::TopicPolicy') as [[string, Resource]];
    const statements = (policy.Properties['PolicyDocument'] as { Statement: unknown[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    );
    const [[, key]] = ofType('AWS::KMS::Key') as [[string, Resource]];
    expect(JSON.stringify(key.Properties['KeyPolicy'])).toContain('cloudwatch.amazonaws.com');
  });

  it('3. refuses a prod stage without an alarm subscriber; dev may go without', () => {
    expect(cdkJsonContext()['stage']).toBe('dev');
    expect(() => synthApp({ stage: 'prod' })).toThrow(/stage prod needs someone to receive/);
    expect(() => synthApp({ stage: 'staging' })).toThrow(/-c stage/);
  });

  it('3. sends the alarms to an existing topic when one is named (no topic of its own)', () => {
    const arn = 'arn:aws-cn:sns:cn-north-1:123456789012:ops-alarms';
    const { stack: s } = synthApp({ stage: 'prod', alarmTopicArn: arn });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::SNS::Topic', 0);
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(0);
    for (const a of alarms) expect(a['Properties']['AlarmActions']).toEqual([arn]);
  });

  it('6. one Chromium layer for the render functions; the others on arm64 without it', () => {
    const layers = ofType('AWS::Lambda::LayerVersion');
    expect(layers).toHaveLength(1);
    const layerRef = { Ref: layers[0]![0] };
    const fns = ofType('AWS::Lambda::Function').filter(
      ([k]) => !k.startsWith('BucketNotifications'),
    );
    const renders = fns.filter(([, r]) => r.Properties['Layers'] !== undefined);
    expect(renders.map(([k]) => k).sort()).toEqual(
      [
        stack.functions.scheduled,
        stack.functions.generate,
        stack.functions.cover,
        stack.fanout.functions.render,
      ]
        .map((f) => id(stack, f.fn))
        .sort(),
    );
    for (const [, r] of renders) {
      expect(r.Properties['Layers']).toEqual([layerRef]);
      expect(r.Properties['Architectures']).toEqual(['x86_64']);
    }
    for (const [, r] of fns.filter(([, f]) => f.Properties['Layers'] === undefined)) {
      expect(r.Properties['Architectures']).toEqual(['arm64']);
    }
  });

  it('8. reserves no concurrency by default: the stack deploys on an account whose quota is 10', () => {
    const fns = ofType('AWS::Lambda::Function');
    expect(
      fns.filter(([, r]) => r.Properties['ReservedConcurrentExecutions'] !== undefined),
    ).toEqual([]);
  });

  it('8. alarms on throttles, near-timeout durations, API 5xx and the age of the oldest DLQ message', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    const functions = ofType('AWS::Lambda::Function').filter(
      ([k]) => !k.startsWith('BucketNotifications'),
    );
    for (const [fnId, fn] of functions) {
      const on = (metric: string) =>
        alarms.filter(
          (a) =>
            a['MetricName'] === metric &&
            JSON.stringify(a['Dimensions']).includes(`"Ref":"${fnId}"`),
        );
      expect(on('Errors'), fnId).toHaveLength(1);
      expect(on('Throttles'), fnId).toHaveLength(1);
      const [duration] = on('Duration');
      expect(duration, fnId).toMatchObject({
        Statistic: 'Maximum',
        Threshold: (fn.Properties['Timeout'] as number) * 1000 * 0.8,
      });
    }
    expect(alarms.find((a) => a['MetricName'] === '5xx')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
    });
    expect(alarms.find((a) => a['MetricName'] === 'ApproximateAgeOfOldestMessage')).toMatchObject({
      Namespace: 'AWS/SQS',
      Threshold: 24 * 3600,
    });
    expect(alarms.find((a) => a['MetricName'] === 'ZoneProfilesFailed')).toBeDefined();
  });

  it('9. tracing is off everywhere (decided: no X-Ray without instrumented SDK calls)', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      expect(fn.Properties['TracingConfig']).toBeUndefined();
    }
  });

  it('10. decides every recommended CDK feature flag; no misspelt flag', () => {
    const recommended = JSON.parse(
      readFileSync(
        join(PROJECT_ROOT, 'node_modules', 'aws-cdk-lib', 'recommended-feature-flags.json'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    const context = cdkJsonContext();
    for (const [flag, value] of Object.entries(recommended))
      expect(context[flag], flag).toEqual(value);
    const unknown = Object.keys(context).filter(
      (k) => k.startsWith('@aws-cdk') && !(k in recommended),
    );
    expect(unknown).toEqual([]);
  });

  it('11. TTL on the tables with expiring items; the dead-letter queue outlives the stack', () => {
    for (const def of TABLES) {
      const table = resources[id(stack, stack.platform.stores.tables[def.id])]!;
      expect(table.Properties['TimeToLiveSpecification']).toEqual(
        def.ttlAttribute ? { AttributeName: TTL_ATTRIBUTE, Enabled: true } : undefined,
      );
    }
    expect(TABLES.filter((d) => d.ttlAttribute).map((d) => d.id)).toEqual([
      'issues',
      'subscribers',
    ]);
    const dlq = resources[id(stack, stack.platform.queues.failedJobs)]!;
    expect(dlq.DeletionPolicy).toBe('Retain');
    expect(dlq.UpdateReplacePolicy).toBe('Retain');
  });

  it('12. access logs name the caller (IAM principal, JWT subject)', () => {
    const stage = resources[id(stack, stack.api.stage)]!;
    const format = JSON.parse(
      (stage.Properties['AccessLogSettings'] as { Format: string }).Format,
    ) as Record<string, string>;
    expect(format).toMatchObject({
      userArn: '$context.identity.userArn',
      jwtSub: '$context.authorizer.claims.sub',
    });
    const api = resources[id(stack, stack.api.api)]!;
    expect(api.Properties['DisableExecuteApiEndpoint']).toBe(false);
  });

  it('12. with a custom domain: the execute-api endpoint is off and links use the domain', () => {
    const { stack: s } = synthApp({
      domainName: 'bulletin.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234',
    });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
    t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'bulletin.example.com',
    });
    t.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    const api = t.toJSON().Resources[id(s, (s as TorchBulletinStack).functions.api.fn)];
    expect(api.Properties.Environment.Variables.BULLETIN_PUBLIC_BASE_URL).toBe(
      'https://bulletin.example.com',
    );
    expect(() => synthApp({ domainName: 'bulletin.example.com' })).toThrow(/go together/);
    // The DNS record to make: a CNAME to the regional domain name, as an output.
    expect(t.toJSON().Outputs.CustomDomainTarget.Value).toEqual({
      'Fn::GetAtt': [id(s, (s as TorchBulletinStack).api.domain!), 'RegionalDomainName'],
    });
  });
});
