/**
 * The all-zones state machine as synthesized: Plan → Distributed Map (bounded concurrency,
 * retries, a Catch per zone) → Summarize, the functions' grants, and the alarms. Bundling is
 * skipped (`aws:cdk:bundling-stacks`).
 */
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthTemplate } from './support.ts';
import { LEASE_RETRY, ZoneFanOut, RETRYABLE_ERRORS } from '../../infra/constructs/zone-fanout.ts';
import { FANOUT_POLICY } from '../../functions/contract/fanout.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown };
interface State {
  Type: string;
  Next?: string;
  End?: boolean;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  ItemsPath?: string;
  MaxConcurrency?: number;
  ResultPath?: string;
  ToleratedFailurePercentage?: number;
  ToleratedFailureCount?: number;
  ResultWriter?: { Resource: string; Parameters: Record<string, unknown> };
  TimeoutSeconds?: number;
  ItemProcessor?: {
    ProcessorConfig: { Mode: string; ExecutionType: string };
    StartAt: string;
    States: Record<string, State>;
  };
  Retry?: { ErrorEquals: string[]; MaxAttempts: number; BackoffRate: number }[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath: string }[];
}

describe('ZoneFanOut', () => {
  let stack: Stack;
  let fanout: ZoneFanOut;
  let resources: Record<string, Resource>;
  let definition: { StartAt: string; States: Record<string, State> };
  const logicalId = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as never);

  beforeAll(() => {
    let template: Template;
    ({ stack, template } = synthTemplate());
    fanout = stack.node.findAll().find((c): c is ZoneFanOut => c instanceof ZoneFanOut)!;
    resources = (template.toJSON() as { Resources: Record<string, Resource> }).Resources;
    const machine = resources[logicalId(fanout.stateMachine)]!;
    // DefinitionString is Fn::Join of literal parts and function ARNs: join with placeholders.
    const parts = (machine.Properties['DefinitionString'] as { 'Fn::Join': [string, unknown[]] })[
      'Fn::Join'
    ][1];
    definition = JSON.parse(
      parts
        .map((p) =>
          typeof p === 'string'
            ? p
            : `ARN(${(p as { 'Fn::GetAtt': [string] })['Fn::GetAtt']?.[0] ?? '?'})`,
        )
        .join(''),
    );
  });

  it('is in the stack: plan, then a Distributed Map of renders, then a summary', () => {
    expect(fanout).toBeDefined();
    const start = definition.States[definition.StartAt]!;
    expect(start.Type).toBe('Task');
    expect(JSON.stringify(start)).toContain(`ARN(${logicalId(fanout.functions.plan.fn)})`);
    const map = definition.States[start.Next!]!;
    expect(map).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.jobs',
      ResultPath: '$.results',
      MaxConcurrency: FANOUT_POLICY.maxConcurrency,
      // Standard children: no 5-minute Express cap around a render and its retries.
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
      // One failed zone does not fail the run; more than the tolerated count do.
      ToleratedFailureCount: FANOUT_POLICY.toleratedFailures,
      // Results go to S3, not into the state (256 KB cap).
      ResultWriter: {
        Resource: expect.stringMatching(/:states:::s3:putObject$/),
        Parameters: { Bucket: expect.anything(), Prefix: 'fanout-results/' },
      },
    });
    expect(map.ToleratedFailurePercentage ?? 0).toBe(0);
    const summary = definition.States[map.Next!]!;
    expect(summary.End).toBe(true);
    expect(JSON.stringify(summary)).toContain(`ARN(${logicalId(fanout.functions.summary.fn)})`);
    expect(summary.Parameters).toEqual({
      'done.$': '$.done',
      'results.$': '$.results',
      'startedAt.$': '$$.Execution.StartTime',
    });
  });

  it('retries a zone on transient errors with backoff inside a bounded task, then fails the item', () => {
    const processor =
      definition.States[definition.States[definition.StartAt]!.Next!]!.ItemProcessor!;
    const render = processor.States[processor.StartAt]!;
    expect(JSON.stringify(render)).toContain(`ARN(${logicalId(fanout.functions.render.fn)})`);
    expect(render.Retry).toEqual([
      // A slot or release still held by a dead attempt: retried past its lease.
      expect.objectContaining({
        ErrorEquals: LEASE_RETRY.errors,
        IntervalSeconds: LEASE_RETRY.intervalSeconds,
        MaxAttempts: LEASE_RETRY.maxAttempts,
      }),
      expect.objectContaining({
        ErrorEquals: RETRYABLE_ERRORS,
        MaxAttempts: FANOUT_POLICY.retries,
        BackoffRate: FANOUT_POLICY.backoffRate,
      }),
    ]);
    // Not retried: a bad request or an unknown zone fails the same way every time.
    expect(render.Retry![1]!.ErrorEquals).not.toContain('ValidationError');
    // No Catch: a zone that fails every retry is a failed item (counted against the
    // tolerated failures, written to the FAILED results, named by the summary).
    expect(render.Catch).toBeUndefined();
    expect(render.End).toBe(true);
    // Each attempt is bounded (the function's timeout + a margin for a lost invocation).
    expect(render.TimeoutSeconds).toBe(FANOUT_POLICY.zoneTimeoutSeconds + 30);
    const fn = resources[logicalId(fanout.functions.render.fn)]!.Properties;
    expect(fn['Timeout']).toBe(FANOUT_POLICY.zoneTimeoutSeconds);
    // No reservation by default (settings `concurrency=reserved` reserves MaxConcurrency).
    expect(fn['ReservedConcurrentExecutions']).toBeUndefined();
  });

  it('lets the summary read only the results prefix; the plan ships no Chromium', () => {
    const summary = resources[logicalId(fanout.functions.summary.fn)]!.Properties;
    expect(summary['Architectures']).toEqual(['arm64']);
    const plan = resources[logicalId(fanout.functions.plan.fn)]!.Properties;
    expect(plan['Layers']).toBeUndefined();
    expect(plan['Architectures']).toEqual(['arm64']);
    expect(plan['Environment']).toMatchObject({
      Variables: expect.objectContaining({ BULLETIN_TEMPLATES_DIR: '/var/task/templates' }),
    });
    expect(JSON.stringify(plan['Environment'])).not.toContain('CHROMIUM');
  });

  it('grants least privilege: the plan reads only; the render publishes; the summary touches no store', () => {
    const grants = (fn: ZoneFanOut['functions']['plan']) => {
      const roleId = logicalId(fn.role);
      return Object.values(resources)
        .filter(
          (r) =>
            r.Type === 'AWS::IAM::Policy' &&
            (r.Properties['Roles'] as { Ref: string }[]).some((x) => x.Ref === roleId),
        )
        .flatMap((p) => (p.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement)
        .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    };
    const plan = grants(fanout.functions.plan);
    expect(plan).toContain('dynamodb:Query');
    expect(plan.filter((a) => /dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual([]);
    expect(plan.some((a) => a.startsWith('s3:'))).toBe(false);
    const render = grants(fanout.functions.render);
    expect(render).toContain('dynamodb:PutItem');
    expect(render).toContain('s3:PutObject');
    const summary = grants(fanout.functions.summary);
    expect(summary.filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
    expect(summary.filter((a) => a.startsWith('s3:'))).toEqual(['s3:GetObject']);
    for (const fn of Object.values(fanout.functions)) {
      expect(grants(fn)).not.toContain('dynamodb:Scan');
    }
  });

  it('alarms on failed zones and failed executions; logs and traces the state machine', () => {
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    const metric = (name: string) => alarms.find((a) => a.Properties['MetricName'] === name);
    expect(metric('ZoneProfilesFailed')?.Properties).toMatchObject({
      Namespace: 'TorchBulletin',
      Threshold: 1,
    });
    expect(metric('ExecutionsFailed')?.Properties).toMatchObject({ Namespace: 'AWS/States' });
    const machine = resources[logicalId(fanout.stateMachine)]!.Properties;
    // Tracing is off on purpose (docs/deploy.md, "Tracing").
    expect(machine['TracingConfiguration']).toEqual({ Enabled: false });
    expect(machine['LoggingConfiguration']).toMatchObject({ Level: 'ALL' });
  });
});
