/**
 * Issue 26.c: a ranking of a lower-is-better indicator (industrial energy intensity, 吨标准煤/万元)
 * puts the lowest first — no fixture ranked one before. Expectations written by hand.
 */
import { describe, expect, it } from 'vitest';
import { referenceData } from '../../functions/app/reference-data.ts';
import type { IndicatorRecord } from '../../functions/core/model.ts';
import { rank } from '../../functions/core/rankings.ts';
import { reportKind } from '../../functions/reports/registry.ts';
import { fidelityProblems } from '../support/fidelity.ts';
import { recordsIn } from '../support/records-in.ts';
import { readRecords, repoRecordFiles } from '../support/trace.ts';

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

  it("prints a zone profile's ranks of a lower-is-better indicator lowest first, nationally and in its region", async () => {
    // A fixture: four national zones report energy intensity for 2024 (the repository's data
    // has it for the national aggregate only, so no report ranked it and a planted call site
    // ranking it higher-is-better passed every test).
    const ref = referenceData();
    const energy = (zone: string, value: number) =>
      ({
        zone,
        indicator: 'industrial-energy-intensity',
        period: '2024',
        value,
        source: '测试来源（能耗）',
        revision: 1,
      }) as IndicatorRecord;
    const records = [
      ...(await readRecords(ref, repoRecordFiles)),
      energy('kunshan', 0.31),
      energy('nanjing', 0.18),
      energy('wuxi', 0.52),
      energy('hefei', 0.25),
    ];
    const ctx = { records: recordsIn(records), reference: ref, timeZone: 'Asia/Shanghai' };
    const kind = reportKind('zone-profile');
    const params = { zone: 'nanjing', period: '2024' };
    const series = ref.seriesById(kind.seriesOf(params))!;
    const resolved = await kind.resolve(ctx, params);
    const loaded = await kind.load(ctx, resolved);
    const view = kind.compose(ctx, series, resolved, loaded.inputs, {
      date: new Date('2026-11-20T01:00:00Z'),
    });
    const ranks = view.trace.filter(
      (f) =>
        f.derived === 'rank' &&
        f.subject === 'nanjing' &&
        f.refs.every((r) => r.indicator === 'industrial-energy-intensity'),
    );
    // By hand: nationally 0.18 (nanjing) < 0.25 (hefei) < 0.31 (kunshan) < 0.52 (wuxi): 1st of 4;
    // in 东部 (nanjing, kunshan, wuxi; hefei is 中部): 1st of 3. Higher-is-better would say 4th, 3rd.
    expect(ranks.map((f) => [f.refs.length, f.text]).sort()).toEqual([
      [3, '1'],
      [4, '1'],
    ]);
    expect(fidelityProblems(ranks, records, ref).problems).toEqual([]);
  });
});
