import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cron } from 'croner';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '#errors';
import { slotKeys } from '../../functions/app/requests.ts';
import { loadSchedules } from '../../functions/app/schedules.ts';
import { scheduledTimeOf } from '#local/server.ts';

const REPO = join(import.meta.dirname, '..', '..');

describe('local schedules', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('reads data/schedules.json: the monthly issue at 09:00 on the 15th, Asia/Shanghai', async () => {
    const [monthly] = await loadSchedules(join(REPO, 'data', 'schedules.json'));
    expect(monthly).toMatchObject({
      id: 'monthly-bulletin',
      kind: 'torch-bulletin',
      params: { series: 'torch-bulletin' },
      cron: '0 9 15 * *',
      timeZone: 'Asia/Shanghai',
    });
    // 09:00 in Shanghai (UTC+8, no daylight saving) is 01:00 UTC.
    const job = new Cron(monthly!.cron, {
      timezone: monthly!.timeZone,
      mode: '5-part',
      paused: true,
    });
    expect(job.nextRuns(2, new Date('2026-01-20T00:00:00Z'))).toEqual([
      new Date('2026-02-15T01:00:00Z'),
      new Date('2026-03-15T01:00:00Z'),
    ]);
    job.stop();
  });

  it('keys a firing on its scheduled minute, however late the job actually ran', () => {
    const job = new Cron('0 9 15 * *', { timezone: 'Asia/Shanghai', mode: '5-part', paused: true });
    const scheduled = new Date('2026-02-15T01:00:00Z');
    for (const lateMs of [0, 3, 1500, 4 * 60_000]) {
      expect(scheduledTimeOf(job, new Date(scheduled.getTime() + lateMs))).toEqual(scheduled);
    }
    job.stop();
    expect(slotKeys.scheduled('monthly-bulletin', scheduled)).toBe(
      'schedule:monthly-bulletin:2026-02-15T01:00:00.000Z',
    );
  });

  it('rejects a malformed schedule naming the file, entry and field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'schedules-test-'));
    dirs.push(dir);
    const file = join(dir, 'schedules.json');
    await writeFile(
      file,
      JSON.stringify([
        {
          id: 'ok',
          kind: 'torch-bulletin',
          series: 'torch-bulletin',
          cron: '0 9 15 * *',
          timeZone: 'Asia/Shanghai',
        },
        {
          id: 'bad',
          kind: 'torch-bulletin',
          series: 'torch-bulletin',
          cron: '0 0 9 15 * *',
          timeZone: 'Mars/Olympus',
        },
      ]),
    );
    const err = await loadSchedules(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    const problems = (err as ValidationError).problems;
    expect(problems.map((p) => [p.location, p.field])).toEqual([
      ['$[1]', 'cron'],
      ['$[1]', 'timeZone'],
    ]);
    expect((err as Error).message).toContain(file);
  });
});
