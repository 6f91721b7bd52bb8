import { describe, expect, it } from 'vitest';
import {
  checkRequest,
  jobFromRequest,
  LOCAL_PRINCIPAL,
  reportJobSchema,
  reportRequestSchema,
  slotKeys,
} from '../../functions/app/requests.ts';
import { scheduledRequest } from '../../functions/app/schedules.ts';
import { REPORT_KINDS } from '../../functions/contract/kinds.ts';
import { parseSchedules, ScheduleFileError } from '../../functions/contract/schedules.ts';
import { ValidationError } from '#errors';

/** The fields a schema refuses in `input` (empty when it is accepted). */
const refused = (schema: { safeParse(x: unknown): unknown }, input: unknown) => {
  const r = schema.safeParse(input) as {
    success: boolean;
    error?: { issues: { path: PropertyKey[]; code: string; keys?: string[] }[] };
  };
  return r.success
    ? []
    : [
        ...new Set(
          r.error!.issues.map((i) => i.keys?.join(',') ?? (i.path.map(String).join('.') || i.code)),
        ),
      ];
};

describe('one request validation: the API body, the Lambda job, the CLI and the schedules', () => {
  const long = (n: number) => '长'.repeat(n);

  it('applies one set of bounds to zone and region, whoever sends them', () => {
    const job = (extra: object) => ({ ...extra, slotKey: 'cli:x' });
    // A zone id, name or alias up to 80 characters; a region up to 64 — in every schema.
    for (const [body, fields] of [
      [{ kind: 'zone-profile', zone: 'zhongguancun' }, []],
      [{ kind: 'zone-profile', zone: '东湖高新区' }, []],
      [{ kind: 'zone-profile', zone: 'a' }, []],
      [{ kind: 'zone-profile', zone: long(80) }, []],
      [{ kind: 'zone-profile', zone: long(81) }, ['zone']],
      [{ kind: 'zone-profile', zone: '' }, ['zone']],
      [{ kind: 'zone-profile', zone: 'a\u0000b' }, ['zone']],
      [{ kind: 'zone-profile', zone: '../zhongguancun' }, ['zone']],
      [{ kind: 'zone-profile', zone: '<b>x</b>' }, ['zone']],
      [{ kind: 'zone-profile', zone: '中关村科技园区（海淀园）' }, []],
      [{ kind: 'regional-report', region: '长三角/../x' }, ['region']],
      [{ kind: 'regional-report', region: long(64) }, []],
      [{ kind: 'regional-report', region: long(65) }, ['region']],
    ] as const) {
      expect(refused(reportRequestSchema, body), JSON.stringify(body)).toEqual(fields);
      expect(refused(reportJobSchema, job(body)), JSON.stringify(body)).toEqual(fields);
    }
  });

  it("refuses another kind's parameters, unknown kinds and bad periods", () => {
    expect(refused(reportRequestSchema, { kind: 'torch-bulletin', zone: 'x' })).toEqual(['zone']);
    expect(
      refused(reportRequestSchema, { kind: 'regional-report', zone: 'x', region: '东北' }),
    ).toEqual(['zone']);
    expect(refused(reportRequestSchema, { kind: 'newsletter' })).toEqual(['kind']);
    expect(refused(reportRequestSchema, { kind: 'torch-bulletin', period: '2024-Q5' })).toEqual([
      'period',
    ]);
    expect(refused(reportRequestSchema, { kind: 'torch-bulletin', period: '1800' })).toEqual([
      'period',
    ]);
    expect(refused(reportJobSchema, { kind: 'torch-bulletin' })).toEqual(['slotKey']);
  });

  it('checks a request made in code (CLI options) with the same schema, naming the source', () => {
    expect(
      checkRequest({ kind: 'regional-report', region: ' 长三角 ', slotKey: 'cli:1' }, 'cli'),
    ).toEqual({ kind: 'regional-report', region: '长三角', slotKey: 'cli:1' });
    const err = (() => {
      try {
        checkRequest({ kind: 'zone-profile', slotKey: 'cli:1' }, 'command line');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).problems[0]).toMatchObject({
      file: 'command line',
      field: 'zone',
    });
  });
});

describe('one slot-key scheme', () => {
  it('keys an on-demand request on the caller and its request id, on Lambda and locally alike', () => {
    const body = { kind: 'torch-bulletin' as const, requestId: 'ops-1' };
    expect(jobFromRequest(body, 'iam:arn:aws:iam::1:user/ops', 'fallback').slotKey).toBe(
      'api:iam:arn:aws:iam::1:user/ops:ops-1',
    );
    expect(jobFromRequest(body, LOCAL_PRINCIPAL, 'fallback').slotKey).toBe(
      'api:local-operator:ops-1',
    );
    // Two callers with the same request id get two slots.
    expect(jobFromRequest(body, 'a', 'x').slotKey).not.toBe(jobFromRequest(body, 'b', 'x').slotKey);
    expect(jobFromRequest({ kind: 'torch-bulletin' }, 'a', 'gen-1').slotKey).toBe('api:a:gen-1');
  });

  it("keys a firing on its scheduled time, whether it came as the Scheduler's string or a Date", () => {
    const fromScheduler = slotKeys.scheduled('monthly-bulletin', '2026-01-15T01:00:00Z');
    const fromCroner = slotKeys.scheduled('monthly-bulletin', new Date(Date.UTC(2026, 0, 15, 1)));
    expect(fromScheduler).toBe('schedule:monthly-bulletin:2026-01-15T01:00:00.000Z');
    expect(fromCroner).toBe(fromScheduler);
    expect(slotKeys.scheduled('m', '2026-01-15T09:00:00+08:00')).toBe(
      fromScheduler.replace('monthly-bulletin', 'm'),
    );
  });
});

describe('the schedule schema (data/schedules.json, read by bulletin serve and the CDK stack)', () => {
  const base = { cron: '0 9 1 7 *', timeZone: 'Asia/Shanghai' };
  const problemsOf = (raw: unknown) => {
    try {
      parseSchedules(raw, 'schedules.json');
      return [];
    } catch (err) {
      expect(err).toBeInstanceOf(ScheduleFileError);
      return (err as ScheduleFileError).problems.map((p) =>
        `${p.location} ${p.field ?? ''}`.trim(),
      );
    }
  };

  it("reads each kind's own parameters, enabled and the all-zones batch", () => {
    const schedules = parseSchedules(
      [
        { id: 'monthly', kind: 'torch-bulletin', series: 'torch-bulletin', cron: '0 9 15 * *' },
        { id: 'zones', kind: 'zone-profile', allZones: true, enabled: false, ...base },
        { id: 'one-zone', kind: 'zone-profile', zone: '东湖高新区', ...base },
        { id: 'delta', kind: 'regional-report', region: '长三角', period: '2024', ...base },
      ],
      'schedules.json',
    );
    expect(schedules).toEqual([
      expect.objectContaining({
        id: 'monthly',
        timeZone: 'Asia/Shanghai',
        enabled: true,
        params: { series: 'torch-bulletin' },
        allZones: false,
      }),
      expect.objectContaining({ id: 'zones', enabled: false, params: {}, allZones: true }),
      expect.objectContaining({ params: { zone: '东湖高新区' }, allZones: false }),
      expect.objectContaining({ params: { region: '长三角', period: '2024' }, allZones: false }),
    ]);
    expect(scheduledRequest(schedules[3]!, new Date('2026-07-01T01:00:00Z'))).toEqual({
      kind: 'regional-report',
      region: '长三角',
      period: '2024',
      slotKey: 'schedule:delta:2026-07-01T01:00:00.000Z',
    });
  });

  it("refuses a schedule without the parameter its kind needs, or with another kind's", () => {
    expect(
      problemsOf([
        { id: 'a', kind: 'zone-profile', ...base },
        { id: 'b', kind: 'regional-report', ...base },
        { id: 'c', kind: 'torch-bulletin', region: '东北', ...base },
        { id: 'd', kind: 'regional-report', region: '东北', allZones: true, ...base },
        { id: 'e', kind: 'zone-profile', zone: 'x', allZones: true, ...base },
        { id: 'f', kind: 'torch-bulletin', enabled: 'no', ...base },
        { id: 'g', kind: 'newsletter', ...base },
        { id: 'Bad Id', kind: 'torch-bulletin', ...base },
        { id: 'h', kind: 'torch-bulletin', cron: '0 0 9 15 * *', timeZone: 'Mars/Olympus' },
      ]),
    ).toEqual([
      '$[0] zone',
      '$[1] region',
      '$[2] region',
      '$[3] allZones',
      '$[4] zone',
      '$[5] enabled',
      '$[6] kind',
      '$[7] id',
      '$[8] cron',
      '$[8] timeZone',
    ]);
    expect(
      problemsOf([
        { id: 'x', kind: 'torch-bulletin', ...base },
        { id: 'x', kind: 'torch-bulletin', ...base },
      ]),
    ).toEqual(['$[1] id']);
    expect(problemsOf({})).toEqual(['$']);
  });

  it('knows every kind of the contract', () => {
    for (const kind of REPORT_KINDS) {
      const params =
        kind === 'zone-profile' ? { zone: 'x' } : kind === 'regional-report' ? { region: 'x' } : {};
      expect(problemsOf([{ id: 'k', kind, ...params, ...base }]), kind).toEqual([]);
    }
  });
});
