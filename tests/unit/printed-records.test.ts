/**
 * What an issue keeps for its corrections (`printedRecordsOf`: the records it printed, each with
 * what it printed of it) and where (`recordPagesOf`), on real zone profiles of the synthetic
 * dataset. Two promises:
 *
 * - The corrections queue misses nothing a reader sees: each record of a profile is revised in
 *   turn (its value, its reported growth, its reported share), the profile composed again, and
 *   every figure that now prints other text (ranks apart: a rank is not corrected) must be
 *   found by the queue's own comparison (`changedAspects`) of the printed record, on the pages
 *   of the blocks that print it. A count never prints other text after a revision.
 * - The lists do not grow with the number of zones: a count names every zone's record of an
 *   indicator (≈ 6 800 records at 178 zones) and prints none of their values.
 */
import { describe, expect, it } from 'vitest';
import { printedRecordsOf } from '../../functions/app/report-jobs.ts';
import { syntheticReference } from '../../functions/app/synthetic.ts';
import { changedAspects } from '../../functions/app/corrections.ts';
import { composeZoneProfile } from '../../functions/core/compose-zone-profile.ts';
import type { Figure } from '../../functions/core/figures.ts';
import type { IndicatorRecord } from '../../functions/core/model.ts';
import { recordPagesOf } from '../../functions/core/printed-pages.ts';
import { recordKey } from '../../functions/core/record-key.ts';
import type { ReportView } from '../../functions/core/report-parts.ts';
import {
  pickZones,
  syntheticAggregates,
  syntheticRecords,
  syntheticZones,
} from '../../functions/core/synthetic.ts';
import torch from '../../data/series/torch-bulletin.json' with { type: 'json' };
import { seededRandom } from '../support/seeded.ts';

const PERIOD = '2024';

/** The synthetic records of `count` zones; some without reported growth or share (derived). */
function dataset(count: number): IndicatorRecord[] {
  const next = seededRandom(count);
  const zones = [...syntheticAggregates(), ...pickZones(syntheticZones(), count)];
  return syntheticRecords({ seed: 27, zones, firstYear: 2020 }).map((r) => {
    const record: IndicatorRecord = { ...r, revision: 1 };
    if (next() < 0.5) delete record.yoy;
    if (next() < 0.5) delete record.share;
    return record;
  });
}

function profile(count: number, records: IndicatorRecord[], zone: string): ReportView {
  const reference = syntheticReference(count);
  const previous = String(Number(PERIOD) - 1);
  return composeZoneProfile({
    series: reference.seriesById('zone-profile')!,
    date: new Date(0),
    zone,
    zoneRecords: records.filter((r) => r.zone === zone),
    periodRecords: records.filter((r) => r.period === PERIOD || r.period === previous),
    period: PERIOD,
    reference,
    keyIndicators: torch.keyIndicators,
  });
}

/** A figure by what it is made from: the same figure in two compositions of one profile. */
const signature = (f: Figure) =>
  [f.derived ?? '', f.measure ?? '', f.subject ?? '', ...f.refs.map(recordKey)].join('|');

/** Each figure's signature → its texts, in trace order. */
function textsBySignature(view: ReportView): Map<string, { figure: number; text: string }[]> {
  const out = new Map<string, { figure: number; text: string }[]>();
  view.trace.forEach((f, figure) => {
    const list = out.get(signature(f)) ?? [];
    list.push({ figure, text: f.text });
    out.set(signature(f), list);
  });
  return out;
}

/** Each block on its own page: the pages a record's figures print on name their blocks. */
function blockPagesOf(view: ReportView): Record<string, number[]> {
  const anchors = [...new Set(view.placements.map((p) => p.anchor))];
  return Object.fromEntries(anchors.map((a, i) => [a, [i + 1]]));
}

describe('the records an issue keeps for its corrections', () => {
  it('lets the queue find every figure a revision changes, on its pages; a count never changes', () => {
    const count = 12;
    const records = dataset(count);
    const zone = pickZones(syntheticZones(), count)[7]!.id;
    const view = profile(count, records, zone);
    const blockPages = blockPagesOf(view);
    const printed = new Map(
      printedRecordsOf({ reference: syntheticReference(count) }, view).map((p) => [p.key, p]),
    );
    const pages = recordPagesOf(view, blockPages);
    const before = textsBySignature(view);
    const placed = new Map<number, number[]>();
    for (const { figure, anchor } of view.placements)
      placed.set(figure, [...(placed.get(figure) ?? []), ...(blockPages[anchor] ?? [])]);

    // Every record the profile names, and a sample of the rest of its period's records.
    const named = new Set(view.trace.flatMap((f) => f.refs.map(recordKey)));
    const next = seededRandom(11);
    const revised = records.filter(
      (r) =>
        (r.period === PERIOD || r.period === String(Number(PERIOD) - 1)) &&
        next() < (r.zone === zone ? 0.5 : named.has(recordKey(r)) ? 0.15 : 0.01),
    );
    expect(revised.length).toBeGreaterThan(50);

    let changedFigures = 0;
    let countsSeen = 0;
    for (const [n, old] of revised.entries()) {
      // Its value, and in turn its reported growth or its reported share.
      const rate = n % 2 ? 'yoy' : 'share';
      const aspects: Partial<IndicatorRecord>[] = [
        { value: Math.round(old.value * 1.37 * 100 + 1) / 100 },
        ...(old[rate] !== undefined ? [{ [rate]: Math.round((old[rate] + 0.7) * 10) / 10 }] : []),
      ];
      for (const change of aspects) {
        const cur: IndicatorRecord = { ...old, ...change, revision: 2 };
        // A new value as reported: printed as its value, in the indicator's unit.
        if (change.value !== undefined) {
          delete cur.reportedValue;
          delete cur.reportedUnit;
        }
        const now = profile(
          count,
          records.map((r) => (r === old ? cur : r)),
          zone,
        );
        const after = textsBySignature(now);
        const key = recordKey(old);
        for (const [sig, was] of before) {
          const is = after.get(sig);
          // A figure made of other records now (a chart's top zones moved): a ranking moved.
          if (!is || is.length !== was.length) continue;
          was.forEach(({ figure, text }, i) => {
            const f = view.trace[figure]!;
            if (f.derived === 'count') countsSeen++;
            if (is[i]!.text === text || f.derived === 'rank') return;
            const what = `${key} ${JSON.stringify(change)}: ${f.text} → ${is[i]!.text}`;
            expect(f.derived, what).not.toBe('count');
            changedFigures++;
            const p = printed.get(key);
            expect(p, `not kept: ${what}`).toBeDefined();
            expect(changedAspects(p!, old, cur).length, `not listed: ${what}`).toBeGreaterThan(0);
            expect(pages[key], `pages: ${what}`).toEqual(
              expect.arrayContaining(placed.get(figure) ?? []),
            );
          });
        }
      }
    }
    // The revisions changed printed figures of every kind, and counts were compared.
    expect(changedFigures).toBeGreaterThan(100);
    expect(countsSeen).toBeGreaterThan(100);
  }, 120_000);

  it('names as many records at 178 zones as at 30: counts and ranks give none', () => {
    const sizes = [30, 178].map((count) => {
      const records = dataset(count);
      const zone = pickZones(syntheticZones(), count)[7]!.id;
      const view = profile(count, records, zone);
      const printed = printedRecordsOf({ reference: syntheticReference(count) }, view);
      const pages = recordPagesOf(view, blockPagesOf(view));
      // The figures still name every zone's record of an indicator (through counts and ranks).
      const named = new Set(view.trace.flatMap((f) => f.refs.map((r) => r.zone)));
      expect(named.size).toBeGreaterThanOrEqual(count);
      // Kept: the zone's own records, the national aggregate's, and the zones a chart prints.
      const zones = new Set(printed.map((p) => p.key.split('#')[0]));
      expect(zones.size).toBeLessThanOrEqual(15);
      expect(Object.keys(pages).every((k) => zones.has(k.split('#')[0]))).toBe(true);
      return printed.length;
    });
    expect(sizes[1]).toBeLessThanOrEqual(sizes[0]! + 20);
  }, 60_000);
});
