/**
 * The release calendar (发布日程): every series' planned releases for the next 12 months,
 * derived from the report schedules (their cron times) and the scheduled embargoes, with the
 * issue number where the order of releases makes it known, and every moved or cancelled date
 * with its reason. One function builds it for the page, the `.ics`, the CLI and the console;
 * moving or cancelling a date goes through {@link moveRelease} / {@link cancelRelease}.
 *
 * An entry keeps the key of its first plan (`schedule:<id>:<ISO time>` or `embargo:<draft>`):
 * its `.ics` UID, stable across moves (a calendar app updates the event, by SEQUENCE).
 */
import { Cron } from 'croner';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { formatBeijing } from '../core/time.ts';
import { datePartsIn } from '../core/format.ts';
import { nextNumbering, type Draft } from '../core/lifecycle.ts';
import type { Reference } from '../core/reference.ts';
import type { ScheduleDefinition } from '../contract/schedules.ts';
import type {
  DeskStore,
  CalendarChange,
  CalendarStore,
  Clock,
  LifecycleCatalog,
  ReportScheduler,
} from './ports.ts';
import { nowOf, scheduleRelease, type LifecycleDeps } from './lifecycle.ts';

export type { CalendarChange };

/** One planned release as the calendar shows it. */
export interface CalendarEntry {
  /** The key of its first plan: `schedule:<schedule id>:<ISO time>` or `embargo:<draft id>`. */
  key: string;
  /** What people type to move or cancel it: `<schedule id>@<local date>`, or the draft id. */
  ref: string;
  /** RFC 5545 UID: the key, stable across moves. */
  uid: string;
  series: string;
  title: string;
  /** The planned time now (after any move), ISO. */
  at: string;
  /** The time first planned, ISO. */
  firstPlannedAt: string;
  status: 'planned' | 'moved' | 'cancelled';
  source: 'schedule' | 'embargo';
  scheduleId?: string;
  /** The draft to be released (an embargo). */
  draftId?: string;
  /** The expected 年第N期(总第M期), where the series' order of releases makes it known. */
  numbering?: { year: number; number: number; total: number };
  /** Every move or cancellation, oldest first. */
  changes: CalendarChange[];
  /** ms past its time without being released (an embargo that could not fire yet). */
  overdueMs?: number;
}

export interface ReleaseCalendar {
  from: string;
  to: string;
  timeZone: string;
  entries: CalendarEntry[];
}

export interface CalendarDeps {
  schedules: ScheduleDefinition[];
  cycle: Pick<LifecycleCatalog, 'scheduledReleases' | 'getDraft' | 'lastNumbering'>;
  calendar: CalendarStore;
  reference: Reference;
  timeZone: string;
  clock?: Clock;
  /**
   * Where the schedules fire on a service (AWS: EventBridge Scheduler): a moved date gets its
   * one-off firing there. Absent (the local server): its tick fires moved dates itself.
   */
  firings?: Pick<ReportScheduler, 'fireMovedAt' | 'dropMovedFiring'>;
  /**
   * The schedules' switches as the console stored them (the desk store). A schedule switched
   * off has no release dates; one switched on has them although the file says otherwise.
   * Absent: the file's `enabled` decides.
   */
  switches?: Pick<DeskStore, 'scheduleSwitches'>;
}

/** The schedules that fire: the file's `enabled`, overridden by a stored switch. */
async function enabledSchedules(deps: CalendarDeps): Promise<ScheduleDefinition[]> {
  const stored = new Map(
    ((await deps.switches?.scheduleSwitches()) ?? []).map((x) => [x.id, x.enabled] as const),
  );
  return deps.schedules.filter((d) => stored.get(d.id) ?? d.enabled);
}

/** How far ahead the calendar looks. */
export const CALENDAR_MONTHS = 12;

const scheduleKey = (id: string, at: Date) => `schedule:${id}:${at.toISOString()}`;

/** The series a schedule publishes in (a kind's reports are their own series unless given). */
const seriesOf = (def: ScheduleDefinition) => def.params.series ?? def.kind;

function scheduleTitle(def: ScheduleDefinition, reference: Reference): string {
  const series = reference.seriesById(seriesOf(def))?.title ?? seriesOf(def);
  if (def.allZones) return `《${series}》（全部国家高新区）`;
  const which = def.params.region ?? def.params.zone;
  return which ? `《${series}》·${which}` : `《${series}》`;
}

/** The cron times of a schedule in [from, to). */
export function occurrences(def: ScheduleDefinition, from: Date, to: Date): Date[] {
  const job = new Cron(def.cron, { timezone: def.timeZone, paused: true });
  const found: Date[] = [];
  // One before `from`, so that a firing exactly at `from` counts.
  let next = job.nextRun(new Date(from.getTime() - 1));
  while (next && next < to) {
    found.push(next);
    next = job.nextRun(next);
  }
  job.stop();
  return found;
}

const addMonths = (at: Date, months: number) => {
  const d = new Date(at);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
};

/**
 * The calendar from now for {@link CALENDAR_MONTHS} months: each enabled schedule's times (its
 * stored switch, else the file), the
 * scheduled embargoes (an embargo on the day of its series' scheduled release takes that
 * entry's place), every amendment applied, overdue embargoes marked, expected numbers given.
 */
export async function releaseCalendar(deps: CalendarDeps): Promise<ReleaseCalendar> {
  const now = nowOf(deps);
  const to = addMonths(now, CALENDAR_MONTHS);
  const amendments = new Map(
    (await deps.calendar.amendments()).map((a) => [a.entryKey, a.changes] as const),
  );
  const dayOf = (at: Date) => {
    const p = datePartsIn(at, deps.timeZone);
    return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
  };
  const entries = new Map<string, CalendarEntry>();

  const scheduleEntry = (def: ScheduleDefinition, first: Date): CalendarEntry => {
    const key = scheduleKey(def.id, first);
    const changes = amendments.get(key) ?? [];
    const last = changes.at(-1);
    return {
      key,
      ref: `${def.id}@${dayOf(first)}`,
      uid: key,
      series: seriesOf(def),
      title: scheduleTitle(def, deps.reference),
      at: last?.action === 'moved' ? last.to! : first.toISOString(),
      firstPlannedAt: first.toISOString(),
      status: last ? last.action : 'planned',
      source: 'schedule',
      scheduleId: def.id,
      changes,
    };
  };

  for (const def of await enabledSchedules(deps))
    for (const at of occurrences(def, now, to)) {
      const e = scheduleEntry(def, at);
      entries.set(e.key, e);
    }
  // Dates moved (or cancelled) from before now into the window are still announced.
  for (const [key, changes] of amendments) {
    const m = /^schedule:(.+):(\d{4}-.+Z)$/.exec(key);
    const def = m && deps.schedules.find((d) => d.id === m[1]);
    if (!def || entries.has(key)) continue;
    const last = changes.at(-1)!;
    const at = Date.parse(last.action === 'moved' ? last.to! : last.from);
    if (at >= now.getTime() && at < to.getTime())
      entries.set(key, scheduleEntry(def, new Date(m[2]!)));
  }

  // Embargoes: scheduled drafts, and cancelled ones (their draft no longer scheduled).
  const drafts = new Map<string, Draft>();
  for (const { draftId } of await deps.cycle.scheduledReleases()) {
    const d = await deps.cycle.getDraft(draftId);
    if (d?.status === 'scheduled' && d.releaseAt) drafts.set(d.id, d);
  }
  for (const [key, changes] of amendments) {
    const id = /^embargo:(.+)$/.exec(key)?.[1];
    if (!id || drafts.has(id) || changes.at(-1)?.action !== 'cancelled') continue;
    const d = await deps.cycle.getDraft(id);
    if (d && Date.parse(changes.at(-1)!.from) >= now.getTime()) drafts.set(id, d);
  }
  for (const d of drafts.values()) {
    const key = `embargo:${d.id}`;
    const changes = amendments.get(key) ?? [];
    const cancelled = changes.at(-1)?.action === 'cancelled' && d.status !== 'scheduled';
    const at = cancelled ? changes.at(-1)!.from : d.releaseAt!;
    // The scheduled release of that series on that day: the embargo is when it comes out.
    const sameDay = [...entries.values()].find(
      (e) =>
        e.source === 'schedule' &&
        e.series === d.series &&
        e.status !== 'cancelled' &&
        dayOf(new Date(e.at)) === dayOf(new Date(at)),
    );
    const late = now.getTime() - Date.parse(at);
    const overdue = !cancelled && late > 0 ? { overdueMs: late } : {};
    if (sameDay && !cancelled) {
      Object.assign(sameDay, { at, draftId: d.id, title: d.title ?? sameDay.title, ...overdue });
      continue;
    }
    entries.set(key, {
      key,
      ref: d.id,
      uid: key,
      series: d.series,
      title: d.correctionOf ? `${d.title ?? d.series}（修订版）` : (d.title ?? d.series),
      at,
      firstPlannedAt: changes[0]?.from ?? at,
      status: cancelled ? 'cancelled' : changes.length ? 'moved' : 'planned',
      source: 'embargo',
      draftId: d.id,
      changes,
      ...overdue,
    });
  }

  const sorted = [...entries.values()].sort(
    (a, b) => Date.parse(a.at) - Date.parse(b.at) || a.key.localeCompare(b.key),
  );
  await expectNumbers(deps, sorted);
  return {
    from: now.toISOString(),
    to: to.toISOString(),
    timeZone: deps.timeZone,
    entries: sorted,
  };
}

/**
 * The number each release will take, in order, per series — while every release before it
 * makes exactly one issue (an all-zones run makes one per zone: after it, numbers are unknown).
 * A corrected edition keeps its issue's number and takes none.
 */
async function expectNumbers(deps: CalendarDeps, entries: CalendarEntry[]): Promise<void> {
  const allZones = new Set(deps.schedules.filter((d) => d.allZones).map((d) => d.id));
  const bySeries = new Map<string, CalendarEntry[]>();
  for (const e of entries) bySeries.set(e.series, [...(bySeries.get(e.series) ?? []), e]);
  for (const [series, list] of bySeries) {
    const start =
      (await deps.cycle.lastNumbering(series)) ??
      deps.reference.seriesById(series)?.numbering.reference;
    if (!start) continue;
    let last = { year: start.year, number: start.number, total: start.total };
    for (const e of list) {
      if (e.status === 'cancelled') continue;
      if (e.scheduleId && allZones.has(e.scheduleId)) break;
      if (e.title.endsWith('（修订版）')) continue;
      last = nextNumbering(last, datePartsIn(new Date(e.at), deps.timeZone).year);
      e.numbering = last;
    }
  }
}

/** The entry a reference names: its key, `<schedule id>@<date>`, or a draft id. */
function findEntry(calendar: ReleaseCalendar, ref: string): CalendarEntry {
  const found = calendar.entries.find((e) => e.key === ref || e.ref === ref || e.draftId === ref);
  if (!found)
    throw new NotFoundError(
      'calendar',
      `发布日程中没有 ${ref}（未来 ${CALENDAR_MONTHS} 个月内）：bulletin calendar 列出各条的编号`,
    );
  return found;
}

function requireReason(reason: string | undefined, ref: string): string {
  const text = reason?.trim() ?? '';
  if (text.length < 2 || text.length > 500)
    throw new ValidationError('calendar', [
      {
        file: '发布日程',
        location: ref,
        field: 'reason',
        message: '改期或取消须说明原因（2–500 字），原因将与改动一并公布',
      },
    ]);
  return text;
}

export interface AmendDeps extends CalendarDeps {
  /** The cycle, to move or cancel an embargo's release with its draft. */
  lifecycle: LifecycleDeps;
}

/**
 * Moves a planned release to `to`, with a reason that is kept and shown. An embargo's draft is
 * rescheduled with it.
 * @throws ValidationError for a missing reason or a time not in the future; NotFoundError for
 *   an entry not in the calendar; ConflictError for a cancelled one.
 */
export async function moveRelease(
  deps: AmendDeps,
  ref: string,
  opts: { to: Date; reason: string; by: string },
): Promise<CalendarEntry> {
  const reason = requireReason(opts.reason, ref);
  const now = nowOf(deps);
  if (opts.to.getTime() <= now.getTime())
    throw new ValidationError('calendar', [
      {
        file: '发布日程',
        location: ref,
        field: 'to',
        message: `新的发布时间 ${formatBeijing(opts.to, { seconds: true, timeZone: deps.timeZone })} 不在将来（现在 ${formatBeijing(now, { seconds: true, timeZone: deps.timeZone })}）`,
      },
    ]);
  const entry = findEntry(await releaseCalendar(deps), ref);
  if (entry.status === 'cancelled')
    throw new ConflictError('calendar', `${entry.ref} 已取消，不能改期`);
  if (entry.draftId)
    await scheduleRelease(deps.lifecycle, entry.draftId, { at: opts.to, by: opts.by });
  // Before the change is recorded: a one-off that fires with no such move recorded is skipped.
  if (entry.scheduleId && deps.firings)
    await deps.firings.fireMovedAt(entry.scheduleId, firstTimeOf(entry), opts.to);
  const change: CalendarChange = {
    action: 'moved',
    from: entry.at,
    to: opts.to.toISOString(),
    reason,
    by: opts.by,
    at: now.toISOString(),
  };
  // An embargo merged into its scheduled day keeps the schedule's key.
  await deps.calendar.recordChange(entry.key, change);
  return findEntry(await releaseCalendar(deps), entry.key);
}

/**
 * Cancels a planned release, with a reason that is kept and shown. An embargo's draft goes
 * back to waiting for release (nothing is discarded).
 */
export async function cancelRelease(
  deps: AmendDeps,
  ref: string,
  opts: { reason: string; by: string },
): Promise<CalendarEntry> {
  const reason = requireReason(opts.reason, ref);
  const entry = findEntry(await releaseCalendar(deps), ref);
  if (entry.status === 'cancelled') return entry;
  const now = nowOf(deps);
  if (entry.draftId) await deps.lifecycle.catalog.transitionDraft(entry.draftId, 'unschedule');
  await deps.calendar.recordChange(entry.key, {
    action: 'cancelled',
    from: entry.at,
    reason,
    by: opts.by,
    at: now.toISOString(),
  });
  // After it is recorded: a one-off that still fires finds the date cancelled and is skipped.
  if (entry.scheduleId && entry.status === 'moved' && deps.firings)
    await deps.firings.dropMovedFiring(entry.scheduleId, firstTimeOf(entry));
  return { ...entry, status: 'cancelled', changes: [...entry.changes] };
}

/**
 * Whether a schedule's firing at `at` should run: not when that date was cancelled or moved
 * (a moved date fires at its new time, see {@link movedFiringsDue}).
 */
export async function firingStands(
  calendar: CalendarStore,
  scheduleId: string,
  at: Date,
): Promise<{ stands: boolean; change?: CalendarChange }> {
  const key = scheduleKey(scheduleId, at);
  const last = (await calendar.amendments()).find((a) => a.entryKey === key)?.changes.at(-1);
  return last ? { stands: false, change: last } : { stands: true };
}

/** The cron time a schedule entry was first planned at (its key's time: the firing's slot). */
function firstTimeOf(entry: CalendarEntry): Date {
  return new Date(/^schedule:.+:(\d{4}-.+Z)$/.exec(entry.key)?.[1] ?? entry.firstPlannedAt);
}

/**
 * Whether a schedule's firing runs, by the calendar (AWS: the scheduled function and the
 * all-zones plan step ask before they run). The recurring firing at `firstAt` runs unless that
 * date was moved or cancelled; the one-off firing of a moved date (`movedTo`) runs only while
 * the latest change is that very move (moved again, or cancelled since: skipped).
 */
export async function firingDecision(
  calendar: CalendarStore,
  firing: { scheduleId: string; firstAt: Date; movedTo?: Date },
): Promise<
  | { runs: true }
  | { runs: false; why: 'cancelled' | 'moved' | 'superseded'; change?: CalendarChange }
> {
  const { stands, change } = await firingStands(calendar, firing.scheduleId, firing.firstAt);
  if (!firing.movedTo)
    return stands ? { runs: true } : { runs: false, why: change!.action, change: change! };
  if (change?.action === 'moved' && Date.parse(change.to!) === firing.movedTo.getTime())
    return { runs: true };
  return { runs: false, why: 'superseded', ...(change ? { change } : {}) };
}

/**
 * The schedule firings moved to a time in (`since`, `now`]: each is fired at its new time under
 * its first time's slot (so a repeated firing finds its run).
 */
export async function movedFiringsDue(
  calendar: CalendarStore,
  since: Date,
  now: Date,
): Promise<{ scheduleId: string; firstAt: Date; movedTo: Date }[]> {
  const due: { scheduleId: string; firstAt: Date; movedTo: Date }[] = [];
  for (const a of await calendar.amendments()) {
    const m = /^schedule:(.+):(\d{4}-.+Z)$/.exec(a.entryKey);
    const last = a.changes.at(-1);
    if (!m || last?.action !== 'moved') continue;
    const to = Date.parse(last.to!);
    if (to > since.getTime() && to <= now.getTime())
      due.push({ scheduleId: m[1]!, firstAt: new Date(m[2]!), movedTo: new Date(to) });
  }
  return due;
}
