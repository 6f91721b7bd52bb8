import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '#errors';
import { stableViewJson } from '../../functions/app/batch.ts';
import type { RecordStore } from '../../functions/app/ports.ts';
import { referenceData } from '../../functions/app/reference-data.ts';
import { REPORT_KINDS, SERIES_OF_KIND } from '../../functions/contract/kinds.ts';
import { REPORT_PARAMS } from '../../functions/contract/schedules.ts';
import type { IndicatorRecord } from '../../functions/core/model.ts';
import type { Reference } from '../../functions/core/reference.ts';
import type { KindContext } from '../../functions/reports/kind.ts';
import { REPORT_KIND_MODULES, reportKind } from '../../functions/reports/registry.ts';
import { readRecords, repoRecordFiles, syntheticZonesFile } from '../support/trace.ts';

const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');

/** The reads the kinds make, over records in memory (the stores have their own tests). */
function recordsIn(records: IndicatorRecord[]): RecordStore {
  const reads: RecordStore = {
    recordsOfZone: async (zone: string) => records.filter((r) => r.zone === zone),
    recordsOfPeriod: async (period: string) => records.filter((r) => r.period === period),
    history: async (zone: string, indicator: string) =>
      records.filter((r) => r.zone === zone && r.indicator === indicator),
    latestPeriodOf: async (zone: string, indicator: string) =>
      records
        .filter((r) => r.zone === zone && r.indicator === indicator)
        .map((r) => r.period)
        .sort()
        .at(-1),
    articles: async () => [],
  } as Partial<RecordStore> as RecordStore;
  return reads;
}

describe('the report-kind registry', () => {
  let ref: Reference;
  let ctx: KindContext;

  beforeAll(async () => {
    ref = referenceData();
    const records = [
      ...(await readRecords(ref, repoRecordFiles)),
      ...(await readRecords(ref, [syntheticZonesFile])),
    ];
    ctx = { records: recordsIn(records), reference: ref, timeZone: 'Asia/Shanghai' };
  });

  it('has exactly the kinds of the contract, each under its own id', () => {
    expect(Object.keys(REPORT_KIND_MODULES).sort()).toEqual([...REPORT_KINDS].sort());
    for (const [id, kind] of Object.entries(REPORT_KIND_MODULES)) expect(kind.id).toBe(id);
  });

  it('every kind declares every part: parameters, series, resolve, title, load, compose, template', () => {
    for (const id of REPORT_KINDS) {
      const kind = reportKind(id);
      // The contract's schema: one validation for the API, the Lambdas, the CLI, the schedules.
      expect(kind.params, id).toBe(REPORT_PARAMS[id]);
      expect(kind.seriesOf({}), id).toBe(SERIES_OF_KIND[id]);
      expect(ref.seriesById(kind.seriesOf({})), `series of ${id}`).toBeDefined();
      for (const part of ['resolve', 'title', 'previewStem', 'load', 'compose'] as const)
        expect(typeof kind[part], `${id}.${part}`).toBe('function');
      expect(existsSync(join(TEMPLATES, `${kind.template}.hbs`)), kind.template).toBe(true);
      expect(['numbered', 'linked']).toContain(kind.contents);
    }
  });

  it('refuses a kind it does not know, also an inherited property name', () => {
    for (const id of ['newsletter', 'constructor', '__proto__', 'toString'])
      expect(() => reportKind(id), id).toThrow(NotFoundError);
  });

  it('composes each kind from what it resolved and loaded once', async () => {
    const requests = {
      'torch-bulletin': { period: '2024' },
      'zone-profile': { zone: '东湖高新区' },
      'regional-report': { region: '长三角' },
      'indicator-flash': {},
    } as const;
    for (const id of REPORT_KINDS) {
      const kind = reportKind(id);
      const series = ref.seriesById(kind.seriesOf({}))!;
      const resolved = await kind.resolve(ctx, requests[id]);
      const loaded = await kind.load(ctx, resolved);
      expect(loaded.inputHash, id).toMatch(/^[0-9a-f]{64}$/);
      const view = kind.compose(ctx, series, resolved, loaded.inputs, {
        issue: { year: 2026, number: 2, total: 7 },
        date: new Date('2026-11-20T01:00:00Z'),
      });
      expect(view.kind).toBe(id);
      expect(view.masthead.issueLine, id).toBe('2026年第2期(总第7期)');
      expect(view.fileName, id).toMatch(/\.pdf$/);
      expect(kind.title(series, resolved), id).toContain(series.title);
    }
  });

  it('re-imprints a composed report of every kind exactly as composing it with the imprint would', async () => {
    const requests: [string, Record<string, string>][] = [
      ['torch-bulletin', {}],
      ['indicator-flash', {}],
      ['zone-profile', { zone: '东湖高新区' }],
      ['zone-profile', { zone: 'chengdu' }],
      ['regional-report', { region: '长三角' }],
    ];
    const imprints = [
      { issue: { year: 2026, number: 3, total: 9 }, date: new Date('2026-11-20T01:00:00Z') },
      { date: new Date('2026-11-20T01:00:00Z') },
    ];
    for (const [id, params] of requests) {
      const kind = reportKind(id);
      const series = ref.seriesById(kind.seriesOf(params))!;
      const resolved = await kind.resolve(ctx, params);
      const { inputs } = await kind.load(ctx, resolved);
      // Planned at a fixed date (the hash), printed later with the issue's numbers and date.
      const planned = kind.compose(ctx, series, resolved, inputs, { date: new Date(0) });
      for (const imprint of imprints) {
        const composed = kind.compose(ctx, series, resolved, inputs, imprint);
        const reimprinted = kind.reimprint!(ctx, series, planned, imprint);
        // (stableViewJson: ECharts numbers its instances in the SVG ids it writes.)
        expect(stableViewJson(reimprinted), id).toBe(stableViewJson(composed));
      }
    }
  });
});
