/**
 * The 定时任务 page's schedules where a service fires them (AWS: EventBridge Scheduler), for the
 * API Lambda's console: the schedules of the bundled data/schedules.json, each switch as stored
 * in the desk store (else the file's `enabled`). The switch is applied where the schedule fires
 * first (UpdateSchedule, State ENABLED/DISABLED) and then stored: a refused update changes
 * nothing the page would show. "Run now" hands one firing to the function that prints.
 */
import { ConflictError, NotFoundError } from '../../errors.ts';
import type { Clock, DeskStore, ReportScheduler } from '../../app/ports.ts';
import type { ScheduleDefinition } from '../../contract/schedules.ts';
import type { ConsoleSchedule, ConsoleSchedules } from './kit.ts';

export interface ServiceSchedulesDeps {
  definitions: ScheduleDefinition[];
  desk: Pick<DeskStore, 'scheduleSwitches' | 'setScheduleSwitch'>;
  scheduler: Pick<ReportScheduler, 'setEnabled'>;
  clock: Clock;
  /** Hands one firing of a (single-report) schedule at `at` to the function that prints. */
  fire(def: ScheduleDefinition, at: Date, by: string): Promise<void>;
}

export function serviceSchedules(deps: ServiceSchedulesDeps): ConsoleSchedules {
  const find = (id: string) => {
    const def = deps.definitions.find((d) => d.id === id);
    if (!def) throw new NotFoundError('schedules', `没有定时任务 "${id}"`);
    return def;
  };
  return {
    async list() {
      const stored = new Map((await deps.desk.scheduleSwitches()).map((x) => [x.id, x]));
      return deps.definitions.map((d): ConsoleSchedule => {
        const sw = stored.get(d.id);
        return {
          id: d.id,
          kind: d.kind,
          cron: d.cron,
          timeZone: d.timeZone,
          ...(d.description ? { description: d.description } : {}),
          allZones: d.allZones,
          ...(d.params.region ? { region: d.params.region } : {}),
          ...(d.params.zone ? { zone: d.params.zone } : {}),
          enabled: sw?.enabled ?? d.enabled,
          ...(sw ? { switchedBy: sw.by, switchedAt: sw.at } : {}),
        };
      });
    },
    async setEnabled(id, enabled, by) {
      find(id);
      await deps.scheduler.setEnabled(id, enabled);
      await deps.desk.setScheduleSwitch({
        id,
        enabled,
        by,
        at: deps.clock.now().toISOString(),
      });
    },
    async runNow(id, by) {
      const def = find(id);
      if (def.allZones)
        throw new ConflictError(
          'schedules',
          `${id} 为全部园区的运行：请启动 Step Functions 状态机（docs/deploy.md 的“All-zones run”）`,
        );
      const at = deps.clock.now();
      await deps.fire(def, at, by);
      return at.toISOString();
    },
  };
}
