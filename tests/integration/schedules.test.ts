/**
 * The schedules of data/schedules.json in `bulletin serve`, on dynalite + s3rver with the
 * repository's data: a disabled schedule gets no cron job, and each kind's schedule — the
 * regional report of a region, the all-zones batch of zone profiles — publishes what it says
 * when its firing runs (called directly, not by waiting on the clock), once per firing.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleOutcome } from '../../functions/app/schedules.ts';
import { startLocalServer, type LocalServer } from '#local/server.ts';
import { REPO_ROOT, startTestStack, type TestStack } from '../support/stack.ts';
import { createTinyRenderer } from '../support/tiny-renderer.ts';

const FIRED = new Date('2026-07-01T01:00:00.000Z');

describe('schedules in bulletin serve', () => {
  let t: TestStack;
  let server: LocalServer;

  beforeAll(async () => {
    // The subject is which reports the schedules publish, not the printing.
    t = await startTestStack({ services: { renderer: createTinyRenderer() } });
    await t.ingestRepoData();
    server = await startLocalServer({
      services: t.services,
      loadData: false,
      schedules: join(REPO_ROOT, 'data', 'schedules.json'),
      outboxDir: join(t.dir, 'outbox'),
      workDir: join(t.dir, 'work'),
      token: 'schedules-test-token',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await t?.stop();
  });

  it('gives every enabled schedule a next run and a disabled one none', () => {
    const byId = new Map(server.schedules.map((s) => [s.id, s]));
    expect([...byId.keys()]).toEqual([
      'monthly-bulletin',
      'yearly-zone-profiles',
      'yearly-yangtze-delta',
      'quarterly-northeast',
    ]);
    expect(byId.get('quarterly-northeast')).toMatchObject({ enabled: false, nextRun: null });
    for (const id of ['monthly-bulletin', 'yearly-zone-profiles', 'yearly-yangtze-delta'])
      expect(byId.get(id)?.nextRun, id).toBeInstanceOf(Date);
    // 09:00 on 1 July in Shanghai.
    expect(byId.get('yearly-zone-profiles')?.nextRun?.toISOString()).toMatch(
      /-07-01T01:00:00\.000Z$/,
    );
  });

  const oneReport = (o: ScheduleOutcome) => {
    if (o.allZones) throw new Error('expected one report');
    return o;
  };

  it('releases the regional report of its region once per firing (its series needs no review)', async () => {
    const first = oneReport(await server.runSchedule('yearly-yangtze-delta', FIRED));
    expect(first).toMatchObject({ outcome: 'released', printed: true });
    expect(first.issue).toMatchObject({
      series: 'regional-report',
      kind: 'regional-report',
      status: 'published',
      slotKey: 'schedule:yearly-yangtze-delta:2026-07-01T01:00:00.000Z',
    });
    expect(first.issue!.title).toContain('长三角');
    const again = oneReport(await server.runSchedule('yearly-yangtze-delta', FIRED));
    expect(again).toMatchObject({ printed: false, issue: { id: first.issue!.id } });
  });

  it('runs the all-zones batch: a profile of each zone with data, nothing again when unchanged', async () => {
    const first = await server.runSchedule('yearly-zone-profiles', FIRED);
    if (!first.allZones) throw new Error('expected the all-zones batch');
    expect(first.summary.failed).toBe(0);
    expect(first.summary.rendered).toBeGreaterThan(1);
    const published = await t.services.catalog.list('zone-profile', {
      limit: 100,
      status: 'published',
    });
    expect(published.items).toHaveLength(first.summary.rendered);

    const again = await server.runSchedule('yearly-zone-profiles', FIRED);
    if (!again.allZones) throw new Error('expected the all-zones batch');
    expect(again.summary).toMatchObject({ rendered: 0, failed: 0 });
    expect(again.summary.skipped).toBe(first.summary.total);
  });
});
