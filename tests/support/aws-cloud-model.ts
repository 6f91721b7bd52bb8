/**
 * One test file's copy of the cloud path under the AWS runtime model (./aws-semantics.ts): the
 * synthesized template read for what the model needs (function timeouts, retry counts, the
 * failure destination and its alarm, the Distributed Map), dynalite and s3rver seeded with the
 * repository's data, a local EventBridge Scheduler API for the release adapter, and the real
 * handlers' runtime on those stores. Each path (scheduled bulletin, embargoed release,
 * all-zones run) has a file and a stack of its own, so the paths run side by side and never see
 * each other's drafts or issues.
 *
 * Also the fault plans every path is driven through, and the table row each records.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { handler as generateHandler } from '#handlers/generate-report.ts';
import { handler as scheduledHandler } from '#handlers/scheduled-bulletin.ts';
import { handler as planHandler } from '#handlers/zone-batch-plan.ts';
import { handler as renderHandler } from '#handlers/zone-batch-render.ts';
import { publishDeps, resetRuntime, runtimeServices, useRuntime } from '#handlers/runtime.ts';
import { discardDraft, triggerReport } from '../../functions/app/lifecycle.ts';
import { cycleOf } from '../../functions/app/publish.ts';
import { seedRealData, startTestStores, type TestStores } from '#tests/support/stores.ts';
import { createTinyRenderer } from '#tests/support/tiny-renderer.ts';
import {
  calibrate,
  distributedMapOf,
  LEASE_SECONDS,
  obeyTheRuntime,
  scaled,
  semanticsTable,
  stateMachineDefinition,
  type AttemptFault,
  type DeadLetterQueue,
  type FailureRecord,
  type FunctionModel,
  type Handler,
} from '#tests/support/aws-semantics.ts';
import { synthTemplate } from '../infra/support.ts';

export const ACCOUNT = '123456789012';

/**
 * A late delivery comes after the first delivery finished and after any lease it could have
 * left has run out (twice the lease): the order that decides what it finds. How much later
 * changes nothing more — no handler looks at a firing's age.
 */
export const lateMs = () => scaled(2 * LEASE_SECONDS);

type Resource = { Type: string; Properties: Record<string, unknown> };

/** A one-time schedule as the Scheduler API received it. */
export interface StoredSchedule {
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

export interface CloudModel {
  stores: TestStores;
  scheduler: Awaited<ReturnType<typeof startSchedulerApi>>;
  /** The failure destination both asynchronous functions share (one queue, as in the template). */
  dlq: DeadLetterQueue;
  retryAttempts: Record<'scheduled' | 'generate', number>;
  fns: Record<'scheduled' | 'generate' | 'plan' | 'render', FunctionModel>;
  map: ReturnType<typeof distributedMapOf>;
  zoneFailuresAlarmed: boolean;
  /** The all-zones schedule's target input, as the template has it (context attributes unresolved). */
  allZonesInput: string;
  /**
   * Says that a path's clean run is done. When every path of the file has said so, the model's
   * time factor is sized from those runs (`calibrate`) and the handlers get the lease at that
   * factor: then the faults start, all at one factor. Resolves to the factor.
   */
  cleanRunDone(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Reads the template, starts the stores and the Scheduler API, and points the handlers at them,
 * for `paths` paths run side by side on this stack.
 */
export async function startCloudModel(paths = 1): Promise<CloudModel> {
  const savedEnv = { ...process.env };
  // Prepare: the template, as `npm run synth` makes it (without bundling)
  const { stack, template } = synthTemplate();
  const resources = template.toJSON().Resources as Record<string, Resource>;
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
  const dlq: DeadLetterQueue = { name: queueId, messages: [], alarmed: alarmedQueues.has(queueId) };
  const retryAttempts = {
    scheduled: scheduledCfg.MaximumRetryAttempts,
    generate: generateCfg.MaximumRetryAttempts,
  };
  const machineId = id(stack.fanout.stateMachine);
  const map = distributedMapOf(stateMachineDefinition(resources[machineId]!));
  const allZonesInput = (
    Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::Scheduler::Schedule' &&
        JSON.stringify(r.Properties['Target']).includes(`"Ref":"${machineId}"`),
    )!.Properties['Target'] as { Input: string }
  ).Input;
  const zoneFailuresAlarmed = Object.values(resources).some(
    (r) =>
      r.Type === 'AWS::CloudWatch::Alarm' && r.Properties['MetricName'] === 'ZoneProfilesFailed',
  );
  const timeoutOf = (c: { node: { defaultChild?: unknown } }) => props(c)['Timeout'] as number;
  const model = (name: string, handler: unknown, c: { node: { defaultChild?: unknown } }) => ({
    name,
    handler: handler as Handler,
    timeoutSeconds: timeoutOf(c),
  });
  const fns = {
    scheduled: model('ScheduledBulletin', scheduledHandler, stack.functions.scheduled.fn),
    generate: model('GenerateReport', generateHandler, stack.functions.generate.fn),
    plan: model('ZonePlan', planHandler, stack.fanout.functions.plan.fn),
    render: model('ZoneRender', renderHandler, stack.fanout.functions.render.fn),
  };

  // The stores, the Scheduler API, and the handlers' runtime on them
  const work = await mkdtemp(join(tmpdir(), 'aws-semantics-'));
  process.env['TMPDIR'] = work;
  const scheduler = await startSchedulerApi();
  const env = {
    BULLETIN_OUTBOX_DIR: join(work, 'outbox'),
    BULLETIN_PUBLIC_BASE_URL: 'https://abc123.execute-api.cn-north-1.amazonaws.com.cn',
    AWS_ENDPOINT_URL_SCHEDULER: scheduler.url,
    BULLETIN_RELEASE_TARGET_ARN: `arn:aws-cn:lambda:cn-north-1:${ACCOUNT}:function:GenerateReport`,
    BULLETIN_RELEASE_SCHEDULER_ROLE_ARN: `arn:aws-cn:iam::${ACCOUNT}:role/ReleaseScheduler`,
    BULLETIN_RELEASE_SCHEDULE_GROUP: 'TorchBulletin-ReleaseSchedules-MODEL',
    BULLETIN_RELEASE_DEAD_LETTER_ARN: `arn:aws-cn:sqs:cn-north-1:${ACCOUNT}:FailedJobs`,
  };
  const stores = await startTestStores({ env, renderer: createTinyRenderer() });
  Object.assign(process.env, env);
  await seedRealData(stores.services);
  obeyTheRuntime(stores.services.clients.dynamodb);
  obeyTheRuntime(stores.services.clients.s3);
  await resetRuntime();
  // Lambda's lease of 120 s, compressed like every other duration of the model.
  useRuntime({ services: stores.services, leaseMs: scaled(LEASE_SECONDS) });
  // Warm: one 《火炬动态》 drafted and discarded outside the model, so that the clean runs the
  // model's time is sized from measure the work, not this process's first SDK calls and print.
  const cycle = cycleOf(publishDeps(runtimeServices()));
  const warm = await triggerReport(
    cycle,
    { kind: 'torch-bulletin' },
    { slotKey: 'model:warm-up', trigger: 'test', force: true },
  );
  if (warm.draft) await discardDraft(cycle, warm.draft.id, { by: 'test' });
  let waiting = paths;
  let calibrated: (factor: number) => void = () => undefined;
  const allClean = new Promise<number>((r) => (calibrated = r));
  const cleanRunDone = () => {
    if (--waiting === 0) {
      const factor = calibrate();
      useRuntime({ services: stores.services, leaseMs: scaled(LEASE_SECONDS) });
      console.log(
        `model time: 1 s = ${Math.round(1000 * factor)} ms (a lease of ${(scaled(LEASE_SECONDS) / 1000).toFixed(1)} s)`,
      );
      calibrated(factor);
    }
    return allClean;
  };
  return {
    stores,
    scheduler,
    dlq,
    retryAttempts,
    fns,
    map,
    zoneFailuresAlarmed,
    allZonesInput,
    cleanRunDone,
    async stop() {
      await resetRuntime();
      await stores.stop();
      await new Promise((r) => scheduler.server.close(r));
      process.env = savedEnv;
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** The dead-lettered events of one scenario (the queue is shared; its events are told apart). */
export const deadLettersOf = (dlq: DeadLetterQueue, mine: (payload: unknown) => boolean) =>
  dlq.messages.filter((m: FailureRecord) => mine(m.requestPayload)).length;

/** Faults for one scenario: `attempt` → what goes wrong in it. */
export type Plan = {
  name: string;
  faults?: (attempt: number) => AttemptFault | undefined;
  duplicate?: boolean;
  late?: boolean;
};

const crashAt = (k: number): Plan => ({
  name: `crash before write ${k}`,
  faults: (n) => (n === 1 ? { crashBeforeWrite: k } : undefined),
});

/** The faults every path meets besides a crash before each write of its clean run. */
const common = (writes: number): Plan[] => [
  {
    name: 'timeout (stuck mid-work, killed)',
    faults: (n) => (n === 1 ? { stallAtWrite: Math.ceil(writes / 2) } : undefined),
  },
  { name: 'duplicate delivery', duplicate: true },
  { name: 'late delivery (again after done)', late: true },
  { name: 'crash on every attempt', faults: () => ({ crashBeforeWrite: 1 }) },
];

/**
 * Runs the clean scenario; once every path of the file has run its own, the model's time is
 * sized from them; then — one after the other — a crash before each write of the clean run and
 * the common faults. Of those, the `shard` given (index of count): a path can be split across
 * files, each with a stack of its own, that vitest runs side by side. Returns the outcomes in
 * plan order, with each scenario's wall time.
 */
export async function everyFault(
  model: CloudModel,
  run: (plan: Plan) => Promise<{ outcome: string; writes?: number }>,
  opts: { shard?: { index: number; count: number } } = {},
): Promise<{ fault: string; outcome: string; seconds: number }[]> {
  const rows: { fault: string; outcome: string; seconds: number }[] = [];
  const timed = async (plan: Plan) => {
    const started = Date.now();
    const r = await run(plan);
    rows.push({ fault: plan.name, outcome: r.outcome, seconds: (Date.now() - started) / 1000 });
    return r;
  };
  let clean: { writes?: number };
  try {
    clean = await timed({ name: 'no fault' });
  } finally {
    await model.cleanRunDone();
  }
  expect(clean.writes).toBeGreaterThan(0);
  const { index, count } = opts.shard ?? { index: 0, count: 1 };
  const plans = [
    ...Array.from({ length: clean.writes! }, (_, i) => crashAt(i + 1)),
    ...common(clean.writes!),
  ].filter((_, i) => i % count === index);
  for (const plan of plans) await timed(plan);
  return rows;
}

/** The path's column of the table fault × path → outcome, with each scenario's wall time. */
export function printOutcomes(
  path: string,
  rows: { fault: string; outcome: string; seconds: number }[],
) {
  const table = semanticsTable(
    [path, 'seconds'],
    rows.map((r) => ({
      fault: r.fault,
      outcomes: { [path]: r.outcome, seconds: r.seconds.toFixed(1) },
    })),
  );
  console.log(`AWS runtime semantics: fault → outcome\n${table}`);
}
