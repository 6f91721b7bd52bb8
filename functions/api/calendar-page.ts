/**
 * The release calendar for readers: `GET /calendar` (a page, server-rendered, no script) and
 * `GET /calendar.ics` (RFC 5545, to subscribe in a calendar app). Both from `releaseCalendar`,
 * as the CLI and the console show it.
 */
import type { Context, Hono } from 'hono';
import { releaseCalendar, type CalendarDeps, type CalendarEntry } from '../app/calendar.ts';
import { calendarIcs } from '../app/calendar-ics.ts';
import { formatLateness } from '../app/embargo.ts';
import { renderHtml } from '../app/templates.ts';
import { formatBeijing, zonedParts } from '../core/time.ts';
import type { Reference } from '../core/reference.ts';
import { seriesNav } from './views.ts';

export interface CalendarPageDeps {
  calendar: CalendarDeps;
  reference: Reference;
  /** The configured base URL without a trailing slash ('' for root-relative links). */
  baseUrl(): string;
}

/** What a reader's page may load: its own inline styles and nothing else; never framed. */
export const CALENDAR_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];

function entryView(e: CalendarEntry, timeZone: string) {
  const at = new Date(e.at);
  const p = zonedParts(at, timeZone);
  const weekday = WEEKDAYS[new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay()];
  return {
    key: e.key,
    date: `${p.month}月${p.day}日（周${weekday}）`,
    time: `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`,
    iso: e.at,
    title: e.title,
    numbering: e.numbering
      ? `${e.numbering.year}年第${e.numbering.number}期(总第${e.numbering.total}期)`
      : '',
    expected: Boolean(e.numbering && !e.draftId),
    cancelled: e.status === 'cancelled',
    moved: e.status === 'moved',
    overdue: e.overdueMs !== undefined ? `逾期 ${formatLateness(e.overdueMs)}，尚未发布` : '',
    changes: e.changes.map((c) => ({
      text:
        c.action === 'moved'
          ? `原定 ${formatBeijing(new Date(c.from), { seconds: true, timeZone })}，改为 ${formatBeijing(new Date(c.to!), { seconds: true, timeZone })}`
          : `原定 ${formatBeijing(new Date(c.from), { seconds: true, timeZone })}，已取消`,
      reason: c.reason,
      when: formatBeijing(new Date(c.at), { seconds: true, timeZone }),
      moved: c.action === 'moved',
    })),
  };
}

export function mountCalendar(app: Hono, deps: CalendarPageDeps): void {
  const noQuery = (c: Context) =>
    Object.keys(c.req.query()).length
      ? c.json({ error: '查询参数 (query parameters) 无效：此地址不接受任何参数' }, 400)
      : undefined;

  app.get('/calendar', async (c) => {
    const refused = noQuery(c);
    if (refused) return refused;
    const cal = await releaseCalendar(deps.calendar);
    const months = new Map<string, ReturnType<typeof entryView>[]>();
    for (const e of cal.entries) {
      const p = zonedParts(new Date(e.at), cal.timeZone);
      const month = `${p.year}年${p.month}月`;
      months.set(month, [...(months.get(month) ?? []), entryView(e, cal.timeZone)]);
    }
    const baseUrl = deps.baseUrl();
    const html = await renderHtml('calendar', {
      pageTitle: '发布日程 · 火炬动态',
      baseUrl,
      nav: seriesNav(deps.reference, baseUrl),
      from: formatBeijing(new Date(cal.from), { seconds: true, timeZone: cal.timeZone }),
      count: cal.entries.length,
      months: [...months.entries()].map(([month, entries]) => ({ month, entries })),
      icsUrl: `${baseUrl}/calendar.ics`,
    });
    c.header('Content-Security-Policy', CALENDAR_CSP);
    c.header('Cache-Control', 'public, max-age=60');
    return c.html(html);
  });

  app.get('/calendar.ics', async (c) => {
    const refused = noQuery(c);
    if (refused) return refused;
    const cal = await releaseCalendar(deps.calendar);
    const body = calendarIcs(cal, {
      baseUrl: deps.baseUrl(),
      title: '火炬动态 · 发布日程',
      stamp: new Date(cal.from),
    });
    c.header('Content-Type', 'text/calendar; charset=utf-8');
    c.header('Content-Disposition', 'inline; filename="torch-bulletin-calendar.ics"');
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(body);
  });
}
