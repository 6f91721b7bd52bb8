/**
 * Composition of the three report kinds from the repository's real records (and a synthetic
 * zone set for rankings and charts): order, wording, traceability, and hostile text.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertStaticSvg, plainText, rankingBarChart } from '../../functions/core/charts.ts';
import { composeBulletin } from '../../functions/core/compose-bulletin.ts';
import { composeRegionalReport, selectRegion } from '../../functions/core/compose-regional.ts';
import {
  composeZoneProfile,
  zoneProfileContext,
} from '../../functions/core/compose-zone-profile.ts';
import type { Article, IndicatorRecord } from '../../functions/core/model.ts';
import { narrative, trendPhrase } from '../../functions/core/narrative.ts';
import { buildReference, type Reference } from '../../functions/core/reference.ts';
import { sourceDocument } from '../../functions/core/report-parts.ts';
import { referenceData } from '../../functions/app/reference-data.ts';
import { stableViewJson } from '../../functions/app/batch.ts';
import { renderHtml } from '../../functions/app/templates.ts';
import zones from '../../data/zones.json' with { type: 'json' };
import indicators from '../../data/indicators.json' with { type: 'json' };
import torch from '../../data/series/torch-bulletin.json' with { type: 'json' };
import articles from '../../data/articles.json' with { type: 'json' };
import { readRecords, repoRecordFiles, syntheticZonesFile } from '../support/trace.ts';
import { fidelityProblems } from '../support/fidelity.ts';

const DATE = new Date('2026-11-20T01:00:00Z');

describe('report composition', () => {
  let ref: Reference;
  let real: IndicatorRecord[];
  let withZones: IndicatorRecord[];

  beforeAll(async () => {
    ref = referenceData();
    real = await readRecords(ref, repoRecordFiles);
    withZones = [...real, ...(await readRecords(ref, [syntheticZonesFile]))];
  });

  const bulletin = (
    records: IndicatorRecord[],
    extra: Partial<Parameters<typeof composeBulletin>[0]> = {},
  ) =>
    composeBulletin({
      series: ref.seriesById('torch-bulletin')!,
      issue: { year: 2026, number: 1, total: 551 },
      date: DATE,
      period: '2024',
      records,
      articles: articles as Article[],
      reference: ref,
      expectedIndicators: ref.seriesById('torch-bulletin')!.keyIndicators,
      ...extra,
    });

  it('orders sections as the series says, 工作动态 first', () => {
    const view = bulletin(real);
    expect(view.sections.map((s) => s.name)).toEqual([
      '工作动态',
      '数据速览',
      '园区巡礼',
      '研究报告',
    ]);
    expect(bulletin(withZones).sections.map((s) => s.name)).toEqual([
      '工作动态',
      '数据速览',
      '园区巡礼',
      '榜单',
      '研究报告',
    ]);
    expect(view.fileName).toBe('火炬动态-2026-第1期.pdf');
  });

  it('writes the lead narrative from the key indicators in order, GDP first, counts kept out', () => {
    const lead = bulletin(real).sections[1]!.blocks[0]!.article!;
    const first = lead.paragraphs![0]!;
    expect(first.lead).toBe('第一，综合实力稳步提升。');
    expect(first.text).toMatch(
      /^2024年，国家高新区园区生产总值突破19\.3万亿元，同比增长7\.6%，占全国比重为14\.3%；一般公共预算收入8921\.9亿元/,
    );
    const all = lead.paragraphs!.map((p) => p.text).join('');
    expect(all).not.toContain('国家高新区国家高新区');
    expect(all).not.toContain('178个');
    expect(all).toContain('增速较全国平均水平高5.5个百分点');
  });

  it('chooses headings from the direction of the data', () => {
    expect(trendPhrase([7.6, 6.5])).toBe('稳步提升');
    expect(trendPhrase([12, 11])).toBe('较快增长');
    expect(trendPhrase([-1, -2])).toBe('有所回落');
    expect(trendPhrase([3, -2])).toBe('总体平稳');
    expect(trendPhrase([])).toBe('概况');
    const ind = ref.indicator('gdp')!;
    const p = narrative('国家高新区', '2024年', [
      {
        indicator: ind,
        value: { text: '19.3万亿元', value: 193000, refs: [] },
        growth: { text: '-2.1%', value: -2.1, refs: [] },
      },
    ]);
    expect(p[0]!.lead).toBe('第一，综合实力有所回落。');
    expect(p[0]!.text).toContain('同比下降2.1%');
  });

  it('prints missing key indicators as — and lists them, never 0', () => {
    const view = bulletin(real);
    expect(view.dataQuality.missing).toEqual(['企业R&D经费内部支出', '高新技术企业数']);
    const table = view.sections[1]!.blocks.find((b) => b.table?.anchor === 'key-table')!.table!;
    const row = table.rows.find((r) => r.cells[0]!.text === '高新技术企业数')!;
    expect(row.cells.slice(1).map((c) => c.text)).toEqual(['—', '—', '—']);
  });

  it('groups the sources by document: a few numbered entries, each figure marked', () => {
    const view = bulletin(real);
    expect(view.sources.length).toBeLessThanOrEqual(6);
    expect(view.sources[0]!.text).toBe(
      '《工信部解读2024年国家高新区发展情况》（记者路铁晨整理），工业和信息化部国家高新区新闻发布会，2025年2月26日',
    );
    expect(sourceDocument('甲文件；原文为“约”[seeds/001]')).toBe('甲文件');
    expect(sourceDocument('乙文件（2025年，日期据seeds/000）[seeds/002]')).toBe('乙文件');
    for (const s of view.sources) expect(s.text).not.toMatch(/seeds/);
    const blocks = view.sections.flatMap((s) => s.blocks);
    for (const b of blocks)
      if (b.table || b.chart) expect((b.table ?? b.chart)!.sourceLine).toMatch(/资料来源：[①-⑳]+/);
  });

  it('every printed figure of every kind follows from the records it was composed from', () => {
    const b = bulletin(withZones);
    expect(b.trace.length).toBeGreaterThan(100);
    expect(fidelityProblems(b.trace, withZones, ref).problems).toEqual([]);
    const zp = composeZoneProfile({
      series: ref.seriesById('zone-profile')!,
      date: DATE,
      zone: 'wuhan-donghu',
      zoneRecords: withZones.filter((r) => r.zone === 'wuhan-donghu'),
      periodRecords: withZones.filter((r) => r.period === '2024' || r.period === '2023'),
      reference: ref,
      keyIndicators: torch.keyIndicators,
    });
    expect(zp.period).toBe('2024');
    expect(fidelityProblems(zp.trace, withZones, ref).problems).toEqual([]);
    const region = selectRegion(ref, '长三角')!;
    const rr = composeRegionalReport({
      series: ref.seriesById('regional-report')!,
      date: DATE,
      region,
      period: '2024',
      records: withZones.filter((r) => r.period === '2024' || r.period === '2023'),
      reference: ref,
      keyIndicators: torch.keyIndicators,
    });
    expect(fidelityProblems(rr.trace, withZones, ref).problems).toEqual([]);
  });

  it('composes a zone profile the same with the period context shared by a batch as alone', () => {
    const periodRecords = withZones.filter((r) => r.period === '2024' || r.period === '2023');
    const context = zoneProfileContext(periodRecords, '2024', ref);
    const zoneIds = [...new Set(periodRecords.map((r) => r.zone))].filter(
      (z) => ref.zone(z)?.level === 'national',
    );
    expect(zoneIds.length).toBeGreaterThan(20);
    let compared = 0;
    for (const zone of zoneIds) {
      const input = {
        series: ref.seriesById('zone-profile')!,
        date: DATE,
        zone,
        zoneRecords: withZones.filter((r) => r.zone === zone),
        periodRecords,
        period: '2024',
        reference: ref,
        keyIndicators: torch.keyIndicators,
      };
      const alone = composeZoneProfile(input);
      const inBatch = composeZoneProfile({ ...input, context });
      expect(stableViewJson(inBatch)).toBe(stableViewJson(alone));
      expect(inBatch.trace).toEqual(alone.trace);
      if (alone.sections[2]!.blocks.some((b) => b.table)) compared++;
    }
    // Most zones have a rank table: the shared rankings were really used.
    expect(compared).toBeGreaterThan(20);
  });

  it('ranks with ties: equal values share a rank, the next rank skips', () => {
    const rankings = bulletin(withZones).sections.find((s) => s.name === '榜单')!;
    const growth = rankings.blocks.find((b) =>
      b.table?.caption.startsWith('园区生产总值增速'),
    )!.table!;
    const ranks = growth.rows.map((r) => r.cells[0]!.text);
    expect(ranks.slice(0, 4)).toEqual(['并列1', '并列1', '并列1', '并列4']);
  });

  it('selects regions by alliance, province, city or region', () => {
    expect(selectRegion(ref, '长三角')).toMatchObject({ by: 'alliance' });
    expect(selectRegion(ref, '长三角')!.zoneIds).toContain('kunshan');
    expect(selectRegion(ref, '江苏')).toMatchObject({ by: 'province', name: '江苏省' });
    expect(selectRegion(ref, '苏州')!.zoneIds.sort()).toEqual(['kunshan', 'suzhou-sip']);
    expect(selectRegion(ref, '东北')!.zoneIds.sort()).toEqual(['dalian', 'shenyang']);
    expect(selectRegion(ref, '西部地区')).toMatchObject({ by: 'region' });
    expect(selectRegion(ref, '火星')).toBeUndefined();
  });

  it('prints an HTML/script payload in an article or a zone name as text, never as markup', async () => {
    const payload = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const hostileZones = zones.map((z) =>
      z.id === 'xian' ? { ...z, shortName: `西安${payload}` } : z,
    );
    const hostileRef = buildReference({ zones: hostileZones, indicators, series: [torch] });
    const view = composeBulletin({
      series: hostileRef.seriesById('torch-bulletin')!,
      date: DATE,
      period: '2024',
      records: withZones,
      articles: [
        {
          ...(articles[0] as Article),
          title: `标题${payload}`,
          body: `正文${payload}\n\n**加粗**`,
        },
      ],
      reference: hostileRef,
      expectedIndicators: torch.keyIndicators,
    });
    const html = await renderHtml('torch-bulletin/bulletin', view);
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<strong>加粗</strong>');
    // The chart labels carry the zone name escaped too.
    const svg = rankingBarChart({
      categories: [`西安${payload}`, '成都'],
      series: { name: 'x', figures: [{ text: '1亿元', value: 1, refs: [] }, undefined] },
    });
    expect(svg).not.toMatch(/<script|<img/i);
    expect(() => assertStaticSvg('<svg><script>1</script></svg>')).toThrow();
  });

  it('keeps chart text plain (no halo stroke, no transparency): Chromium would print Type 3', () => {
    expect(
      plainText(
        '<text stroke="#fff" stroke-width="2" paint-order="stroke" fill-opacity="0.8" fill="#333">1</text>',
      ),
    ).toBe('<text fill="#333">1</text>');
  });
});
