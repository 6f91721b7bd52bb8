import { describe, expect, it } from 'vitest';
import realZones from '../../data/zones.json' with { type: 'json' };
import { REGIONS } from '../../functions/core/model.ts';
import {
  pickZones,
  syntheticRecords,
  syntheticSource,
  syntheticZones,
  SYNTHETIC_INDICATORS,
} from '../../functions/core/synthetic.ts';
import { syntheticFiles, syntheticReference } from '../../functions/app/synthetic.ts';
import { parseRecordFile } from '../../functions/core/ingest-parse.ts';

const zones = syntheticZones();
const twelve = pickZones(zones, 12);

describe('synthetic zones', () => {
  it('lists the 178 national zones with unique ids and names in every region', () => {
    expect(zones).toHaveLength(178);
    expect(new Set(zones.map((z) => z.id)).size).toBe(178);
    expect(new Set(zones.map((z) => z.name)).size).toBe(178);
    expect(new Set(zones.map((z) => z.shortName)).size).toBe(178);
    expect(new Set(zones.map((z) => z.province)).size).toBe(31);
    expect(new Set(zones.map((z) => z.region))).toEqual(new Set(REGIONS));
    for (const z of zones) {
      expect(z.level).toBe('national');
      expect(z.name).toMatch(
        /(高新技术产业开发区|高技术产业开发区|新技术开发区|科技园区|工业园区|示范区)$/,
      );
      expect(z.city).toMatch(/(市|州)$/);
      expect(z.yearApproved).toBeGreaterThanOrEqual(1988);
    }
    // Real host cities, placed in the right province and region.
    const byId = new Map(zones.map((z) => [z.id, z]));
    expect(byId.get('changchun')).toMatchObject({
      shortName: '长春高新区',
      province: '吉林省',
      region: '东北',
    });
    expect(byId.get('baoding')).toMatchObject({ province: '河北省', alliances: ['京津冀'] });
    expect(byId.get('kunshan')).toMatchObject({ city: '苏州市', alliances: ['长三角'] });
    expect(byId.get('shenzhen')?.alliances).toContain('粤港澳大湾区');
  });

  it('picks small sets spread over every region', () => {
    expect(twelve).toHaveLength(12);
    expect(new Set(twelve.map((z) => z.region))).toEqual(new Set(REGIONS));
  });

  it('is its own reference set: aggregates plus synthetic zones, never the real zone list', () => {
    const ref = syntheticReference(12);
    expect(ref.zones.map((z) => z.id).sort()).toEqual(
      ['china', 'national-htz', ...twelve.map((z) => z.id)].sort(),
    );
    // The real reference has names (e.g. aliases) the synthetic one does not know.
    const realOnly = realZones.find((z) => z.id === 'city-group-004')!;
    expect(ref.zone(realOnly.id)).toBeUndefined();
  });
});

describe('synthetic records', () => {
  const records = syntheticRecords({ seed: 7, zones: twelve });

  it('is deterministic for a seed, different for another seed', () => {
    expect(syntheticRecords({ seed: 7, zones: twelve })).toEqual(records);
    const other = syntheticRecords({ seed: 8, zones: twelve });
    expect(other.map((r) => r.value)).not.toEqual(records.map((r) => r.value));
  });

  it('gives a zone the same series whichever other zones are generated', () => {
    const alone = syntheticRecords({ seed: 7, zones: [twelve[3]!] }).filter(
      (r) => r.zone === twelve[3]!.id,
    );
    expect(alone).toEqual(records.filter((r) => r.zone === twelve[3]!.id));
  });

  it('covers ≥ 30 indicators of the real catalogue over 2010–2024, every record marked synthetic', () => {
    const codes = new Set(records.map((r) => r.indicator));
    expect(codes.size).toBeGreaterThanOrEqual(30);
    expect(codes).toEqual(new Set(Object.keys(SYNTHETIC_INDICATORS)));
    const years = new Set(records.map((r) => r.period));
    expect([...years].sort()).toEqual(
      Array.from({ length: 15 }, (_, i) => String(2010 + i)).sort(),
    );
    for (const r of records) expect(r.source).toBe(syntheticSource(7));
    expect(syntheticSource(7)).toBe('合成数据（seed=7），仅用于规模测试');
  });

  it('has plausible values: positive, growing GDP, national totals = sum of the zones', () => {
    const gdp = (zone: string, year: number) =>
      records.find((r) => r.zone === zone && r.indicator === 'gdp' && r.period === String(year))!
        .value;
    for (const z of twelve) {
      expect(gdp(z.id, 2010)).toBeGreaterThan(0);
      const cagr = (gdp(z.id, 2024) / gdp(z.id, 2010)) ** (1 / 14) - 1;
      expect(cagr).toBeGreaterThan(0.01);
      expect(cagr).toBeLessThan(0.3);
    }
    for (const year of [2010, 2017, 2024]) {
      const sum = twelve.reduce((s, z) => s + gdp(z.id, year), 0);
      expect(gdp('national-htz', year)).toBeCloseTo(sum, 0);
    }
    for (const r of records) {
      expect(Number.isFinite(r.value)).toBe(true);
      expect(r.value).toBeGreaterThanOrEqual(0);
    }
    // Shares of the whole country come with the china figure they imply.
    const share = records.find(
      (r) => r.zone === 'national-htz' && r.indicator === 'gdp' && r.period === '2024',
    )!.share!;
    expect(share).toBe(14.3);
    expect(gdp('china', 2024)).toBeCloseTo((gdp('national-htz', 2024) * 100) / share, 0);
  });

  it('passes the normal ingest validation as CSV files, one per year', async () => {
    const files = syntheticFiles({ seed: 7, zones: 12 });
    expect(files.map((f) => f.name)).toEqual(
      Array.from({ length: 15 }, (_, i) => `synthetic-7-${2010 + i}.csv`),
    );
    const ref = syntheticReference(12);
    const parsed = [];
    for (const f of files) {
      const out = await parseRecordFile(f.name, f.bytes, ref);
      expect(out.problems).toEqual([]);
      parsed.push(...out.records);
    }
    expect(parsed).toHaveLength(records.length);
    const key = (r: { zone: string; indicator: string; period: string }) =>
      `${r.zone}#${r.indicator}#${r.period}`;
    const byKey = new Map(parsed.map((r) => [key(r), r]));
    for (const r of records) {
      expect(byKey.get(key(r))).toMatchObject({ value: r.value, source: r.source });
    }
  });
});
