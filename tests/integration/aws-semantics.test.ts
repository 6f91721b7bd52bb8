/**
 * The cloud path loses nothing (issue 25): the real handlers, run the way AWS runs them
 * (tests/support/aws-semantics.ts: asynchronous retries, killed invocations, at-least-once
 * Scheduler deliveries, the Distributed Map of the synthesized state machine), against
 * dynalite and s3rver. For the scheduled bulletin, an embargoed release and the all-zones run,
 * every fault — a crash before each write of a clean run, a timeout, a duplicate and a late
 * delivery, a poisoned event — must end in exactly one draft or issue, or in a message in a
 * dead-letter queue (or a failed map item) that an alarm of the template watches. Nothing is
 * silently lost. The test log prints the table fault × path → outcome.
 *
 * The printer is the small test renderer (the subject is the runtime, not Chromium); function
 * timeouts, retry counts, failure destinations, the map's retriers and its tolerance are read
 * from the synthesized template.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import { handler as generateHandler } from '#handlers/generate-report.ts';
import { handler as scheduledHandler } from '#handlers/scheduled-bulletin.ts';
import { handler as planHandler } from '#handlers/zone-batch-plan.ts';
import { handler as renderHandler } from '#handlers/zone-batch-render.ts';
import { publishDeps, resetRuntime, runtimeServices, useRuntime } from '#handlers/runtime.ts';
import { discardDraft, scheduleRelease, triggerReport } from '../../functions/app/lifecycle.ts';
import { cycleOf } from '../../functions/app/publish.ts';
import { slotKeys } from '../../functions/app/requests.ts';
import type { ZoneJob } from '../../functions/app/batch.ts';
import { draftIdFor } from '#core/lifecycle.ts';
import { seedRealData, startTestStores, type TestStores } from '#tests/support/stores.ts';
import { createTinyRenderer, type TinyRenderer } from '#tests/support/tiny-renderer.ts';
import {
  atInstant,
  deliverFiring,
  distributedMapOf,
  invokeAsync,
  obeyTheRuntime,
  runAttempt,
  runDistributedMap,
  scaled,
  semanticsTable,
  stateMachineDefinition,
  untilInstant,
  type AttemptFault,
  type DeadLetterQueue,
  type FunctionModel,
  type Handler,
} from '#tests/support/aws-semantics.ts';
import { synthApp } from '../infra/support.ts';

vi.hoisted(() => {
  process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';
  process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
});

const ACCOUNT = '123456789012';

type Resource = { Type: string; Properties: Record<string, unknown> };

/** A one-time schedule as the Scheduler API received it. */
interface StoredSchedule {
  name: string;
  GroupName: string;
  ScheduleExpression: string;
  ActionAfterCompletion?: string;
  Target: { Arn: string; Input: string; DeadLetterConfig?: { Arn: string } };
}

/** EventBridge Scheduler's REST API, as far as the release adapter uses it. */
async function startSchedulerApi(): Promise<{
  url: string;
  schedules: Map<string, StoredSchedule>;
  server: Server;
}> {
  const schedules = new Map<string, StoredSchedule>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://scheduler');
      const name = decodeURIComponent(url.pathname.replace(/^\/schedules\//, ''));
      const answer = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'POST' || req.method === 'PUT') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as StoredSchedule;
        if (req.method === 'POST' && schedules.has(name)) return answer(409, { Message: 'exists' });
        schedules.set(name, { ...body, name });
        return answer(200, {
          ScheduleArn: `arn:aws-cn:scheduler:cn-north-1:${ACCOUNT}:schedule/${body.GroupName}/${name}`,
        });
      }
      if (req.method === 'DELETE') {
        schedules.delete(name);
        return answer(200, {});
      }
      answer(400, { Message: `unexpected ${req.method} ${url.pathname}` });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, schedules, server };
}

describe('the cloud path under AWS runtime semantics', () => {
  const savedEnv = { ...process.env };
  let stores: TestStores;
  let scheduler: Awaited<ReturnType<typeof startSchedulerApi>>;
  let work: string;
  let renderer: TinyRenderer;
  let resources: Record<string, Resource>;
  let dlq: DeadLetterQueue;
  let retryAttempts: Record<'scheduled' | 'generate', number>;
  let fns: Record<'scheduled' | 'generate' | 'plan' | 'render', FunctionModel>;
  let map: ReturnType<typeof distributedMapOf>;
  let zoneFailuresAlarmed: boolean;
  /** The all-zones schedule's target input, as the template has it (context attributes unresolved). */
  let allZonesInput: string;
  const table = new Map<string, Record<string, string>>();
  const record = (fault: string, path: string, outcome: string) =>
    table.set(fault, { ...table.get(fault), [path]: outcome });

  beforeAll(async () => {
    // Prepare: the template, as `npm run synth` makes it (without bundling)
    const { stack } = synthApp();
    resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
    const id = (c: { node: { defaultChild?: unknown } }) =>
      stack.getLogicalId(c.node.defaultChild as never);
    const props = (c: { node: { defaultChild?: unknown } }) => resources[id(c)]!.Properties;
    const invokeConfigOf = (fnId: string) =>
      Object.values(resources).find(
        (r) =>
          r.Type === 'AWS::Lambda::EventInvokeConfig' &&
          (r.Properties['FunctionName'] as { Ref: string }).Ref === fnId,
      )?.Properties as
        | {
            MaximumRetryAttempts: number;
            DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [string] } } };
          }
        | undefined;
    const alarmedQueues = new Set(
      Object.values(resources)
        .filter(
          (r) =>
            r.Type === 'AWS::CloudWatch::Alarm' &&
            r.Properties['MetricName'] === 'ApproximateNumberOfMessagesVisible',
        )
        .map(
          (r) =>
            JSON.stringify(r.Properties['Dimensions']).match(/"([A-Za-z0-9]+)","QueueName"/)?.[1],
        ),
    );
    const scheduledCfg = invokeConfigOf(id(stack.functions.scheduled.fn))!;
    const generateCfg = invokeConfigOf(id(stack.functions.generate.fn))!;
    const queueId = scheduledCfg.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0];
    expect(generateCfg.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0]).toBe(queueId);
    dlq = { name: queueId, messages: [], alarmed: alarmedQueues.has(queueId) };
    retryAttempts = {
      scheduled: scheduledCfg.MaximumRetryAttempts,
      generate: generateCfg.MaximumRetryAttempts,
    };
    const machine = resources[id(stack.fanout.stateMachine)]!;
    map = distributedMapOf(stateMachineDefinition(machine));
    const machineId = id(stack.fanout.stateMachine);
    allZonesInput = (
      Object.values(resources).find(
        (r) =>
          r.Type === 'AWS::Scheduler::Schedule' &&
          JSON.stringify(r.Properties['Target']).includes(`"Ref":"${machineId}"`),
      )!.Properties['Target'] as { Input: string }
    ).Input;
    zoneFailuresAlarmed = Object.values(resources).some(
      (r) =>
        r.Type === 'AWS::CloudWatch::Alarm' && r.Properties['MetricName'] === 'ZoneProfilesFailed',
    );

    // The stores, the Scheduler API, and the handlers' runtime on them
    work = await mkdtemp(join(tmpdir(), 'aws-semantics-'));
    process.env['TMPDIR'] = work;
    scheduler = await startSchedulerApi();
    const releaseGroup = 'TorchBulletin-ReleaseSchedules-MODEL';
    const env = {
      BULLETIN_OUTBOX_DIR: join(work, 'outbox'),
      BULLETIN_PUBLIC_BASE_URL: 'https://abc123.execute-api.cn-north-1.amazonaws.com.cn',
      AWS_ENDPOINT_URL_SCHEDULER: scheduler.url,
      BULLETIN_RELEASE_TARGET_ARN: `arn:aws-cn:lambda:cn-north-1:${ACCOUNT}:function:GenerateReport`,
      BULLETIN_RELEASE_SCHEDULER_ROLE_ARN: `arn:aws-cn:iam::${ACCOUNT}:role/ReleaseScheduler`,
      BULLETIN_RELEASE_SCHEDULE_GROUP: releaseGroup,
      BULLETIN_RELEASE_DEAD_LETTER_ARN: `arn:aws-cn:sqs:cn-north-1:${ACCOUNT}:FailedJobs`,
    };
    renderer = createTinyRenderer();
    stores = await startTestStores({ env, renderer });
    Object.assign(process.env, env);
    await seedRealData(stores.services);
    obeyTheRuntime(stores.services.clients.dynamodb);
    obeyTheRuntime(stores.services.clients.s3);
    await resetRuntime();
    // Lambda's lease of 120 s, compressed like every other duration of the model.
    useRuntime({ services: stores.services, leaseMs: scaled(120) });
    const timeoutOf = (c: { node: { defaultChild?: unknown } }) => props(c)['Timeout'] as number;
    const model = (name: string, handler: unknown, c: { node: { defaultChild?: unknown } }) => ({
      name,
      handler: handler as Handler,
      timeoutSeconds: timeoutOf(c),
    });
    fns = {
      scheduled: model('ScheduledBulletin', scheduledHandler, stack.functions.scheduled.fn),
      generate: model('GenerateReport', generateHandler, stack.functions.generate.fn),
      plan: model('ZonePlan', planHandler, stack.fanout.functions.plan.fn),
      render: model('ZoneRender', renderHandler, stack.fanout.functions.render.fn),
    };
  }, 180_000);

  afterAll(async () => {
    const paths = ['scheduled bulletin', 'embargoed release', 'all-zones run'];
    // no fault, the crashes in the order of the writes, then the other faults
    const rank = (f: string) =>
      f === 'no fault' ? 0 : f.startsWith('crash before') ? Number(f.split(' ').at(-1)) : 1000;
    const rows = [...table.entries()]
      .sort(([a], [b]) => rank(a) - rank(b))
      .map(([fault, outcomes]) => ({ fault, outcomes }));
    if (rows.length)
      console.log(`AWS runtime semantics: fault × path → outcome\n${semanticsTable(paths, rows)}`);
    await resetRuntime();
    await stores?.stop();
    await new Promise((r) => scheduler?.server.close(r));
    process.env = savedEnv;
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Faults for one scenario: `attempt` → what goes wrong in it. */
  type Plan = {
    name: string;
    faults?: (attempt: number) => AttemptFault | undefined;
    duplicate?: boolean;
    late?: boolean;
  };
  const crashAt = (k: number): Plan => ({
    name: `crash before write ${k}`,
    faults: (n) => (n === 1 ? { crashBeforeWrite: k } : undefined),
  });
  const common = (writes: number): Plan[] => [
    {
      name: 'timeout (stuck mid-work, killed)',
      faults: (n) => (n === 1 ? { stallAtWrite: Math.ceil(writes / 2) } : undefined),
    },
    { name: 'duplicate delivery', duplicate: true },
    { name: 'late delivery (again after done)', late: true },
    { name: 'crash on every attempt', faults: () => ({ crashBeforeWrite: 1 }) },
  ];

  /** Runs the clean scenario, then a crash before each of its writes, then the common faults. */
  async function everyFault(run: (plan: Plan) => Promise<{ outcome: string; writes?: number }>) {
    const clean = await run({ name: 'no fault' });
    expect(clean.writes).toBeGreaterThan(0);
    for (let k = 1; k <= clean.writes!; k++) await run(crashAt(k));
    for (const plan of common(clean.writes!)) await run(plan);
  }

  const lateMs = scaled(3600);

  // The three paths run side by side (most of their time is the model's waits); the scheduled
  // bulletin and the embargo both make 《火炬动态》 drafts, so the embargo waits for the first.
  let markScheduledDone: () => void = () => undefined;
  const scheduledDone = new Promise<void>((r) => (markScheduledDone = r));

  it.concurrent(
    'the scheduled bulletin: every fault ends in exactly one draft of the slot, or a dead-lettered, alarmed event',
    async () => {
      try {
        expect(dlq.alarmed).toBe(true);
        let n = 0;
        await everyFault(async (plan) => {
          // Prepare: one firing of the monthly schedule
          const scheduledTime = new Date(Date.UTC(2030, 0, 15, 1, 0, n++)).toISOString();
          const event = {
            scheduleId: 'monthly-bulletin',
            kind: 'torch-bulletin',
            scheduledTime,
            scheduleArn: `arn:aws-cn:scheduler:cn-north-1:${ACCOUNT}:schedule/TorchBulletin/monthly-bulletin`,
            executionId: randomUUID(),
            attemptNumber: '1',
          };
          const before = dlq.messages.length;
          const draftId = draftIdFor(
            'torch-bulletin',
            slotKeys.scheduled('monthly-bulletin', scheduledTime),
          );
          // Act
          const runs = await deliverFiring(
            () =>
              invokeAsync(fns.scheduled, event, {
                retryAttempts: retryAttempts.scheduled,
                destination: dlq,
                ...(plan.faults ? { faults: plan.faults } : {}),
              }),
            { ...(plan.duplicate ? { duplicate: true } : {}), ...(plan.late ? { lateMs } : {}) },
          );
          // Assess
          const cycle = runtimeServices().cycle;
          const draft = await cycle.getDraft(draftId);
          const open = (await cycle.openDrafts()).filter((d) => d.slotKey === draft?.slotKey);
          const dead = dlq.messages.length - before;
          const outcome = draft
            ? `1 draft${dead ? ` + ${dead} DLQ` : ''} (${runs.map((r) => r.attempts.length).join('+')} attempts)`
            : `DLQ ${dead}, alarmed`;
          // Nothing lost: the slot's one draft, or the event in the alarmed dead-letter queue (a
          // redrive finds the draft, if the dead attempts made one). Never two drafts, no number.
          expect(open.length, plan.name).toBeLessThanOrEqual(1);
          expect(Boolean(draft) || dead > 0, plan.name).toBe(true);
          if (dead) expect(dlq.alarmed).toBe(true);
          if (plan.name === 'no fault') expect([draft?.status, dead]).toEqual(['draft', 0]);
          if (draft) expect(draft.issueId, plan.name).toBeUndefined();
          if (draft?.status === 'draft')
            await discardDraft(cycleOf(publishDeps(runtimeServices())), draftId, { by: 'test' });
          if (plan.name === 'crash on every attempt') expect(dead, plan.name).toBe(1);
          record(plan.name, 'scheduled bulletin', outcome);
          const writes = runs[0]!.attempts[0]!.writes;
          return { outcome, writes };
        });
      } finally {
        markScheduledDone();
      }
    },
    600_000,
  );

  it.concurrent(
    'an embargoed release: every fault ends in exactly one issue at the release second, or a dead-lettered, alarmed event',
    async () => {
      await scheduledDone;
      await everyFault(async (plan) => {
        // Prepare: a draft, and its release scheduled through the adapter for the next seconds
        const cycle = cycleOf(publishDeps(runtimeServices()));
        const made = await triggerReport(
          cycle,
          { kind: 'torch-bulletin' },
          { slotKey: `model:${randomUUID()}`, trigger: 'test', force: true },
        );
        const draftId = made.draft!.id;
        const at = new Date((Math.floor(Date.now() / 1000) + 2) * 1000);
        await scheduleRelease(cycle, draftId, { at, by: 'editor' });
        const schedule = [...scheduler.schedules.values()].find((s) =>
          s.Target.Input.includes(draftId),
        )!;
        expect(schedule.GroupName).not.toBe('default');
        expect(schedule.Target.DeadLetterConfig?.Arn).toMatch(/FailedJobs$/);
        expect(atInstant(schedule.ScheduleExpression).getTime()).toBe(at.getTime());
        const before = dlq.messages.length;
        // Act: the one-time schedule fires at its whole second, and deletes itself
        await untilInstant(atInstant(schedule.ScheduleExpression));
        const runs = await deliverFiring(
          () =>
            invokeAsync(fns.generate, JSON.parse(schedule.Target.Input), {
              retryAttempts: retryAttempts.generate,
              destination: dlq,
              ...(plan.faults ? { faults: plan.faults } : {}),
            }),
          { ...(plan.duplicate ? { duplicate: true } : {}), ...(plan.late ? { lateMs } : {}) },
        );
        scheduler.schedules.delete(schedule.name);
        // Assess
        const issues = (await runtimeServices().cycle.allIssues('torch-bulletin')).filter(
          (i) => i.draftId === draftId,
        );
        const dead = dlq.messages.length - before;
        const status = (await runtimeServices().cycle.getDraft(draftId))?.status;
        const outcome =
          issues.length === 1
            ? `1 issue (总第${issues[0]!.total}期; ${runs.map((r) => r.attempts.length).join('+')} attempts)`
            : `DLQ ${dead}, alarmed (draft ${status})`;
        // Nothing lost: one issue, or the event in the alarmed dead-letter queue with the draft
        // still there for the redrive. Never two issues.
        expect(issues.length, plan.name).toBeLessThanOrEqual(1);
        expect(issues.length === 1 || dead > 0, plan.name).toBe(true);
        if (plan.name === 'no fault') expect([issues.length, dead]).toEqual([1, 0]);
        if (issues.length) {
          expect(Date.parse(issues[0]!.publishedAt!), plan.name).toBeGreaterThanOrEqual(
            at.getTime(),
          );
        } else {
          expect(dlq.alarmed).toBe(true);
          expect(['scheduled', 'releasing']).toContain(status);
          await discardDraft(cycle, draftId, { by: 'test' }).catch(() => undefined);
        }
        if (plan.name === 'crash on every attempt') expect(dead, plan.name).toBe(1);
        record(plan.name, 'embargoed release', outcome);
        return { outcome, writes: runs[0]!.attempts[0]!.writes };
      });
    },
    600_000,
  );

  it.concurrent(
    'the all-zones run: every fault ends in exactly one issue per zone, or a failed item the alarm reports',
    async () => {
      expect(zoneFailuresAlarmed).toBe(true);
      expect(map.retry.length).toBeGreaterThan(0);
      // The zones with data: three for the forced runs, three fresh ones each for the duplicate
      // and the late start (those plan without force, as the schedule does).
      const all = (await runAttempt(fns.plan, {}, randomUUID())).result as { jobs: ZoneJob[] };
      const zones = all.jobs.map((j) => j.zone);
      expect(zones.length).toBeGreaterThanOrEqual(9);
      let fresh = 3;
      let n = 0;
      await everyFault(async (plan) => {
        const forced = !plan.duplicate && !plan.late;
        const picked = forced ? zones.slice(0, 3) : zones.slice(fresh, (fresh += 3));
        // The schedule's input with the firing's time filled in (as the Scheduler does), the
        // test's zones, and `force` to print the same zones again for every fault.
        const scheduledTime = new Date(Date.UTC(2031, 6, 1, 1, 0, n++)).toISOString();
        const input = {
          ...(JSON.parse(
            allZonesInput.replaceAll('<aws.scheduler.scheduled-time>', scheduledTime),
          ) as object),
          zones: picked,
          ...(forced ? { force: true } : {}),
        };
        const execution = async () => {
          const planned = await runAttempt(fns.plan, input, randomUUID());
          expect(planned.ok).toBe(true);
          const jobs = (planned.result as { jobs: ZoneJob[] }).jobs;
          const first = jobs[0]?.zone;
          return {
            jobs,
            run: await runDistributedMap(map, jobs, fns.render, (item, attempt) =>
              (item as ZoneJob).zone === first ? plan.faults?.(attempt) : undefined,
            ),
          };
        };
        // Act: the schedule starts the state machine (twice, or again later)
        const executions = await deliverFiring(execution, {
          ...(plan.duplicate ? { duplicate: true } : {}),
          ...(plan.late ? { lateMs } : {}),
        });
        // Assess: per zone, its issues from these executions
        const issues = await runtimeServices().cycle.allIssues('zone-profile');
        const slots = new Set(
          executions.flatMap((e) => e.jobs.map((j) => draftIdFor('zone-profile', j.slotKey))),
        );
        const made = issues.filter((i) => i.draftId && slots.has(i.draftId));
        const failedItems = executions.flatMap((e) => e.run.items.filter((i) => !i.ok));
        const perZone = new Map<string, number>();
        for (const i of made)
          perZone.set(i.params?.['zone'] ?? '?', (perZone.get(i.params?.['zone'] ?? '?') ?? 0) + 1);
        // Nothing lost: per zone one issue, or a failed item (in the FAILED results, counted by the
        // summary, alarmed). Never two issues of a zone.
        for (const z of picked) {
          const count = perZone.get(z) ?? 0;
          const failed = failedItems.some((f) => (f.item as ZoneJob).zone === z);
          expect(count, `${plan.name}: zone ${z}`).toBeLessThanOrEqual(1);
          expect(count === 1 || failed, `${plan.name}: zone ${z}`).toBe(true);
        }
        if (plan.name === 'no fault') expect([made.length, failedItems.length]).toEqual([3, 0]);
        for (const e of executions) expect(e.run.failed, plan.name).toBe(false);
        const attempts = executions[0]!.run.items.map((i) => i.attempts.length).join('+');
        const outcome =
          failedItems.length === 0
            ? `3 issues, 1 per zone (${attempts} attempts)`
            : `${made.length} issues + ${failedItems.length} failed item (${failedItems[0]!.error}), alarmed`;
        for (const f of failedItems)
          console.log(
            `${plan.name}: ${(f.item as ZoneJob).zone} failed: ${f.error} ${f.attempts.at(-1)?.message ?? ''}`,
          );
        if (plan.name === 'crash on every attempt') expect(failedItems).toHaveLength(1);
        record(plan.name, 'all-zones run', outcome);
        const firstItem = executions[0]!.run.items[0];
        return { outcome, writes: firstItem?.attempts[0]?.writes ?? 0 };
      });
    },
    900_000,
  );
});
