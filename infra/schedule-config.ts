/**
 * The report schedules kept in data/schedules.json (standard 5-field cron, a time zone each),
 * and their translation to EventBridge Scheduler's 6-field cron.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { REPORT_KINDS } from '../functions/handlers/reports.ts';
import { PROJECT_ROOT } from './bundling.ts';

export const scheduleDefinitionSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  kind: z.enum(REPORT_KINDS),
  series: z.string().optional(),
  /** Standard cron: minute hour day-of-month month day-of-week (0 or 7 = Sunday). */
  cron: z.string(),
  timeZone: z.string().default('Asia/Shanghai'),
  description: z.string().default(''),
  enabled: z.boolean().default(true),
});
export type ScheduleDefinition = z.infer<typeof scheduleDefinitionSchema>;

/** Reads and validates the schedules file (default data/schedules.json). */
export function loadSchedules(
  file = join(PROJECT_ROOT, 'data', 'schedules.json'),
): ScheduleDefinition[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`[infra] cannot read schedules ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const parsed = z.array(scheduleDefinitionSchema).safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${file}:$[${i.path.join('].')}: ${i.message}`);
    throw new Error(`[infra] invalid schedules:\n${lines.join('\n')}`);
  }
  const ids = parsed.data.map((s) => s.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new Error(`[infra] ${file}: schedule id "${dup}" appears twice`);
  for (const s of parsed.data) toSchedulerCron(s.cron); // fail at synth, not at deploy
  return parsed.data;
}

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Standard day-of-week (0–7, Sunday 0 or 7) → EventBridge (1–7, Sunday 1). */
function dayOfWeek(field: string): string {
  return field
    .split(',')
    .map((item) => {
      // In `1-5/2` only the range names days; the step after / is a count.
      const [range = '', step] = item.split('/');
      const days = range.replace(/\d+/g, (d) => {
        const n = Number(d);
        if (n > 7) throw new Error(`day of week ${n} out of range 0–7`);
        return String((n % 7) + 1);
      });
      return step === undefined ? days : `${days}/${step}`;
    })
    .join(',');
}

/**
 * `0 9 15 * *` → `cron(0 9 15 * ? *)`. EventBridge wants `?` in one of the two day fields
 * and numbers Sunday 1; a standard cron that restricts both day fields (meaning either one)
 * has no EventBridge equivalent and is refused.
 * @throws Error naming the expression and what is wrong with it.
 */
export function toSchedulerCron(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new Error(`[infra] cron "${cron}": expected 5 fields (minute hour day month weekday)`);
  }
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const valid = /^[0-9*,/\-A-Za-z?]+$/;
  if (!fields.every((f) => valid.test(f))) {
    throw new Error(`[infra] cron "${cron}": unexpected characters`);
  }
  let day = dom;
  let weekday: string;
  if (dow === '*' || dow === '?') {
    weekday = '?';
  } else if (dom === '*' || dom === '?') {
    day = '?';
    try {
      weekday = /[A-Za-z]/.test(dow) ? dow.toUpperCase() : dayOfWeek(dow);
    } catch (err) {
      throw new Error(`[infra] cron "${cron}": ${(err as Error).message}`);
    }
  } else {
    throw new Error(
      `[infra] cron "${cron}": both day-of-month and day-of-week are set; EventBridge cannot ` +
        'express "either"; use two schedules',
    );
  }
  if (
    weekday !== '?' &&
    /[A-Z]/.test(weekday) &&
    !weekday.split(/[,-]/).every((d) => DAY_NAMES.includes(d))
  ) {
    throw new Error(`[infra] cron "${cron}": unknown day name in "${dow}"`);
  }
  return `cron(${minute} ${hour} ${day} ${month} ${weekday} *)`;
}
