/**
 * The release calendar as iCalendar (RFC 5545), through ical-generator: one VEVENT per planned
 * release, its UID the entry's first key (stable across moves), SEQUENCE the number of changes,
 * a cancelled date kept as STATUS:CANCELLED, and each change with its reason in DESCRIPTION.
 */
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { formatBeijing } from '../core/time.ts';
import type { ReleaseCalendar } from './calendar.ts';

/** The UID domain: every UID is `<entry key>@<domain>`. */
const UID_DOMAIN = 'torch-bulletin.calendar';

export function calendarIcs(
  cal: ReleaseCalendar,
  opts: { baseUrl: string; title: string; stamp: Date },
): string {
  const ics = ical({
    name: opts.title,
    description: `各刊物未来 12 个月的发布时间（${formatBeijing(new Date(cal.from), { seconds: true, timeZone: cal.timeZone })} 起）`,
    prodId: { company: 'Torch Bulletin', product: 'release-calendar', language: 'ZH' },
    method: ICalCalendarMethod.PUBLISH,
    url: `${opts.baseUrl}/calendar`,
    ttl: 3600,
  });
  for (const e of cal.entries) {
    const number = e.numbering
      ? ` ${e.numbering.year}年第${e.numbering.number}期(总第${e.numbering.total}期)`
      : '';
    const changes = e.changes.map((c) =>
      c.action === 'moved'
        ? `改期：原定 ${formatBeijing(new Date(c.from), { seconds: true, timeZone: cal.timeZone })}，改为 ${formatBeijing(new Date(c.to!), { seconds: true, timeZone: cal.timeZone })}。原因：${c.reason}`
        : `取消：原定 ${formatBeijing(new Date(c.from), { seconds: true, timeZone: cal.timeZone })}。原因：${c.reason}`,
    );
    const start = new Date(e.at);
    ics.createEvent({
      id: `${e.key}@${UID_DOMAIN}`,
      sequence: e.changes.length,
      stamp: opts.stamp,
      start,
      end: start,
      summary: `${e.status === 'cancelled' ? '【已取消】' : e.status === 'moved' ? '【已改期】' : ''}${e.title}${number}发布`,
      description: [
        `计划发布时间：${formatBeijing(start, { seconds: true, timeZone: cal.timeZone })}`,
        ...(e.numbering && !e.draftId ? ['期号为预计'] : []),
        ...changes,
      ].join('\n'),
      status: e.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      url: `${opts.baseUrl}/calendar#${encodeURIComponent(e.key)}`,
    });
  }
  return ics.toString();
}
