import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSchedules, toSchedulerCron } from '../../infra/schedule-config.ts';

describe('schedules → EventBridge Scheduler cron', () => {
  it('turns standard 5-field cron into the 6-field form with ? in the unused day field', () => {
    expect(toSchedulerCron('0 9 15 * *')).toBe('cron(0 9 15 * ? *)');
    expect(toSchedulerCron('30 9 1 1,4,7,10 *')).toBe('cron(30 9 1 1,4,7,10 ? *)');
    expect(toSchedulerCron('0 9 * * *')).toBe('cron(0 9 * * ? *)');
  });

  it('renumbers days of the week (Sunday 0 or 7 → 1) but not step counts', () => {
    expect(toSchedulerCron('0 9 * * 1')).toBe('cron(0 9 ? * 2 *)');
    expect(toSchedulerCron('0 9 * * 0,7')).toBe('cron(0 9 ? * 1,1 *)');
    expect(toSchedulerCron('0 9 * * 1-5/2')).toBe('cron(0 9 ? * 2-6/2 *)');
    expect(toSchedulerCron('0 9 * * mon')).toBe('cron(0 9 ? * MON *)');
  });

  it('refuses what EventBridge cannot express, naming the expression', () => {
    expect(() => toSchedulerCron('0 9 15 * 1')).toThrow(/"0 9 15 \* 1".*either/);
    expect(() => toSchedulerCron('0 9 15 *')).toThrow(/expected 5 fields/);
    expect(() => toSchedulerCron('0 9 * * 8')).toThrow(/out of range/);
  });

  it('loads data/schedules.json and rejects a bad file with its path and field', async () => {
    const schedules = loadSchedules();
    expect(schedules.map((s) => s.id)).toContain('monthly-bulletin');
    expect(schedules.every((s) => s.timeZone === 'Asia/Shanghai')).toBe(true);

    const dir = await mkdtemp(join(tmpdir(), 'schedules-'));
    const bad = join(dir, 'schedules.json');
    await writeFile(bad, JSON.stringify([{ id: 'x', kind: 'newsletter', cron: '0 9 15 * *' }]));
    expect(() => loadSchedules(bad)).toThrow(/schedules\.json.*kind/s);
    await writeFile(bad, JSON.stringify([{ id: 'x', kind: 'torch-bulletin', cron: '0 9 15 * 1' }]));
    expect(() => loadSchedules(bad)).toThrow(/either/);
  });
});
