/**
 * The report schedules on AWS, through the Lambda handlers as Lambda invokes them, the real AWS
 * SDK against dynalite/s3rver, and the real `SchedulerClient` against a loopback EventBridge
 * Scheduler (tests/support/scheduler-endpoint.ts; there is no emulator):
 *
 * - the API Lambda's console (signed in with an ID token of a test issuer) lists the schedules of
 *   data/schedules.json and switches one with UpdateSchedule, everything else kept as GetSchedule
 *   returned it; a switch the Scheduler refuses is not stored;
 * - a release date moved on the calendar gets a one-off `at()` schedule with the recurring
 *   schedule's own target; the scheduled function skips the recurring firing at the first time
 *   and publishes at the one-off, under the first time's slot; a cancelled date publishes nothing;
 *   a one-off overtaken by a later change publishes nothing; the all-zones plan step agrees;
 * - the API Lambda's /calendar and /calendar.ics show the moved and cancelled dates.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import ICAL from 'ical.js';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as apiHandler } from '#handlers/api.ts';
import { resetRuntime, useRuntime } from '#handlers/runtime.ts';
import { handler as scheduledHandler } from '#handlers/scheduled-bulletin.ts';
import { handler as planHandler } from '#handlers/zone-batch-plan.ts';
import {
  startSchedulerEndpoint,
  type SchedulerEndpoint,
} from '#tests/support/scheduler-endpoint.ts';
import { httpEvent } from '#tests/support/api-gateway.ts';
import { startReportQueue } from '#tests/support/report-queue.ts';
import { seedRealData, startTestStores, type TestStores } from '#tests/support/stores.ts';
import { createTinyRenderer } from '#tests/support/tiny-renderer.ts';

vi.hoisted(() => {
  process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';
  process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
});

const GROUP = 'TorchBulletin-SchedulesGroup-TEST';
const CLIENT = 'console-client';
const ACCOUNT = '123456789012';
const fnArn = (name: string) => `arn:aws-cn:lambda:cn-north-1:${ACCOUNT}:function:${name}`;
const ROLE = `arn:aws-cn:iam::${ACCOUNT}:role/TorchBulletin-SchedulesRole`;
const DLQ = `arn:aws-cn:sqs:cn-north-1:${ACCOUNT}:TorchBulletin-FailedJobs`;

/** The recurring schedules as the stack creates them (infra/constructs/report-schedules.ts). */
function seedSchedules(endpoint: SchedulerEndpoint) {
  const context = {
    scheduledTime: '<aws.scheduler.scheduled-time>',
    scheduleArn: '<aws.scheduler.schedule-arn>',
    executionId: '<aws.scheduler.execution-id>',
    attemptNumber: '<aws.scheduler.attempt-number>',
  };
  const defs = [
    [
      'monthly-bulletin',
      'cron(0 9 15 * ? *)',
      'ENABLED',
      fnArn('ScheduledBulletin'),
      {
        scheduleId: 'monthly-bulletin',
        kind: 'torch-bulletin',
        series: 'torch-bulletin',
        ...context,
      },
    ],
    [
      'yearly-zone-profiles',
      'cron(0 9 1 7 ? *)',
      'ENABLED',
      `arn:aws-cn:states:cn-north-1:${ACCOUNT}:stateMachine:AllZones`,
      { scheduleId: 'yearly-zone-profiles', scheduledTime: context.scheduledTime },
    ],
    [
      'yearly-yangtze-delta',
      'cron(0 9 1 7 ? *)',
      'ENABLED',
      fnArn('ScheduledBulletin'),
      { scheduleId: 'yearly-yangtze-delta', kind: 'regional-report', region: '长三角', ...context },
    ],
    [
      'quarterly-northeast',
      'cron(0 9 10 1,4,7,10 ? *)',
      'DISABLED',
      fnArn('ScheduledBulletin'),
      { scheduleId: 'quarterly-northeast', kind: 'regional-report', region: '东北', ...context },
    ],
  ] as const;
  for (const [name, expression, state, arn, input] of defs)
    endpoint.schedules.set(`${GROUP}/${name}`, {
      Name: name,
      GroupName: GROUP,
      Description: `${name} (as deployed)`,
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: state,
      Target: {
        Arn: arn,
        RoleArn: ROLE,
        Input: JSON.stringify(input),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: DLQ },
      },
    });
}

/** What the Scheduler sends its target: the schedule's input with the context attributes filled. */
function delivered(input: string, scheduledTime: string, scheduleArn: string): unknown {
  return JSON.parse(
    input
      .replaceAll('<aws.scheduler.scheduled-time>', scheduledTime)
      .replaceAll('<aws.scheduler.schedule-arn>', scheduleArn)
      .replaceAll('<aws.scheduler.execution-id>', randomUUID())
      .replaceAll('<aws.scheduler.attempt-number>', '1'),
  );
}

function context(name: string): Context {
  return {
    awsRequestId: randomUUID(),
    functionName: name,
    getRemainingTimeInMillis: () => 290_000,
  } as unknown as Context;
}

describe('report schedules on AWS: the console switch, moved and cancelled dates', () => {
  const savedEnv = { ...process.env };
  let scheduler: SchedulerEndpoint;
  let stores: TestStores;
  let issuerServer: Server;
  let key: CryptoKey;
  let issuer = '';
  let cookie = '';
  let queue: Awaited<ReturnType<typeof startReportQueue>>;

  const api = async (method: string, path: string, form?: Record<string, string>) => {
    const res = await apiHandler(
      httpEvent(method, path, { cookie, ...(form ? { form } : {}) }),
      context('Api'),
    );
    const out = res as {
      statusCode: number;
      headers?: Record<string, string>;
      body: string;
      isBase64Encoded?: boolean;
    };
    // hono's adapter sends non-text types (text/calendar) base64; API Gateway decodes them.
    return out.isBase64Encoded
      ? { ...out, body: Buffer.from(out.body, 'base64').toString('utf8') }
      : out;
  };
  /** Posts a console form with the CSRF token of the page it is on. */
  const post = async (page: string, action: string, form: Record<string, string>) => {
    const html = (await api('GET', page)).body;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    return api('POST', action, { _csrf: csrf, ...form });
  };
  const stored = (name: string) => scheduler.schedules.get(`${GROUP}/${name}`);

  beforeAll(async () => {
    scheduler = await startSchedulerEndpoint();
    queue = await startReportQueue();
    seedSchedules(scheduler);
    const pair = await generateKeyPair('RS256', { extractable: true });
    key = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    issuerServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((ok) => issuerServer.listen(0, '127.0.0.1', () => ok()));
    issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
    const env = {
      AWS_ENDPOINT_URL_SCHEDULER: scheduler.url,
      BULLETIN_REPORT_SCHEDULE_GROUP: GROUP,
      BULLETIN_CONSOLE_ISSUER: issuer,
      BULLETIN_CONSOLE_CLIENT_ID: CLIENT,
      BULLETIN_CONSOLE_SIGNIN_URL: issuer,
      BULLETIN_PUBLIC_BASE_URL: 'https://abc123.execute-api.cn-north-1.amazonaws.com.cn',
      AWS_ENDPOINT_URL_SQS: queue.url,
      BULLETIN_REPORT_QUEUE_URL: `${queue.url}/${ACCOUNT}/TorchBulletin-ReportRequests`,
    };
    Object.assign(process.env, env);
    stores = await startTestStores({ env, renderer: createTinyRenderer() });
    await seedRealData(stores.services);
    await resetRuntime();
    useRuntime({ services: stores.services });
    const jwt = await new SignJWT({
      'cognito:groups': ['admin'],
      'cognito:username': 'wang.fang',
      token_use: 'id',
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(issuer)
      .setAudience(CLIENT)
      .setSubject('sub-admin')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    cookie = `bulletin_id=${jwt}`;
  }, 120_000);

  afterAll(async () => {
    await resetRuntime();
    await stores?.stop();
    await scheduler?.close();
    await new Promise((r) => queue?.server.close(r));
    issuerServer?.closeAllConnections();
    await new Promise((r) => issuerServer?.close(r));
    process.env = savedEnv;
  });

  it('the console lists the schedules of data/schedules.json; its switch disables and enables the Scheduler schedule, nothing else changed', async () => {
    const page = await api('GET', '/console/schedules');
    expect(page.statusCode).toBe(200);
    for (const id of [
      'monthly-bulletin',
      'yearly-zone-profiles',
      'yearly-yangtze-delta',
      'quarterly-northeast',
    ])
      expect(page.body).toMatch(
        new RegExp(
          `${id === 'quarterly-northeast' ? '启用' : '停用'}<span class="visually-hidden"> 《[^<]+（${id}）</span>`,
        ),
      );
    // Each schedule is headed by its report's name in words, the id beside it.
    expect(page.body).toMatch(/<h2>《[^<]+》·长三角 <span class="id">yearly-yangtze-delta<\/span>/);
    expect(page.body).toMatch(
      /<h2>《[^<]+》（全部园区） <span class="id">yearly-zone-profiles<\/span>/,
    );
    expect(page.body).toContain('每月 15 日 09:00');

    const before = structuredClone(stored('monthly-bulletin'))!;
    const off = await post('/console/schedules', '/console/schedules/monthly-bulletin/switch', {
      enabled: 'off',
    });
    expect(off.statusCode).toBe(303);
    expect(stored('monthly-bulletin')).toEqual({ ...before, State: 'DISABLED' });
    expect(scheduler.calls.slice(-2).map((c) => c.operation)).toEqual([
      'GetSchedule',
      'UpdateSchedule',
    ]);
    const switched = await stores.services.desk.scheduleSwitches();
    expect(switched).toContainEqual(
      expect.objectContaining({ id: 'monthly-bulletin', enabled: false, by: 'wang.fang' }),
    );
    const shown = (await api('GET', '/console/schedules')).body;
    expect(shown).toMatch(/启用<span class="visually-hidden"> 《[^<]+（monthly-bulletin）<\/span>/);

    const on = await post('/console/schedules', '/console/schedules/monthly-bulletin/switch', {
      enabled: 'on',
    });
    expect(on.statusCode).toBe(303);
    expect(stored('monthly-bulletin')).toEqual(before);
  });

  it('a signed-out deep link to a console page gets the sign-in with the page to come back to, not a 401', async () => {
    const res = await apiHandler(
      httpEvent('GET', '/console/schedules?id=monthly-bulletin'),
      context('Api'),
    );
    expect(res).toMatchObject({
      statusCode: 303,
      headers: {
        location: `/console/login?next=${encodeURIComponent('/console/schedules?id=monthly-bulletin')}`,
      },
    });
  });

  it('"run now" queues one report of the schedule for the generate function; an all-zones one says where to start it', async () => {
    const ran = await post('/console/schedules', '/console/schedules/yearly-yangtze-delta/run', {});
    expect(ran.statusCode).toBe(303);
    expect(queue.sent).toHaveLength(1);
    const job = JSON.parse(queue.sent[0]!) as Record<string, string>;
    expect(job).toMatchObject({
      kind: 'regional-report',
      region: '长三角',
      requestedBy: 'console:wang.fang',
    });
    expect(job['slotKey']).toMatch(/^schedule:yearly-yangtze-delta:\d{4}-.+Z$/);
    const all = await post('/console/schedules', '/console/schedules/yearly-zone-profiles/run', {});
    expect(all.statusCode).toBe(409);
    expect(all.body).toContain('Step Functions');
    expect(queue.sent).toHaveLength(1);
  });

  it('a switch the Scheduler refuses is not stored, and the page says so', async () => {
    const kept = stored('yearly-yangtze-delta')!;
    scheduler.schedules.delete(`${GROUP}/yearly-yangtze-delta`);
    try {
      const res = await post(
        '/console/schedules',
        '/console/schedules/yearly-yangtze-delta/switch',
        {
          enabled: 'off',
        },
      );
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain('EventBridge Scheduler 中没有定时任务 yearly-yangtze-delta');
      const switched = await stores.services.desk.scheduleSwitches();
      expect(switched.find((s) => s.id === 'yearly-yangtze-delta')).toBeUndefined();
    } finally {
      scheduler.schedules.set(`${GROUP}/yearly-yangtze-delta`, kept);
    }
  });

  it('a moved date fires once at its new time under its first slot; the recurring firing at the first time publishes nothing', async () => {
    const first = nextMonthly(new Date());
    const entryKey = `schedule:monthly-bulletin:${first.toISOString()}`;
    const day = beijingDate(new Date(first.getTime() + 24 * 3600_000));
    const move = await post('/console/schedules', '/console/schedules/dates/move', {
      key: entryKey,
      date: day,
      time: '10:30',
      reason: '数据核对延后一天',
    });
    expect(move.statusCode).toBe(303);
    const movedTo = new Date(`${day}T10:30:00+08:00`);
    const stamp = first.toISOString().slice(0, 16).replace(/[-:]/g, '');
    const oneOff = stored(`moved-monthly-bulletin-${stamp}`)!;
    expect(oneOff).toMatchObject({
      ScheduleExpression: `at(${movedTo.toISOString().slice(0, 19)})`,
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: fnArn('ScheduledBulletin'), RoleArn: ROLE, DeadLetterConfig: { Arn: DLQ } },
    });
    expect(JSON.parse(oneOff.Target.Input!)).toMatchObject({
      scheduleId: 'monthly-bulletin',
      kind: 'torch-bulletin',
      scheduledTime: first.toISOString(),
      movedTo: movedTo.toISOString(),
      attemptNumber: '<aws.scheduler.attempt-number>',
    });

    // The recurring schedule still fires at the first time: nothing is published.
    const recurring = stored('monthly-bulletin')!;
    const skipped = await scheduledHandler(
      delivered(
        recurring.Target.Input!,
        first.toISOString().replace('.000Z', 'Z'),
        'arn:recurring',
      ),
      context('ScheduledBulletin'),
    );
    expect(skipped).toMatchObject({ outcome: 'moved', printed: false });
    expect(skipped.message).toContain('数据核对延后一天');
    const slot = `schedule:monthly-bulletin:${first.toISOString()}`;
    expect((await stores.services.cycle.openDrafts()).filter((d) => d.slotKey === slot)).toEqual(
      [],
    );

    // The one-off at the new time publishes, under the first time's slot; again: nothing new.
    const fired = await scheduledHandler(
      delivered(oneOff.Target.Input!, movedTo.toISOString(), 'arn:one-off'),
      context('ScheduledBulletin'),
    );
    expect(fired).toMatchObject({ outcome: 'drafted', printed: true, slotKey: slot });
    const again = await scheduledHandler(
      delivered(oneOff.Target.Input!, movedTo.toISOString(), 'arn:one-off'),
      context('ScheduledBulletin'),
    );
    expect(again).toMatchObject({ draftId: fired.draftId, printed: false });
  });

  it('moving a moved date again moves its one-off; cancelling it removes the one-off, and one that still fires publishes nothing', async () => {
    const first = nextMonthly(new Date(nextMonthly(new Date()).getTime() + 1000));
    const entryKey = `schedule:monthly-bulletin:${first.toISOString()}`;
    const stamp = first.toISOString().slice(0, 16).replace(/[-:]/g, '');
    const name = `moved-monthly-bulletin-${stamp}`;
    for (const time of ['08:00', '11:00'])
      expect(
        (
          await post('/console/schedules', '/console/schedules/dates/move', {
            key: entryKey,
            date: beijingDate(first),
            time,
            reason: `改到 ${time}`,
          })
        ).statusCode,
      ).toBe(303);
    const oneOff = stored(name)!;
    expect(oneOff.ScheduleExpression).toBe(
      `at(${new Date(`${beijingDate(first)}T11:00:00+08:00`).toISOString().slice(0, 19)})`,
    );
    // Created, then (it exists) moved: UpdateSchedule.
    expect(scheduler.calls.filter((c) => c.name === name).map((c) => c.operation)).toEqual([
      'CreateSchedule',
      'CreateSchedule',
      'UpdateSchedule',
    ]);
    // The first move's one-off, delivered late (at least once): overtaken by the second move.
    const firstMove = new Date(`${beijingDate(first)}T08:00:00+08:00`).toISOString();
    const earlier = await scheduledHandler(
      { ...(delivered(oneOff.Target.Input!, '', 'arn:one-off') as object), movedTo: firstMove },
      context('ScheduledBulletin'),
    );
    expect(earlier).toMatchObject({ outcome: 'superseded', printed: false });

    const cancel = await post('/console/schedules', '/console/schedules/dates/cancel', {
      key: entryKey,
      reason: '本月停刊',
    });
    expect(cancel.statusCode).toBe(303);
    expect(stored(name)).toBeUndefined();
    const late = await scheduledHandler(
      delivered(oneOff.Target.Input!, '', 'arn:one-off'),
      context('ScheduledBulletin'),
    );
    expect(late).toMatchObject({ outcome: 'superseded', printed: false });
    const recurring = await scheduledHandler(
      delivered(stored('monthly-bulletin')!.Target.Input!, first.toISOString(), 'arn:recurring'),
      context('ScheduledBulletin'),
    );
    expect(recurring).toMatchObject({ outcome: 'cancelled', printed: false });
    expect(recurring.message).toContain('本月停刊');
  });

  it('the all-zones plan step plans nothing for a cancelled date', async () => {
    const first = nextYearly(new Date());
    const cancel = await post('/console/schedules', '/console/schedules/dates/cancel', {
      key: `schedule:yearly-zone-profiles:${first.toISOString()}`,
      reason: '园区画像改为半年刊',
    });
    expect(cancel.statusCode).toBe(303);
    const input = delivered(
      stored('yearly-zone-profiles')!.Target.Input!,
      first.toISOString(),
      'arn:x',
    );
    expect(await planHandler(input, context('ZonePlan'))).toEqual({ jobs: [], done: [] });
    // Another year's firing of the same schedule plans every zone.
    const other = new Date(first);
    other.setUTCFullYear(other.getUTCFullYear() + 1);
    const plan = await planHandler(
      delivered(stored('yearly-zone-profiles')!.Target.Input!, other.toISOString(), 'arn:x'),
      context('ZonePlan'),
    );
    expect(plan.jobs.length).toBeGreaterThan(0);
  }, 120_000);

  it('the API Lambda serves /calendar and /calendar.ics with the moved and cancelled dates and their reasons', async () => {
    const html = await api('GET', '/calendar');
    expect(html.statusCode).toBe(200);
    expect(html.body).toContain('数据核对延后一天');
    expect(html.body).toContain('本月停刊');
    const ics = await api('GET', '/calendar.ics');
    expect(ics.statusCode).toBe(200);
    expect(ics.headers?.['content-type']).toMatch(/^text\/calendar/);
    const events = new ICAL.Component(ICAL.parse(ics.body)).getAllSubcomponents('vevent');
    const moved = events.find((e) =>
      String(e.getFirstPropertyValue('description') ?? '').includes('数据核对延后一天'),
    );
    expect(moved).toBeDefined();
    const cancelled = events.filter((e) => e.getFirstPropertyValue('status') === 'CANCELLED');
    expect(cancelled.length).toBeGreaterThanOrEqual(2);
  });
});

/** The next 15th at 09:00 Beijing time after `from` (the monthly schedule's cron). */
function nextMonthly(from: Date): Date {
  const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 15, 1, 0, 0));
  while (d <= from) d.setUTCMonth(d.getUTCMonth() + 1);
  return d;
}

/** The next 1 July at 09:00 Beijing time after `from`. */
function nextYearly(from: Date): Date {
  const d = new Date(Date.UTC(from.getUTCFullYear(), 6, 1, 1, 0, 0));
  while (d <= from) d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d;
}

/** `YYYY-MM-DD` of an instant in Beijing. */
function beijingDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
