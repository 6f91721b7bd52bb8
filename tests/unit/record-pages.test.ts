/**
 * The pages each record's figures print on (an issue's `recordPages`, read by a correction's
 * 勘误说明): gathered zone → indicator → period, it must give exactly what the plain definition
 * gives — every figure's records but a rank's or a count's, with the pages of every block it is
 * placed in, distinct and ascending, keyed by `recordKey` in plain string order.
 */
import { describe, expect, it } from 'vitest';
import { recordPagesOf } from '../../functions/core/printed-pages.ts';
import { recordKey } from '../../functions/core/record-key.ts';
import type { Figure, FigureRef } from '../../functions/core/figures.ts';
import type { ReportView } from '../../functions/core/report-parts.ts';
import { seededRandom } from '../support/seeded.ts';

/** The definition, written plainly (as it was before issue 27 made it cheaper). */
function plainRecordPages(
  view: Pick<ReportView, 'trace' | 'placements'>,
  blockPages: Record<string, number[]>,
): Record<string, number[]> {
  const pages = new Map<string, Set<number>>();
  for (const { figure, anchor } of view.placements) {
    const f = view.trace[figure];
    const on = blockPages[anchor];
    if (!f || f.derived === 'rank' || f.derived === 'count' || !on?.length) continue;
    for (const r of f.refs) {
      const set = pages.get(recordKey(r)) ?? new Set<number>();
      for (const p of on) set.add(p);
      pages.set(recordKey(r), set);
    }
  }
  return Object.fromEntries(
    [...pages]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, s]) => [k, [...s].sort((a, b) => a - b)]),
  );
}

const ref = (zone: string, indicator: string, period: string): FigureRef => ({
  zone,
  indicator,
  period,
  revision: 1,
  source: 's',
  value: 1,
});

describe('recordPagesOf', () => {
  it('keys in plain string order even where an id continues past another (a#… before a-b#…, a!b#… before a#…)', () => {
    const view: Pick<ReportView, 'trace' | 'placements'> = {
      trace: [
        {
          text: 'x',
          value: 1,
          refs: [
            ref('a-b', 'gdp', '2024'),
            ref('a', 'gdp', '2024'),
            ref('a!b', 'gdp', '2024'),
            ref('a', 'gdp!x', '2024'),
            ref('a', 'gdp', '2023'),
          ],
        },
        { text: 'y', value: 2, refs: [ref('zz', 'gdp', '2024')], derived: 'rank' },
      ],
      placements: [
        { figure: 0, anchor: 'late' },
        { figure: 0, anchor: 'early' },
        { figure: 1, anchor: 'early' },
        { figure: 0, anchor: 'unprinted' },
      ],
    };
    const out = recordPagesOf(view, { early: [2, 3], late: [3, 5], unprinted: [] });
    expect(Object.keys(out)).toEqual([
      'a!b#gdp#2024',
      'a#gdp!x#2024',
      'a#gdp#2023',
      'a#gdp#2024',
      'a-b#gdp#2024',
    ]);
    expect(out['a#gdp#2024']).toEqual([2, 3, 5]);
    expect(out).toEqual(plainRecordPages(view, { early: [2, 3], late: [3, 5], unprinted: [] }));
  });

  it('gives what the plain definition gives, on 200 random views', () => {
    const next = seededRandom(27);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const ids = ['a', 'a-b', 'a!', 'ab', 'b', 'b_1', 'a-', '0', 'z!z'];
    for (let round = 0; round < 200; round++) {
      const trace: Figure[] = Array.from({ length: 1 + Math.floor(next() * 12) }, () => ({
        text: 't',
        value: 0,
        refs: Array.from({ length: Math.floor(next() * 6) }, () =>
          ref(pick(ids), pick(ids), pick(['2023', '2024', '2024Q1'])),
        ),
        ...(next() < 0.2 ? { derived: next() < 0.5 ? ('rank' as const) : ('count' as const) } : {}),
      }));
      const anchors = ['p', 'q', 'r', 's'];
      const blockPages = Object.fromEntries(
        anchors.map((a) => [
          a,
          Array.from({ length: Math.floor(next() * 3) }, () => 1 + Math.floor(next() * 4)),
        ]),
      );
      const placements = Array.from({ length: Math.floor(next() * 16) }, () => ({
        figure: Math.floor(next() * (trace.length + 1)), // now and then a figure not in `trace`
        anchor: pick([...anchors, 'nowhere']),
      }));
      const view = { trace, placements };
      const out = recordPagesOf(view, blockPages);
      expect(JSON.stringify(out)).toBe(JSON.stringify(plainRecordPages(view, blockPages)));
    }
  });
});
