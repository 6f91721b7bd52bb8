/**
 * The 定时任务 page's release dates: each schedule's upcoming dates from the release calendar
 * (the function `/calendar` uses), each changed one with when and why, and for a 管理员 a form
 * to move a date (a new Beijing time) or cancel it, a reason required either way.
 */
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts';
import {
  cancelRelease,
  moveRelease,
  releaseCalendar,
  type CalendarEntry,
} from '../../app/calendar.ts';
import type { ConsoleApp, ConsoleContext, ConsoleKit, FieldError } from './kit.ts';
import { beijingInstant } from './drafts.ts';

/** How many upcoming dates a schedule shows (all of them: /calendar); changed ones always. */
const SHOWN = 6;

const STATUS = { planned: '', moved: '已改期', cancelled: '已取消' } as const;

/** A form's fields get ids of its entry, so the error summary links the right field. */
const formId = (key: string) => `d${Buffer.from(key).toString('base64url')}`;

/**
 * Each schedule's dates, by schedule id, for the template; and each cron firing whose date was
 * moved or cancelled (by its calendar key), in words, so its fire times do not mislead.
 */
export async function scheduleDates(
  kit: ConsoleKit,
): Promise<{ dates: Map<string, object[]>; changed: Map<string, string> }> {
  const dates = new Map<string, object[]>();
  const changed = new Map<string, string>();
  if (!kit.deps.calendar) return { dates, changed };
  const cal = await releaseCalendar(kit.deps.calendar);
  for (const e of cal.entries) {
    if (!e.scheduleId) continue;
    if (e.status !== 'planned') changed.set(e.key, e.status === 'moved' ? '已改期' : '已取消');
    const list = dates.get(e.scheduleId) ?? [];
    if (list.length >= SHOWN && !e.changes.length) continue;
    list.push(view(e));
    dates.set(e.scheduleId, list);
  }
  return { dates, changed };
}

function view(e: CalendarEntry) {
  return {
    key: e.key,
    ref: e.ref,
    form: formId(e.key),
    at: e.at,
    title: e.title,
    status: STATUS[e.status],
    cancelled: e.status === 'cancelled',
    numbering: e.numbering ? `${e.numbering.year}年第${e.numbering.number}期` : '',
    changes: e.changes.map((c) => ({ ...c, moved: c.action === 'moved' })),
  };
}

const reason = z
  .string({ message: '请写明原因' })
  .trim()
  .min(2, '请写明原因（2–500 字），原因将与改动一并公布')
  .max(500, '原因不超过 500 字');

const moveForm = z
  .object({ key: z.string().min(1), date: z.string(), time: z.string(), reason })
  .superRefine((v, ctx) => {
    if (!beijingInstant(v.date, v.time))
      ctx.addIssue({
        code: 'custom',
        path: ['date'],
        message: '请输入有效的新发布日期和时间（北京时间），例如 2027-01-18 和 09:30',
      });
  });
const cancelForm = z.object({ key: z.string().min(1), reason });

/**
 * Adds the move and cancel routes. `show` renders the schedules page (with errors, 400).
 */
export function mountScheduleDates(
  app: ConsoleApp,
  kit: ConsoleKit,
  show: (c: ConsoleContext, extra: object, status: 400 | 404 | 409) => Promise<Response>,
): void {
  /** The errors linked to the fields of the entry's form, which opens again. */
  const failed = (key: string, es: FieldError[], cancel = false) => ({
    failed: formId(key),
    errors: es.map((e) => ({
      ...e,
      field: `${formId(key)}-${cancel ? 'cancel-reason' : e.field === 'to' ? 'date' : e.field}`,
    })),
  });
  const amend = async (
    c: ConsoleContext,
    action: 'calendar-move' | 'calendar-cancel',
    key: string,
    run: () => Promise<CalendarEntry>,
  ) => {
    let entry: CalendarEntry;
    try {
      entry = await run();
    } catch (err) {
      if (err instanceof ValidationError)
        return show(
          c,
          failed(
            key,
            err.problems.map((p) => ({ field: p.field ?? 'reason', message: p.message })),
            action === 'calendar-cancel',
          ),
          400,
        );
      if (err instanceof NotFoundError || err instanceof ConflictError)
        return show(
          c,
          { errors: [{ field: formId(key), message: err.message }] },
          err instanceof NotFoundError ? 404 : 409,
        );
      throw err;
    }
    const last = entry.changes.at(-1);
    await kit.record(c, {
      action,
      target: `calendar:${entry.key}`,
      detail:
        action === 'calendar-move'
          ? `改期 ${entry.firstPlannedAt} → ${entry.at}：${last?.reason ?? ''}`
          : `取消 ${entry.at}：${last?.reason ?? ''}`,
    });
    return kit.done(
      c,
      `/console/schedules?id=${encodeURIComponent(entry.ref)}`,
      action === 'calendar-move' ? 'moved' : 'cancelled',
    );
  };
  const deps = () => ({ ...kit.deps.calendar!, lifecycle: kit.deps.lifecycle });
  const by = (c: ConsoleContext) => c.get('person').name;
  /** The form's entry key, also when the form has errors. */
  const keyOf = async (c: ConsoleContext) => String((await c.req.parseBody())['key'] ?? '');

  app.post('/console/schedules/dates/move', kit.allow('calendar-move'), async (c) => {
    const form = await kit.form(c, moveForm);
    const key = await keyOf(c);
    if (!kit.deps.calendar)
      return show(c, { errors: [{ field: 'form', message: '没有发布日程' }] }, 404);
    if ('errors' in form) return show(c, failed(key, form.errors), 400);
    const { date, time, reason: why } = form.data;
    return amend(c, 'calendar-move', key, () =>
      moveRelease(deps(), key, { to: beijingInstant(date, time)!, reason: why, by: by(c) }),
    );
  });

  app.post('/console/schedules/dates/cancel', kit.allow('calendar-cancel'), async (c) => {
    const form = await kit.form(c, cancelForm);
    const key = await keyOf(c);
    if (!kit.deps.calendar)
      return show(c, { errors: [{ field: 'form', message: '没有发布日程' }] }, 404);
    if ('errors' in form) return show(c, failed(key, form.errors, true), 400);
    const why = form.data.reason;
    return amend(c, 'calendar-cancel', key, () =>
      cancelRelease(deps(), key, { reason: why, by: by(c) }),
    );
  });
}
