/**
 * Issue 24 items 1–2 in the console, over HTTP as a browser with JavaScript off, against the
 * real API app on real dynalite + s3rver: the 定时任务 page lists each schedule's release dates
 * from the calendar; a 管理员 moves one with a reason (seen on /calendar and in /calendar.ics)
 * or cancels one; a missing reason is refused through the error summary; a 审阅 or 编辑 gets 403;
 * and 待审稿件 marks an embargo past its time in red with how late it is.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../../functions/api/app.ts';
import {
  scheduleRelease,
  triggerReport,
  type LifecycleDeps,
} from '../../functions/app/lifecycle.ts';
import { addAccount } from '../../functions/app/desk.ts';
import { releaseCalendar } from '../../functions/app/calendar.ts';
import { loadSchedules } from '../../functions/app/schedules.ts';
import type { ScheduleDefinition } from '../../functions/contract/schedules.ts';
import { calendarDepsOf } from '../../functions/wiring/calendar.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import {
  publishDeps,
  seedRealData,
  startTestStores,
  type TestStores,
} from '#tests/support/stores.ts';
import { REPO_ROOT } from '#tests/support/stack.ts';
import { createTinyRenderer } from '#tests/support/tiny-renderer.ts';
import { consoleClient } from '#tests/support/console.ts';
import { createOutboxNotifier } from '#adapters/ses/notifier.ts';

const PASSWORD = { editor: 'editor-pass-123', reviewer: 'reviewer-pass-123', admin: 'admin-1234' };

/** `2027-01-18` and `09:30` of an instant in Beijing time. */
const beijingParts = (at: Date) => {
  const b = new Date(at.getTime() + 8 * 3600_000).toISOString();
  return { date: b.slice(0, 10), time: b.slice(11, 16) };
};

describe('the console: release dates on the schedules page, overdue embargoes', () => {
  let stores: TestStores;
  let server: Server;
  let url = '';
  let lifecycle: LifecycleDeps;
  let schedules: ScheduleDefinition[];
  let dir: string;
  const calendar = () => calendarDepsOf(stores.services, schedules);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'console-calendar-'));
    await mkdir(join(dir, 'outbox'));
    const renderer = createTinyRenderer();
    stores = await startTestStores({ renderer });
    await seedRealData(stores.services);
    const s = stores.services;
    lifecycle = lifecycleDepsOf(publishDeps(s, renderer, join(stores.dir, 'work')));
    schedules = await loadSchedules(join(REPO_ROOT, 'data', 'schedules.json'));
    for (const [name, role] of [
      ['王编辑', 'editor'],
      ['李审阅', 'reviewer'],
      ['张管理', 'admin'],
    ] as const)
      await addAccount(s.desk, { name, role, password: PASSWORD[role], by: 'test' });
    const app = createApiApp({
      catalog: s.catalog,
      archive: s.archive,
      subscribers: s.subscribers,
      notifier: s.notifier,
      reference: s.reference,
      config: s.config,
      authenticate: async () => undefined,
      async requestReport() {
        throw new Error('not used here');
      },
      calendar: calendar(),
      console: {
        lifecycle,
        desk: s.desk,
        subscribers: s.subscribers,
        notifier: createOutboxNotifier(join(dir, 'outbox')),
        publicBaseUrl: () => url,
        reference: s.reference,
        series: s.reference.series.map((x) => x.id),
        timeZone: s.config.timeZone,
        presignTtlSeconds: 60,
        calendar: calendar(),
        schedules: {
          list: async () =>
            schedules.map((d) => ({
              id: d.id,
              kind: d.kind,
              cron: d.cron,
              timeZone: d.timeZone,
              description: d.description,
              allZones: d.allZones,
              enabled: d.enabled,
            })),
          setEnabled: () => Promise.reject(new Error('not used here')),
          // 2026-12-06T11:42:41.634Z is 19:42 in Beijing.
          runNow: () => Promise.resolve('2026-12-06T11:42:41.634Z'),
        },
      },
    });
    server = createAdaptorServer({ hostname: '127.0.0.1', fetch: app.fetch }) as Server;
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await stores?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('moves a date with its reason (shown on /calendar and in /calendar.ics); refuses it without one', async () => {
    const monthly = (await releaseCalendar(calendar())).entries.filter(
      (e) => e.scheduleId === 'monthly-bulletin',
    );
    const [first, second] = monthly as [(typeof monthly)[0], (typeof monthly)[0]];
    const admin = consoleClient(url);
    await admin.login('张管理', PASSWORD.admin);
    const page = await admin.get('/console/schedules');
    expect(page.status).toBe(200);
    // Each schedule's dates from the calendar, with a form to move or cancel each.
    expect(page.html).toContain(`value="${first.key}"`);
    expect(page.html).toContain('action="/console/schedules/dates/move"');

    const to = new Date(Date.parse(first.at) + 3 * 86_400_000 + 30 * 60_000);
    const missing = await admin.post('/console/schedules/dates/move', {
      key: first.key,
      ...beijingParts(to),
      reason: ' ',
    });
    expect(missing.status).toBe(400);
    expect(missing.html).toContain('id="error-summary"');
    expect(missing.html).toMatch(/<a href="#d[\w-]+-reason">请写明原因/);
    expect(
      (await releaseCalendar(calendar())).entries.find((e) => e.key === first.key)!.changes,
    ).toEqual([]);

    const reason = '源数据推迟报送，改至下周一发布';
    const moved = await admin.post('/console/schedules/dates/move', {
      key: first.key,
      ...beijingParts(to),
      reason,
    });
    expect(moved.status, moved.html).toBe(303);
    expect(moved.location).toMatch(/done=moved/);
    const after = await admin.get(moved.location!);
    expect(after.html).toContain('id="banner"');
    expect(after.html).toContain(`改期：原定`);
    expect(after.html).toContain(reason);
    // The cron's fire time of that date says it was moved.
    expect(after.html).toMatch(
      /class="next-runs"><ol><li><time datetime="[^"]+">[^<]+<\/time> <span class="tag amber">已改期/,
    );

    const entry = (await releaseCalendar(calendar())).entries.find((e) => e.key === first.key)!;
    expect(entry).toMatchObject({ status: 'moved', at: to.toISOString() });
    expect(entry.changes).toMatchObject([{ action: 'moved', reason, by: '张管理' }]);
    const html = await (await fetch(`${url}/calendar`)).text();
    expect(html).toContain(reason);
    const ics = (await (await fetch(`${url}/calendar.ics`)).text()).replace(/\r\n[ \t]/g, '');
    expect(ics).toContain(reason);
    const record = await stores.services.desk.records({ target: `calendar:${first.key}` });
    expect(record.map((r) => [r.who, r.via, r.action])).toEqual([
      ['张管理', 'console', 'calendar-move'],
    ]);

    // Cancel needs a reason too; with one the date is cancelled and says why.
    const noReason = await admin.post('/console/schedules/dates/cancel', {
      key: second.key,
      reason: '',
    });
    expect(noReason.status).toBe(400);
    expect(noReason.html).toMatch(/<a href="#d[\w-]+-cancel-reason">请写明原因/);
    const cancelled = await admin.post('/console/schedules/dates/cancel', {
      key: second.key,
      reason: '与年度会议冲突，本期取消',
    });
    expect(cancelled.status).toBe(303);
    expect(
      (await releaseCalendar(calendar())).entries.find((e) => e.key === second.key)?.status,
    ).toBe('cancelled');
    expect(await (await fetch(`${url}/calendar`)).text()).toContain('与年度会议冲突，本期取消');
  }, 60_000);

  it('records 立即运行 with its Beijing time, never the ISO instant, on 操作记录', async () => {
    const admin = consoleClient(url);
    await admin.login('张管理', PASSWORD.admin);
    await admin.get('/console/schedules');
    const ran = await admin.post('/console/schedules/monthly-bulletin/run', {});
    expect(ran.status, ran.html).toBe(303);
    const record = await admin.get('/console/record');
    expect(record.html).toContain('立即运行（2026-12-06 19:42 北京时间）');
    expect(record.html).not.toContain('11:42:41');
    // What it was done to, in words: 定时任务 monthly-bulletin, not schedule:monthly-bulletin.
    expect(record.html).toContain('定时任务 monthly-bulletin</span>');
    expect(record.html).not.toContain('"id">schedule:monthly-bulletin</span>');
  }, 60_000);

  it('gives a 审阅 and an 编辑 the dates but no forms, and a 403 on moving or cancelling', async () => {
    const key = (await releaseCalendar(calendar())).entries.find(
      (e) => e.scheduleId === 'monthly-bulletin' && e.status === 'planned',
    )!.key;
    for (const [name, role] of [
      ['李审阅', 'reviewer'],
      ['王编辑', 'editor'],
    ] as const) {
      const person = consoleClient(url);
      await person.login(name, PASSWORD[role]);
      const page = await person.get('/console/schedules');
      expect(page.html).toContain('class="release-date"');
      expect(page.html).not.toContain('action="/console/schedules/dates/move"');
      for (const route of ['move', 'cancel']) {
        const r = await person.post(`/console/schedules/dates/${route}`, {
          key,
          date: '2030-01-01',
          time: '09:00',
          reason: '越权尝试',
        });
        expect(r.status, `${role} ${route}`).toBe(403);
      }
    }
    expect((await releaseCalendar(calendar())).entries.find((e) => e.key === key)?.changes).toEqual(
      [],
    );
  }, 60_000);

  it('marks an embargo past its time and not released in red, with how late', async () => {
    const made = await triggerReport(
      lifecycle,
      { kind: 'indicator-flash' },
      { slotKey: 'overdue-1', trigger: 'test' },
    );
    const draftId = made.draft!.id;
    // 65 s ago: nothing here releases it (this app has no embargo tick).
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 65_000);
    await scheduleRelease(lifecycle, draftId, { at, by: 'test' });
    const reviewer = consoleClient(url);
    await reviewer.login('李审阅', PASSWORD.reviewer);
    const page = await reviewer.get('/console/drafts');
    const row = page.html.split('<tr>').find((r) => r.includes(draftId))!;
    expect(row).toMatch(/<strong class="overdue">逾期 1分\d+秒（应于 .* 北京时间 发布）<\/strong>/);
  }, 60_000);
});
