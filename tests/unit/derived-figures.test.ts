/**
 * The derived figures the fidelity run over data/ never meets: a growth computed from the same
 * period a year earlier and a share computed over the whole country's record, for records
 * that report neither. Composed into a bulletin and checked by the fidelity check, so that a
 * wrong base or a wrong denominator in `growthOf` / `shareOf` fails `npm test`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { referenceData } from '../../functions/app/reference-data.ts';
import { composeBulletin } from '../../functions/core/compose-bulletin.ts';
import type { IndicatorRecord } from '../../functions/core/model.ts';
import type { Reference } from '../../functions/core/reference.ts';
import { fidelityProblems, unprintedFigures } from '../support/fidelity.ts';
import { readRecords, repoRecordFiles } from '../support/trace.ts';

const SOURCE = '合成测试数据（派生数字的检查）';

describe('derived growth and shares in a composed bulletin', () => {
  let ref: Reference;
  let records: IndicatorRecord[];

  beforeAll(async () => {
    ref = referenceData();
    const real = await readRecords(ref, repoRecordFiles);
    const rec = (zone: string, period: string, value: number): IndicatorRecord => ({
      zone,
      indicator: 'gdp',
      period,
      value,
      source: SOURCE,
      revision: 1,
    });
    // The national GDP of 2024 without its reported growth and share, the year before, and
    // the country's GDP of 2024: the bulletin computes both.
    records = [
      ...real.filter(
        (r) => !(r.zone === 'national-htz' && r.indicator === 'gdp' && r.period === '2024'),
      ),
      rec('national-htz', '2024', 193_000),
      rec('national-htz', '2023', 180_000),
      rec('china', '2024', 1_349_084),
    ];
  });

  it('computes them from the right base and denominator, and prints them', () => {
    const view = composeBulletin({
      series: ref.seriesById('torch-bulletin')!,
      issue: { year: 2026, number: 1, total: 551 },
      date: new Date('2026-11-20T01:00:00Z'),
      period: '2024',
      records,
      articles: [],
      reference: ref,
      expectedIndicators: ref.seriesById('torch-bulletin')!.keyIndicators,
    });
    const derived = view.trace.filter(
      (f) => f.derived === 'yoy-from-previous-period' || f.derived === 'share-of-china',
    );
    expect(fidelityProblems(view.trace, records, ref).problems).toEqual([]);
    expect(derived.map((f) => [f.derived, f.text])).toEqual(
      expect.arrayContaining([
        ['yoy-from-previous-period', '7.2%'],
        ['share-of-china', '14.3%'],
      ]),
    );
    const table = view.sections
      .flatMap((s) => s.blocks)
      .find((b) => b.table?.anchor === 'key-table')!.table!;
    const printed = table.rows.flatMap((r) => r.cells.map((c) => c.text)).join('\n');
    expect(unprintedFigures(derived, printed)).toEqual([]);
  });
});
