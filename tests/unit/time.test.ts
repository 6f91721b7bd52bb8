import { describe, expect, it } from 'vitest';
import { formatBeijing, isoBeijing, withBeijingOffsets } from '../../functions/core/time.ts';

describe('Beijing time for people, ISO with offset for scripts', () => {
  it('names the zone after a Beijing wall-clock time, whatever zone the instant was given in', () => {
    expect(formatBeijing('2026-12-06T02:48:00Z')).toBe('2026-12-06 10:48 北京时间');
    expect(formatBeijing('2026-12-01T09:30+08:00')).toBe('2026-12-01 09:30 北京时间');
    // Past midnight in Beijing while still the day before in UTC.
    expect(formatBeijing(new Date('2026-12-31T16:05:09Z'), { seconds: true })).toBe(
      '2027-01-01 00:05:09 北京时间',
    );
    expect(formatBeijing('2026-12-06T02:48:00Z', { zone: false })).toBe('2026-12-06 10:48');
  });

  it('is the one formatter: a configured zone other than Beijing is named by its id', () => {
    // What core/display.ts formatZoned and formatLocalTime did (merged here, issue 24).
    const at = new Date('2026-12-31T23:00:00Z');
    expect(formatBeijing(at, { seconds: true, timeZone: 'UTC' })).toBe('2026-12-31 23:00:00 UTC');
    expect(formatBeijing(at, { seconds: true, timeZone: 'Asia/Chongqing' })).toBe(
      '2027-01-01 07:00:00 北京时间',
    );
    expect(formatBeijing(at, { zone: false, timeZone: 'UTC' })).toBe('2026-12-31 23:00');
  });

  it('keeps the instant in ISO with +08:00', () => {
    expect(isoBeijing('2026-12-06T02:48:00Z')).toBe('2026-12-06T10:48:00+08:00');
    expect(isoBeijing('2026-12-06T02:48:00.250Z')).toBe('2026-12-06T10:48:00.250+08:00');
    expect(Date.parse(isoBeijing('2026-12-31T16:05:09Z'))).toBe(Date.parse('2026-12-31T16:05:09Z'));
  });
});

describe('withBeijingOffsets (JSON for scripts)', () => {
  it('rewrites every UTC instant, nested, and nothing else', () => {
    const out = withBeijingOffsets({
      publishedAt: '2026-12-06T02:48:00.000Z',
      runs: [{ startedAt: '2026-12-06T02:48:05Z', slotKey: 'schedule:2026-12-06T02:48:00Z' }],
      period: '2024',
      pages: 8,
    });
    expect(out).toEqual({
      publishedAt: '2026-12-06T10:48:00+08:00',
      runs: [{ startedAt: '2026-12-06T10:48:05+08:00', slotKey: 'schedule:2026-12-06T02:48:00Z' }],
      period: '2024',
      pages: 8,
    });
  });
});
