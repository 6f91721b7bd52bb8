/**
 * Issue 26.c: a ranking of a lower-is-better indicator (industrial energy intensity, 吨标准煤/万元)
 * puts the lowest first — no fixture ranked one before. Expectations written by hand.
 */
import { describe, expect, it } from 'vitest';
import { referenceData } from '../../functions/app/reference-data.ts';
import { rank } from '../../functions/core/rankings.ts';

describe('a lower-is-better ranking', () => {
  it('ranks the lowest energy intensity first, ties sharing a rank', () => {
    const indicator = referenceData().indicator('industrial-energy-intensity')!;
    expect(indicator.higherIsBetter).toBe(false);
    const zones = [
      { zone: 'kunshan', value: 0.31 },
      { zone: 'nanjing', value: 0.18 },
      { zone: 'wuxi', value: 0.52 },
      { zone: 'hefei', value: 0.18 },
    ];
    const ranked = rank(zones, (z) => z.value, indicator.higherIsBetter);
    // By hand: 0.18 (nanjing, hefei: 1st, tied) < 0.31 (kunshan: 3rd) < 0.52 (wuxi: 4th).
    expect(ranked.map((r) => [r.item.zone, r.rank])).toEqual([
      ['nanjing', 1],
      ['hefei', 1],
      ['kunshan', 3],
      ['wuxi', 4],
    ]);
  });
});
