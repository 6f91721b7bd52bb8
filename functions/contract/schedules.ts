/**
 * The report schedules of `data/schedules.json` and the parameters of a report request: one
 * schema, read by `bulletin serve` (functions/app/requests.ts) and by the CDK stack
 * (EventBridge Scheduler). Depends on zod and ./kinds.ts only (part of the contract `infra/`
 * may import).
 *
 * A schedule is a flat JSON object: the common fields (`id`, `kind`, `cron`, `timeZone`,
 * `enabled`, `description`) and the kind's own parameters, e.g.
 *
 * ```json
 * { "id": "monthly-bulletin", "kind": "torch-bulletin", "cron": "0 9 15 * *" }
 * { "id": "yearly-zone-profiles", "kind": "zone-profile", "allZones": true, "cron": "0 9 1 7 *" }
 * { "id": "yearly-yangtze-delta", "kind": "regional-report", "region": "长三角", "cron": "0 9 1 7 *" }
 * ```
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ALL_ZONES_KINDS, REPORT_KINDS, REQUEST_LIMITS, type ReportKind } from './kinds.ts';

// zod's own messages (a field too long, a key not allowed …) in Chinese, its zh-CN locale, for
// every parse in a process that reads requests or schedules: they reach people in problem lists.
// A message given in a schema wins over it.
z.config(z.locales.zhCN());

/** The request fields every kind draws its parameters from (one set of bounds). */
export const requestFields = {
  period: z
    .string()
    .regex(REQUEST_LIMITS.periodPattern, '应为期间，例如 2024、2024-Q3 或 2024-10')
    .refine((p) => {
      const year = Number(p.slice(0, 4));
      return year >= 1949 && year <= 2100;
    }, '应为期间，例如 2024、2024-Q3 或 2024-10（年份 1949–2100）'),
  zone: z
    .string()
    .trim()
    .min(1, '应为园区代码、名称或别名')
    .max(REQUEST_LIMITS.zoneMaxLength)
    .regex(REQUEST_LIMITS.namePattern, '应为园区代码、名称或别名：字母、数字、-、_、·'),
  region: z
    .string()
    .trim()
    .min(1, '应为省、市、地区或联盟')
    .max(REQUEST_LIMITS.regionMaxLength)
    .regex(REQUEST_LIMITS.namePattern, '应为地区名称：字母、数字、-、_、·'),
  series: z
    .string()
    .regex(REQUEST_LIMITS.seriesPattern, '应为报告系列 id (series)：小写字母、数字和 -'),
  requestId: z
    .string()
    .regex(REQUEST_LIMITS.requestIdPattern, '应为 1–100 个 A-Z a-z 0-9 _ . : - 字符'),
  slotKey: z.string().min(1).max(REQUEST_LIMITS.slotKeyMaxLength),
};

/** The parameters of one report of each kind (what a request or a schedule adds to the kind). */
export const REPORT_PARAMS = {
  'torch-bulletin': z.strictObject({
    /** Another series printed with the bulletin layout; default `torch-bulletin`. */
    series: requestFields.series.optional(),
    period: requestFields.period.optional(),
  }),
  'zone-profile': z.strictObject({
    zone: requestFields.zone,
    period: requestFields.period.optional(),
  }),
  'regional-report': z.strictObject({
    region: requestFields.region,
    period: requestFields.period.optional(),
  }),
  'indicator-flash': z.strictObject({ period: requestFields.period.optional() }),
} as const satisfies Record<ReportKind, z.ZodObject>;

/** The parameters of a request of any kind (the union of every kind's fields). */
export interface ReportParams {
  series?: string;
  period?: string;
  zone?: string;
  region?: string;
}

/** The parameters of a batch over every national zone (kinds in `ALL_ZONES_KINDS`). */
export const ALL_ZONES_PARAMS = z.strictObject({
  allZones: z.literal(true),
  period: requestFields.period.optional(),
});

const CRON_FIELD = /^[0-9*,/\-A-Za-z?]+$/;

const scheduleBase = z.looseObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, '应为定时任务 id（1–63 个 a-z 0-9 - 字符）'),
  kind: z.enum(REPORT_KINDS),
  /** Standard 5-field cron: minute hour day-of-month month day-of-week. */
  cron: z.string().refine(
    (c) =>
      c.trim().split(/\s+/).length === 5 &&
      c
        .trim()
        .split(/\s+/)
        .every((f) => CRON_FIELD.test(f)),
    '应为 5 段的 cron 表达式（分 时 日 月 星期）',
  ),
  timeZone: z
    .string()
    .refine(isTimeZone, '应为 IANA 时区，例如 Asia/Shanghai')
    .default('Asia/Shanghai'),
  /** A disabled schedule is defined (and deployed, switched off) but never fires. */
  enabled: z.boolean().default(true),
  description: z.string().max(500).default(''),
});
const BASE_KEYS = ['id', 'kind', 'cron', 'timeZone', 'enabled', 'description'];

export interface ScheduleDefinition {
  id: string;
  kind: ReportKind;
  cron: string;
  timeZone: string;
  enabled: boolean;
  description: string;
  /** The kind's own parameters (zone, region, series, period); only `period` for a batch. */
  params: ReportParams;
  /** One report for every national zone (the fan-out) instead of one report. */
  allZones: boolean;
}

/** One problem of a schedules file: which entry (`$[1]`) and which field. */
export interface ScheduleProblem {
  file: string;
  location: string;
  field?: string;
  message: string;
}

/** A schedules file that does not follow the schema; `problems` names every entry and field. */
export class ScheduleFileError extends Error {
  override name = 'ScheduleFileError';
  constructor(
    readonly file: string,
    readonly problems: ScheduleProblem[],
    options?: { cause?: unknown },
  ) {
    super(
      `[schedules] ${file}: ${problems.map((p) => `${p.location}${p.field ? `.${p.field}` : ''}: ${p.message}`).join('; ')}`,
      options,
    );
  }
}

/**
 * Validates the content of a schedules file.
 * @throws ScheduleFileError naming the file, the entry and the field of each problem.
 */
export function parseSchedules(raw: unknown, file: string): ScheduleDefinition[] {
  if (!Array.isArray(raw))
    throw new ScheduleFileError(file, [
      { file, location: '$', message: '应为定时任务的 JSON 数组' },
    ]);
  const problems: ScheduleProblem[] = [];
  const add = (index: number, issues: z.core.$ZodIssue[]) => {
    for (const i of issues) {
      const keys = i.code === 'unrecognized_keys' ? i.keys : [];
      const field = [...i.path.map(String), ...keys].join('.');
      problems.push({
        file,
        location: `$[${index}]`,
        ...(field ? { field } : {}),
        message: i.message,
      });
    }
  };
  const schedules: ScheduleDefinition[] = [];
  const seen = new Set<string>();
  raw.forEach((entry: unknown, index) => {
    const base = scheduleBase.safeParse(entry);
    if (!base.success) {
      add(index, base.error.issues);
      return;
    }
    const rest = Object.fromEntries(
      Object.entries(base.data).filter(([key]) => !BASE_KEYS.includes(key)),
    );
    const { kind, id } = base.data;
    if (seen.has(id))
      problems.push({
        file,
        location: `$[${index}]`,
        field: 'id',
        message: `定时任务 id "${id}" 出现了两次`,
      });
    seen.add(id);
    const allZones = 'allZones' in rest;
    if (allZones && !ALL_ZONES_KINDS.includes(kind)) {
      add(index, [
        {
          code: 'custom',
          path: ['allZones'],
          message: `${kind} 没有全部园区批量 (allZones)（只有 ${ALL_ZONES_KINDS.join('、')} 有）`,
          input: rest.allZones,
        },
      ]);
      return;
    }
    const params = (allZones ? ALL_ZONES_PARAMS : REPORT_PARAMS[kind]).safeParse(rest);
    if (!params.success) {
      add(index, params.error.issues);
      return;
    }
    const { allZones: _flag, ...own } = params.data as ReportParams & { allZones?: true };
    schedules.push({
      id: base.data.id,
      kind,
      cron: base.data.cron.trim(),
      timeZone: base.data.timeZone,
      enabled: base.data.enabled,
      description: base.data.description,
      params: own,
      allZones,
    });
  });
  if (problems.length) throw new ScheduleFileError(file, problems);
  return schedules;
}

/**
 * Reads and validates a schedules file (`data/schedules.json`).
 * @throws ScheduleFileError when it cannot be read, is not JSON or breaks the schema.
 */
export function readSchedules(file: string): ScheduleDefinition[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ScheduleFileError(
      file,
      [{ file, location: '$', message: `无法按 JSON 读取：${(err as Error).message}` }],
      { cause: err },
    );
  }
  return parseSchedules(raw, file);
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
