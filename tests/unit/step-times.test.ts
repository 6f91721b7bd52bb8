import { describe, expect, it } from 'vitest';
import { countSteps, timed, timedAsync } from '../../functions/app/step-times.ts';

describe('step times (the bench split of a run)', () => {
  it('adds each step only while a counter runs, and returns what the work returns', async () => {
    expect(timed('compose', () => 1)).toBe(1); // nothing counting: nothing kept
    const stop = countSteps();
    expect(timed('compose', () => 2)).toBe(2);
    expect(timed('compose', () => 3)).toBe(3);
    expect(await timedAsync('workbook', () => Promise.resolve('x'))).toBe('x');
    expect(() =>
      timed('hash', () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    const totals = stop();
    expect(totals.compose?.count).toBe(2);
    expect(totals.workbook?.count).toBe(1);
    expect(totals.hash?.count).toBe(1); // a step that throws still took its time
    expect(totals.compose!.ms).toBeGreaterThanOrEqual(0);
    timed('html', () => undefined); // stopped: not counted
    expect(totals.html).toBeUndefined();
  });
});
