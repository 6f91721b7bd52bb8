/**
 * Issue 26.c: what defeats skip-unchanged besides the data — the template files and the series
 * configuration are in a report's build key, so a changed template or series makes a new draft
 * (a build key without the templates passed every test before).
 */
import { describe, expect, it } from 'vitest';
import { referenceData } from '../../functions/app/reference-data.ts';
import { buildKeyOf } from '../../functions/app/report-jobs.ts';

describe('the build key of a report', () => {
  const reference = referenceData();
  const deps = { reference, timeZone: 'Asia/Shanghai' };
  const series = reference.seriesById('torch-bulletin')!;

  it('is stable for the same templates, series and reference data', async () => {
    const a = await buildKeyOf(deps, { template: 'torch-bulletin/report.hbs' }, series);
    expect(await buildKeyOf(deps, { template: 'torch-bulletin/report.hbs' }, series)).toBe(a);
  });

  it('changes with the template files the kind prints with', async () => {
    const bulletin = await buildKeyOf(deps, { template: 'torch-bulletin/report.hbs' }, series);
    const other = await buildKeyOf(deps, { template: 'zone-profile/report.hbs' }, series);
    expect(other).not.toBe(bulletin);
  });

  it('changes with the series configuration (a new issuer, a new title)', async () => {
    const before = await buildKeyOf(deps, { template: 'torch-bulletin/report.hbs' }, series);
    const renamed = { ...series, title: `${series.title}（新版）` };
    expect(await buildKeyOf(deps, { template: 'torch-bulletin/report.hbs' }, renamed)).not.toBe(
      before,
    );
  });
});
