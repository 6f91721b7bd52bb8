/**
 * The report schedules kept in data/schedules.json — their schema is the contract's
 * (functions/contract/schedules.ts, shared with `bulletin serve`) — and their translation to
 * EventBridge Scheduler's 6-field cron.
 */
import { join } from 'node:path';
import { readSchedules, type ScheduleDefinition } from '../functions/contract/schedules.ts';
import { PROJECT_ROOT } from './bundling.ts';

export type { ScheduleDefinition };

/**
 * Reads and validates the schedules file (default data/schedules.json), and checks that each
 * cron has an EventBridge form (fail at synth, not at deploy).
 */
export function loadSchedules(
  file = join(PROJECT_ROOT, 'data', 'schedules.json'),
): ScheduleDefinition[] {
  const schedules = readSchedules(file);
  for (const s of schedules) toSchedulerCron(s.cron);
  return schedules;
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
