/**
 * The release calendar's dependencies from a set of services and the schedules file: one
 * construction for the CLI, the local server and the API Lambda.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CalendarDeps } from '../app/calendar.ts';
import { readSchedules, type ScheduleDefinition } from '../contract/schedules.ts';
import type { Services } from './services.ts';

export function calendarDepsOf(s: Services, schedules: ScheduleDefinition[]): CalendarDeps {
  return {
    schedules,
    cycle: s.cycle,
    calendar: s.calendar,
    reference: s.reference,
    timeZone: s.config.timeZone,
    clock: s.clock,
    // The console's switches: a schedule switched off has no dates (AWS and local alike).
    switches: s.desk,
    // AWS: a moved date fires once at its new time through EventBridge Scheduler.
    ...(s.reportScheduler ? { firings: s.reportScheduler } : {}),
  };
}

/**
 * The schedules file beside the code: `data/schedules.json` in the repository, or in a Lambda
 * bundle (infra/bundling.ts copies `data/` next to the handler).
 */
export function bundledSchedules(...roots: string[]): ScheduleDefinition[] {
  const file = roots.map((r) => join(r, 'data', 'schedules.json')).find((f) => existsSync(f));
  return file ? readSchedules(file) : [];
}
