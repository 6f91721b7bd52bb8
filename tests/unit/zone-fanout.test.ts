/**
 * The fan-out orchestration run locally with stand-in work: bounded concurrency, retries of
 * transient errors only, a failing zone never stopping the others, and the summary — the same
 * logic the state machine's Distributed Map expresses (MaxConcurrency, Retry, Catch).
 */
import { describe, expect, it } from 'vitest';
import {
  batchDetail,
  outcomeOfMapResult,
  runZoneFanout,
  summarizeZoneBatch,
  zoneSlotKey,
  type ZoneOutcome,
} from '../../functions/app/batch.ts';
import { ItemTooLargeError, RenderError, ValidationError } from '../../functions/errors.ts';

const jobs = Array.from({ length: 20 }, (_, i) => ({ zone: `zone-${i}` }));

describe('runZoneFanout', () => {
  it('runs every job with at most `concurrency` in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const outcomes = await runZoneFanout(
      jobs,
      async (job) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
        return { zone: job.zone, status: 'rendered' };
      },
      { concurrency: 3 },
    );
    expect(peak).toBe(3);
    expect(outcomes.map((o) => o.zone)).toEqual(jobs.map((j) => j.zone));
    expect(outcomes.every((o) => o.status === 'rendered' && o.attempts === 1)).toBe(true);
  });

  it('retries transient errors, not bad input, and isolates a zone that keeps failing', async () => {
    const calls = new Map<string, number>();
    const seen: ZoneOutcome[] = [];
    const outcomes = await runZoneFanout(
      jobs.slice(0, 4),
      async (job) => {
        const n = (calls.get(job.zone) ?? 0) + 1;
        calls.set(job.zone, n);
        if (job.zone === 'zone-0' && n === 1) throw new RenderError('browser crashed');
        if (job.zone === 'zone-1') throw new RenderError('always broken');
        if (job.zone === 'zone-2') throw new ValidationError('batch', []);
        return { zone: job.zone, status: 'rendered' };
      },
      { concurrency: 2, retries: 2, onOutcome: (o) => seen.push(o) },
    );
    expect(calls).toEqual(
      new Map([
        ['zone-0', 2],
        ['zone-1', 3],
        ['zone-2', 1],
        ['zone-3', 1],
      ]),
    );
    expect(outcomes.map((o) => [o.zone, o.status])).toEqual([
      ['zone-0', 'rendered'],
      ['zone-1', 'failed'],
      ['zone-2', 'failed'],
      ['zone-3', 'rendered'],
    ]);
    expect(outcomes[0]!.attempts).toBe(2);
    expect(outcomes[1]!.error).toBe('[render] always broken');
    expect(seen).toHaveLength(4);

    const summary = summarizeZoneBatch(outcomes, 2000);
    expect(summary).toMatchObject({
      total: 4,
      rendered: 2,
      skipped: 0,
      failed: 2,
      ratePerSecond: 1,
    });
    expect(summary.failures.map((f) => f.zone)).toEqual(['zone-1', 'zone-2']);
  });
});

describe('retries told as they happen', () => {
  it('reports each failed attempt that is tried again, and does not retry an item too large', async () => {
    const retried: string[] = [];
    const outcomes = await runZoneFanout(
      jobs.slice(0, 2),
      async (job) => {
        if (job.zone === 'zone-0') throw new RenderError('browser crashed');
        throw new ItemTooLargeError('catalog', '期 zone-profile-1 的目录条目约 452 kB');
      },
      {
        concurrency: 2,
        retries: 2,
        onRetry: (job, attempt, err) => retried.push(`${job.zone}#${attempt}: ${String(err)}`),
      },
    );
    expect(retried).toEqual([
      'zone-0#1: RenderError: [render] browser crashed',
      'zone-0#2: RenderError: [render] browser crashed',
    ]);
    expect(outcomes.map((o) => [o.zone, o.status, o.attempts])).toEqual([
      ['zone-0', 'failed', undefined],
      ['zone-1', 'failed', undefined],
    ]);
  });

  it('says in the progress what happens between outcomes', () => {
    expect(
      batchDetail({ done: 0, total: 178, rendered: 0, skipped: 0, noData: 0, failed: 0 }),
    ).toBe('');
    expect(
      batchDetail({
        done: 0,
        total: 178,
        rendered: 0,
        skipped: 0,
        noData: 0,
        failed: 0,
        prints: 604,
        reprints: 598,
        retries: 2,
        browserLosses: 1,
        lastError: 'zhongguancun：[catalog] 期 zone-profile-1 的目录条目约 452 kB',
      }),
    ).toBe(
      '已印 604 次（重印 598） · 重试 2 · Chromium 意外断开 1 次（已重启） · 最近错误：zhongguancun：[catalog] 期 zone-profile-1 的目录条目约 452 kB',
    );
  });
});

describe('state machine results', () => {
  it('reads outcomes and caught errors of the Distributed Map alike', () => {
    const rendered = { zone: 'a', status: 'rendered', issueId: 'zone-profile-1', pages: 4 };
    const caught = {
      zone: 'b',
      period: '2024',
      error: {
        Error: 'RenderError',
        Cause: JSON.stringify({ errorType: 'RenderError', errorMessage: '[render] timed out' }),
      },
    };
    const timeout = { zone: 'c', error: { Error: 'States.Timeout', Cause: 'task timed out' } };
    expect(outcomeOfMapResult(rendered)).toMatchObject({ zone: 'a', status: 'rendered', pages: 4 });
    expect(outcomeOfMapResult(caught)).toEqual({
      zone: 'b',
      status: 'failed',
      error: '[render] timed out',
    });
    expect(outcomeOfMapResult(timeout)).toEqual({
      zone: 'c',
      status: 'failed',
      error: 'task timed out',
    });
  });

  it('keys a zone profile by zone, period, inputs and run', () => {
    const hash = 'ab'.repeat(32);
    expect(zoneSlotKey('wuhan-donghu', '2024', hash, 'run1')).toBe(
      `zone-profile/wuhan-donghu/2024/${hash.slice(0, 24)}/run1`,
    );
  });
});
