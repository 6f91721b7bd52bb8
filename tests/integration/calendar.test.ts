/**
 * Issue 24.1: the release calendar (发布日程) through the local server over real dynalite and
 * s3rver, at an injected instant: the next 12 months of each enabled schedule with the expected
 * issue numbers, a scheduled embargo, a moved and a cancelled date with their reasons — on the
 * page, in the `.ics` (parsed back by ical.js and checked against RFC 5545's required
 * properties) and for the local scheduler (a moved date does not fire at its old time, and does
 * at its new one). The archive and the feed link the calendar.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono } from 'hono';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '#errors';
import type { Clock } from '../../functions/app/ports.ts';
import { draftIdFor } from '#core/lifecycle.ts';
import {
  cancelRelease,
  firingStands,
  moveRelease,
  movedFiringsDue,
  releaseCalendar,
  type AmendDeps,
} from '../../functions/app/calendar.ts';
import { scheduleRelease } from '../../functions/app/lifecycle.ts';
import { addAccount } from '../../functions/app/desk.ts';
import { consoleClient } from '#tests/support/console.ts';
import { loadSchedules } from '../../functions/app/schedules.ts';
import { calendarDepsOf } from '../../functions/wiring/calendar.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import { mountCalendar } from '../../functions/api/calendar-page.ts';
import { startLocalServer, type LocalServer } from '#local/server.ts';
import { REPO_ROOT, startTestStack, type TestStack } from '#tests/support/stack.ts';

const NOW = '2026-12-06T12:00:00+08:00';

/** The VEVENTs of an iCalendar text, parsed by ical.js (throws on malformed input). */
function parseIcs(text: string) {
  const root = new ICAL.Component(ICAL.parse(text));
  expect(root.name).toBe('vcalendar');
  expect(root.getFirstPropertyValue('version')).toBe('2.0');
  expect(root.getFirstPropertyValue('prodid')).toBeTruthy();
  return root.getAllSubcomponents('vevent').map((v) => {
    // RFC 5545 3.6.1: UID and DTSTAMP are required, once; DTSTART is required with no METHOD-less
    // calendar (we give one); DTEND, when present, is not before DTSTART.
    for (const name of ['uid', 'dtstamp', 'dtstart'])
      expect(v.getAllProperties(name), name).toHaveLength(1);
    const event = new ICAL.Event(v);
    if (v.hasProperty('dtend'))
      expect(event.endDate.compare(event.startDate)).toBeGreaterThanOrEqual(0);
    return {
      uid: event.uid,
      start: event.startDate.toJSDate().toISOString(),
      summary: event.summary,
      description: event.description,
      sequence: event.sequence,
      status: String(v.getFirstPropertyValue('status')),
    };
  });
}

describe('the release calendar', () => {
  let t: TestStack;
  let server: LocalServer;
  let deps: AmendDeps;
  let at = new Date(NOW);
  /** The test's clock (moved to make an embargo overdue); the server keeps NOW, so its tick
   *  never takes the embargo below for due. */
  const clock: Clock = { now: () => new Date(at) };
  const get = (path: string) => fetch(`${server.url}${path}`);

  beforeAll(async () => {
    t = await startTestStack({ services: { clock: { now: () => new Date(NOW) } } });
    await mkdir(join(t.dir, 'out'), { recursive: true });
    server = await startLocalServer({
      services: t.services,
      loadData: false,
      outboxDir: join(t.dir, 'out'),
      workDir: join(t.dir, 'work'),
      token: 'calendar-test-token',
    });
    const schedules = await loadSchedules(join(REPO_ROOT, 'data', 'schedules.json'));
    deps = {
      ...calendarDepsOf(t.services, schedules),
      clock,
      lifecycle: lifecycleDepsOf(t.publishDeps({ clock })),
    };
  });
  afterAll(async () => {
    await server?.stop();
    await t?.stop();
  });

  it('lists 12 months of each enabled schedule with the expected numbers, as .ics too', async () => {
    const cal = await releaseCalendar(deps);
    const monthly = cal.entries.filter((e) => e.scheduleId === 'monthly-bulletin');
    expect(monthly.map((e) => e.at)).toEqual(
      [
        '2026-12-15',
        '2027-01-15',
        '2027-02-15',
        '2027-03-15',
        '2027-04-15',
        '2027-05-15',
        '2027-06-15',
        '2027-07-15',
        '2027-08-15',
        '2027-09-15',
        '2027-10-15',
        '2027-11-15',
      ].map((d) => new Date(`${d}T09:00:00+08:00`).toISOString()),
    );
    // No issue released yet: numbers continue from the series' reference (2022年第21期, 总第550期).
    expect(monthly.slice(0, 3).map((e) => e.numbering)).toEqual([
      { year: 2026, number: 1, total: 551 },
      { year: 2027, number: 1, total: 552 },
      { year: 2027, number: 2, total: 553 },
    ]);
    expect(cal.entries.map((e) => e.scheduleId)).not.toContain('quarterly-northeast'); // disabled
    const july = cal.entries.filter(
      (e) => e.at === new Date('2027-07-01T09:00:00+08:00').toISOString(),
    );
    expect(july.map((e) => e.scheduleId).sort()).toEqual([
      'yearly-yangtze-delta',
      'yearly-zone-profiles',
    ]);
    // 178 zone profiles at once: their numbers are not known in advance.
    expect(july.find((e) => e.scheduleId === 'yearly-zone-profiles')?.numbering).toBeUndefined();

    const res = await get('/calendar.ics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const events = parseIcs(await res.text());
    expect(events).toHaveLength(cal.entries.length);
    expect(new Set(events.map((e) => e.uid)).size).toBe(events.length);
    const first = events.find((e) => e.start === '2026-12-15T01:00:00.000Z')!;
    expect(first.uid).toBe(
      'schedule:monthly-bulletin:2026-12-15T01:00:00.000Z@torch-bulletin.calendar',
    );
    expect(first.summary).toBe('《火炬动态》 2026年第1期(总第551期)发布');
    expect(first.status).toBe('CONFIRMED');
    // The same UIDs on every request (a calendar app updates, never duplicates).
    expect(parseIcs(await (await get('/calendar.ics')).text()).map((e) => e.uid)).toEqual(
      events.map((e) => e.uid),
    );
  });

  it("follows the schedules' switches: a schedule switched off leaves the calendar, one switched on joins it", async () => {
    const switchTo = (id: string, enabled: boolean) =>
      t.services.desk.setScheduleSwitch({ id, enabled, by: 'admin', at: NOW });
    const ids = async () => new Set((await releaseCalendar(deps)).entries.map((e) => e.scheduleId));
    const icsStarts = async () =>
      parseIcs(await (await get('/calendar.ics')).text()).map((e) => e.uid);
    try {
      await switchTo('monthly-bulletin', false);
      await switchTo('quarterly-northeast', true); // off in data/schedules.json
      const now = await ids();
      expect(now.has('monthly-bulletin')).toBe(false);
      expect(now.has('quarterly-northeast')).toBe(true);
      const uids = await icsStarts();
      expect(uids.some((u) => u.startsWith('schedule:monthly-bulletin:'))).toBe(false);
      expect(uids.some((u) => u.startsWith('schedule:quarterly-northeast:'))).toBe(true);
    } finally {
      await switchTo('monthly-bulletin', true);
      await switchTo('quarterly-northeast', false);
    }
    const back = await ids();
    expect(back.has('monthly-bulletin')).toBe(true);
    expect(back.has('quarterly-northeast')).toBe(false);
  });

  it('moves and cancels a date only with a reason, and shows each change with its date and reason', async () => {
    const reason = '春节假期前数据核对未完成，推迟三天发布';
    await expect(
      moveRelease(deps, 'monthly-bulletin@2027-01-15', {
        to: new Date('2027-01-18T09:00:00+08:00'),
        reason: ' ',
        by: '编辑甲',
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      moveRelease(deps, 'monthly-bulletin@2027-01-15', {
        to: new Date('2026-12-01T09:00:00+08:00'),
        reason,
        by: '编辑甲',
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      cancelRelease(deps, 'monthly-bulletin@2027-01-16', { reason, by: '编辑甲' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(await t.services.calendar.amendments()).toEqual([]);

    const moved = await moveRelease(deps, 'monthly-bulletin@2027-01-15', {
      to: new Date('2027-01-18T09:00:00+08:00'),
      reason,
      by: '编辑甲',
    });
    expect(moved).toMatchObject({
      status: 'moved',
      at: '2027-01-18T01:00:00.000Z',
      firstPlannedAt: '2027-01-15T01:00:00.000Z',
      numbering: { year: 2027, number: 1, total: 552 },
    });
    await cancelRelease(deps, 'monthly-bulletin@2027-02-15', {
      reason: '本月数据并入下期发布',
      by: '编辑乙',
    });
    const cal = await releaseCalendar(deps);
    const march = cal.entries.find((e) => e.ref === 'monthly-bulletin@2027-03-15')!;
    expect(march.numbering).toEqual({ year: 2027, number: 2, total: 553 }); // February took none

    const events = parseIcs(await (await get('/calendar.ics')).text());
    const jan = events.find((e) => e.uid.startsWith('schedule:monthly-bulletin:2027-01-15'))!;
    expect(jan).toMatchObject({ start: '2027-01-18T01:00:00.000Z', sequence: 1 });
    expect(jan.summary).toMatch(/^【已改期】/);
    expect(jan.description).toContain(
      `改期：原定 2027-01-15 09:00:00 北京时间，改为 2027-01-18 09:00:00 北京时间。原因：${reason}`,
    );
    const feb = events.find((e) => e.uid.startsWith('schedule:monthly-bulletin:2027-02-15'))!;
    expect(feb).toMatchObject({ status: 'CANCELLED', sequence: 1 });
    expect(feb.description).toContain('原因：本月数据并入下期发布');

    const page = await get('/calendar');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain(
      `原定 2027-01-15 09:00:00 北京时间，改为 2027-01-18 09:00:00 北京时间。原因：${reason}（2026-12-06 12:00:00 北京时间 公布）`,
    );
    expect(html).toContain('原定 2027-02-15 09:00:00 北京时间，已取消。原因：本月数据并入下期发布');
    expect(html).toContain('2027年第2期(总第553期)（预计）');

    // The local scheduler: the old times do not fire; the new one fires once it has come.
    expect(
      (
        await firingStands(
          t.services.calendar,
          'monthly-bulletin',
          new Date('2027-01-15T01:00:00Z'),
        )
      ).stands,
    ).toBe(false);
    expect(
      (
        await firingStands(
          t.services.calendar,
          'monthly-bulletin',
          new Date('2027-02-15T01:00:00Z'),
        )
      ).stands,
    ).toBe(false);
    expect(
      (
        await firingStands(
          t.services.calendar,
          'monthly-bulletin',
          new Date('2027-03-15T01:00:00Z'),
        )
      ).stands,
    ).toBe(true);
    const due = (since: string, now: string) =>
      movedFiringsDue(t.services.calendar, new Date(since), new Date(now));
    expect(await due('2027-01-18T00:59:00Z', '2027-01-18T00:59:59Z')).toEqual([]);
    expect(await due('2027-01-18T00:59:59Z', '2027-01-18T01:00:00Z')).toEqual([
      {
        scheduleId: 'monthly-bulletin',
        firstAt: new Date('2027-01-15T01:00:00Z'),
        movedTo: new Date('2027-01-18T01:00:00Z'),
      },
    ]);
  });

  it('shows a scheduled embargo in its place, marks it when overdue, and moves it with its draft', async () => {
    const id = draftIdFor('torch-bulletin', 'calendar-test');
    await t.services.cycle.createDraft({
      id,
      series: 'torch-bulletin',
      kind: 'torch-bulletin',
      slotKey: 'calendar-test',
      reportKey: 'torch-bulletin',
      params: {},
      period: '2026-11',
      title: '火炬动态',
      status: 'draft',
      inputHash: 'calendar-test',
      createdAt: new Date(NOW).toISOString(),
    });
    // An embargo on the day of the scheduled release takes that entry's place.
    await scheduleRelease(deps.lifecycle, id, {
      at: new Date('2026-12-15T10:30:00+08:00'),
      by: '编辑甲',
    });
    let dec = (await releaseCalendar(deps)).entries.find((e) => e.draftId === id)!;
    expect(dec).toMatchObject({
      key: 'schedule:monthly-bulletin:2026-12-15T01:00:00.000Z',
      at: '2026-12-15T02:30:00.000Z',
      numbering: { year: 2026, number: 1, total: 551 },
    });
    expect(dec.overdueMs).toBeUndefined();

    // Half an hour past its time and not released: marked, with how late.
    at = new Date('2026-12-15T11:00:00+08:00');
    dec = (await releaseCalendar(deps)).entries.find((e) => e.draftId === id)!;
    expect(dec.overdueMs).toBe(30 * 60_000);
    const page = new Hono();
    mountCalendar(page, { calendar: deps, reference: t.services.reference, baseUrl: () => '' });
    expect(await (await page.request('/calendar')).text()).toContain('逾期 30分，尚未发布');

    await moveRelease(deps, id, {
      to: new Date('2026-12-16T09:00:00+08:00'),
      reason: '等待国家统计局修订数据',
      by: '编辑甲',
    });
    expect((await t.services.cycle.getDraft(id))?.releaseAt).toBe('2026-12-16T01:00:00.000Z');
    dec = (await releaseCalendar(deps)).entries.find((e) => e.draftId === id)!;
    expect(dec).toMatchObject({ status: 'moved', at: '2026-12-16T01:00:00.000Z' });
    expect(dec.changes.at(-1)).toMatchObject({
      from: '2026-12-15T02:30:00.000Z',
      reason: '等待国家统计局修订数据',
    });
    at = new Date(NOW);
  });

  it('marks, on the console 待审稿件 page, an embargo past its time that could not be released, in red', async () => {
    // Its inputs are not what the report prints now: each tick of the server tries and fails.
    const id = draftIdFor('torch-bulletin', 'calendar-overdue');
    await t.services.cycle.createDraft({
      id,
      series: 'torch-bulletin',
      kind: 'torch-bulletin',
      slotKey: 'calendar-overdue',
      reportKey: 'torch-bulletin',
      params: {},
      period: '2026-11',
      title: '火炬动态',
      status: 'draft',
      inputHash: 'stale',
      createdAt: new Date(NOW).toISOString(),
    });
    await scheduleRelease(deps.lifecycle, id, {
      at: new Date('2026-12-06T10:47:55+08:00'),
      by: '编辑甲',
    });
    // The operator page is now the console's 待审稿件 (at the cycle's clock, NOW).
    await addAccount(t.services.desk, {
      name: '审阅乙',
      role: 'reviewer',
      password: 'reviewer-pass-12',
      by: 'test',
    });
    const reviewer = consoleClient(server.url);
    await reviewer.login('审阅乙', 'reviewer-pass-12');
    // The server's tick keeps trying (and failing) to release it: while one attempt holds the
    // draft (releasing), the page shows it as such, so wait for the page between attempts.
    await expect
      .poll(async () => (await reviewer.get('/console/drafts')).html, {
        timeout: 120_000,
        interval: 250,
      })
      // …with why it is still waiting: the last attempt's reason, without the log's tag.
      .toMatch(
        /<strong class="overdue">逾期 1小时12分（应于 2026-12-06 10:47:55 北京时间 发布）；上次发布失败：[^[<\s][^<]+<\/strong>/,
      );
  }, 180_000);

  it('is linked from the archive pages and the feed', async () => {
    const archive = await (await get('/')).text();
    expect(archive).toContain(`href="${server.url}/calendar"`);
    expect(archive).toContain(`href="${server.url}/calendar.ics"`);
    const series = await (await get('/series/torch-bulletin')).text();
    expect(series).toContain('>发布日程</a>');
    const feed = await (await get('/feeds/torch-bulletin.atom')).text();
    expect(feed).toMatch(
      /<link rel="related" type="text\/html" title="发布日程" href="http:\/\/127\.0\.0\.1:\d+\/calendar"\/>/,
    );
    expect(feed).toContain('/calendar.ics"/>');
  });
});
