/**
 * The charts as the kept ECharts instances draw them: every id and class on a page its own
 * (inline SVGs share the page's id namespace and style sheet), the same chart drawn the same in
 * any order and process, and no timer left to keep the process alive.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ChartBatch,
  barLabelFit,
  categoryChartSpec,
  disposeCharts,
  rankingBarChart,
  rankingBarChartSpec,
  renderChartSvg,
  renderChartsSvg,
  labelWidth,
  sharedUnit,
  trendChart,
  trendChartSpec,
  type ChartSeries,
  type ChartSpec,
} from '../../functions/core/charts.ts';
import { composeBulletin } from '../../functions/core/compose-bulletin.ts';
import { composeRegionalReport, selectRegion } from '../../functions/core/compose-regional.ts';
import { composeZoneProfile } from '../../functions/core/compose-zone-profile.ts';
import type { Article, IndicatorRecord } from '../../functions/core/model.ts';
import type { Reference } from '../../functions/core/reference.ts';
import { referenceData } from '../../functions/app/reference-data.ts';
import { DEFAULT_SYNTHETIC_SEED, syntheticReference } from '../../functions/app/synthetic.ts';
import { syntheticRecords } from '../../functions/core/synthetic.ts';
import { renderHtml } from '../../functions/app/templates.ts';
import torch from '../../data/series/torch-bulletin.json' with { type: 'json' };
import articles from '../../data/articles.json' with { type: 'json' };
import { readRecords, repoRecordFiles, syntheticZonesFile } from '../support/trace.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DATE = new Date('2026-11-20T01:00:00Z');

/** Every name a page defines more than once: ids, and the classes the charts' styles define. */
function repeatedNames(html: string): string[] {
  const defined = [
    ...[...html.matchAll(/\sid="([^"]*)"/g)].map((m) => `id ${m[1]}`),
    ...[...html.matchAll(/\.([\w-]+):hover\s*\{/g)].map((m) => `class ${m[1]}`),
  ];
  return defined.filter((name, i) => defined.indexOf(name) !== i);
}

/** Each chart's `url(#…)` that names no id of the same chart. */
function danglingRefs(html: string): string[] {
  return [...html.matchAll(/<svg\b[\s\S]*?<\/svg>/g)].flatMap(([svg]) => {
    const ids = new Set([...svg.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]));
    return [...svg.matchAll(/url\(#([^)]*)\)/g)].flatMap((m) => (ids.has(m[1]) ? [] : [m[1]!]));
  });
}

/** A zone profile from synthetic records (six years: trend charts with growth lines). */
async function zoneProfilePage(): Promise<string> {
  const ref = syntheticReference(12);
  const zones = ref.zones.filter((z) => z.level === 'national');
  const records = syntheticRecords({ seed: DEFAULT_SYNTHETIC_SEED, zones, firstYear: 2019 }).map(
    (r) => ({ ...r, revision: 1 }),
  );
  const series = ref.seriesById('zone-profile')!;
  return renderHtml(
    'zone-profile/zone-profile',
    composeZoneProfile({
      series,
      date: DATE,
      zone: zones[0]!.id,
      zoneRecords: records.filter((r) => r.zone === zones[0]!.id),
      periodRecords: records.filter((r) => r.period === '2024'),
      period: '2024',
      reference: ref,
      keyIndicators: series.keyIndicators,
    }),
  );
}

describe('charts on a page', () => {
  let ref: Reference;
  let records: IndicatorRecord[];

  beforeAll(async () => {
    ref = referenceData();
    records = await readRecords(ref, [...repoRecordFiles, syntheticZonesFile]);
  });

  it('never share an id or a class with another chart or the page', async () => {
    const periods = records.filter((r) => r.period === '2024' || r.period === '2023');
    const pages = {
      bulletin: await renderHtml(
        'torch-bulletin/bulletin',
        composeBulletin({
          series: ref.seriesById('torch-bulletin')!,
          issue: { year: 2026, number: 1, total: 551 },
          date: DATE,
          period: '2024',
          records,
          articles: articles as Article[],
          reference: ref,
          expectedIndicators: torch.keyIndicators,
        }),
      ),
      'zone profile': await zoneProfilePage(),
      'regional report': await renderHtml(
        'regional-report/regional-report',
        composeRegionalReport({
          series: ref.seriesById('regional-report')!,
          date: DATE,
          region: selectRegion(ref, '长三角')!,
          period: '2024',
          records: periods,
          reference: ref,
          keyIndicators: torch.keyIndicators,
        }),
      ),
    };
    for (const [kind, html] of Object.entries(pages)) {
      const charts = html.match(/<svg\b/g)?.length ?? 0;
      expect(charts, kind).toBeGreaterThan(0);
      expect(repeatedNames(html), kind).toEqual([]);
      expect(danglingRefs(html), kind).toEqual([]);
    }
    // The zone profile's three trend charts each clip their growth line: one clip path each.
    expect(pages['zone profile'].match(/<clipPath\b/g)).toHaveLength(3);
  });

  it('draws the same chart the same, whatever was drawn before', () => {
    const fig = (value: number) => ({ value, text: String(value), refs: [] });
    const trend = (years: string[], values: (number | undefined)[]) =>
      trendChart({
        categories: years,
        bars: { name: '营业收入', figures: values.map((v) => (v === undefined ? v : fig(v))) },
        line: { name: '同比增长', figures: values.map((v) => (v ? fig(v * 2) : undefined)) },
      });
    const a = () => trend(['2022', '2023', '2024'], [1, 2, 3]);
    disposeCharts();
    const fresh = a();
    // Drawn again after a chart with gaps, a longer one, another kind: the same SVG as drawn by
    // a new instance (a view kept from the chart before would keep its bars and labels by
    // category and write them in another order).
    expect(a()).toBe(fresh);
    trend(['2022', '2023', '2024'], [undefined, 5, 6]);
    expect(a()).toBe(fresh);
    trend(['2019', '2020', '2021', '2022', '2023', '2024'], [9, 8, 7, 6, 5, 4]);
    expect(a()).toBe(fresh);
    rankingBarChart({ categories: ['甲', '乙'], series: { name: 'x', figures: [fig(2), fig(1)] } });
    expect(a()).toBe(fresh);
    expect(fresh).toMatch(/clip-path="url\(#zr\d+-c0\)"/);
  });

  it('drawn together, each the same SVG as drawn alone', () => {
    const figure = fc
      .option(
        fc.integer({ min: -500_000, max: 500_000 }).map((v) => v / 10),
        { nil: undefined },
      )
      .map((v) => (v === undefined ? v : { value: v, text: v.toFixed(1), refs: [] }));
    const seriesOf = (n: number, name: fc.Arbitrary<string>): fc.Arbitrary<ChartSeries> =>
      fc.record({ name, figures: fc.array(figure, { minLength: n, maxLength: n }) });
    // The names the profiles' charts share: the growth line's, an indicator drawn twice.
    const name = fc.constantFrom('营业收入', '同比增长', '工业总产值', 'x');
    const trend = fc.integer({ min: 2, max: 15 }).chain((n) =>
      fc.record(
        {
          categories: fc.constant(Array.from({ length: n }, (_, i) => String(2010 + i))),
          bars: seriesOf(n, name),
          line: seriesOf(n, fc.constant('同比增长')),
        },
        { requiredKeys: ['categories', 'bars'] },
      ),
    );
    const ranking = fc.integer({ min: 1, max: 13 }).chain((n) =>
      fc.record({
        categories: fc.constant(Array.from({ length: n }, (_, i) => `园区${i}（${i + 1}）`)),
        series: seriesOf(n, name),
        highlight: fc.subarray([...Array(n).keys()]).map((a) => new Set(a)),
      }),
    );
    const category = fc.integer({ min: 1, max: 8 }).chain((n) =>
      fc.record(
        {
          categories: fc.constant(Array.from({ length: n }, (_, i) => `指数${i}`)),
          bars: seriesOf(n, name),
          markers: seriesOf(n, fc.constant('同比增长')),
          baseline: fc.constant({ value: 100 }),
        },
        { requiredKeys: ['categories', 'bars'] },
      ),
    );
    const spec: fc.Arbitrary<ChartSpec> = fc.oneof(
      trend.map(trendChartSpec),
      ranking.map(rankingBarChartSpec),
      category.map(categoryChartSpec),
    );
    fc.assert(
      fc.property(fc.array(spec, { minLength: 1, maxLength: 5 }), (specs) => {
        const alone = specs.map((s) => renderChartSvg(s.option, s.size));
        expect(renderChartsSvg(specs)).toEqual(alone);
      }),
      { numRuns: 60 },
    );
    // Several reports' charts in one batch (the all-zones run's plan: up to 8 profiles of three
    // trend charts and a ranking chart), some with none: each report gets its own, in order,
    // each the same SVG as drawn alone.
    const report = fc.array(spec, { minLength: 0, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(report, { minLength: 1, maxLength: 8 }), (reports) => {
        const alone = reports.map((specs) => specs.map((s) => renderChartSvg(s.option, s.size)));
        const batch = new ChartBatch();
        const got: string[][] = reports.map(() => []);
        const slots = reports.map((specs, i) => {
          const slot = batch.slot();
          slot.add(specs, (svgs) => (got[i] = svgs));
          return slot;
        });
        batch.draw();
        for (const slot of slots) slot.drawn();
        expect(got).toEqual(alone);
      }),
      { numRuns: 25 },
    );
  });

  it('in a batch, a report whose chart cannot be drawn fails alone', () => {
    const fig = (value: number) => ({ value, text: String(value), refs: [] });
    const chart = (v: number) =>
      trendChartSpec({
        categories: ['2023', '2024'],
        bars: { name: '营业收入', figures: [fig(v), fig(v + 1)] },
      });
    const broken: ChartSpec = {
      ...chart(9),
      option: {
        ...chart(9).option,
        get series(): never {
          throw new Error('坏图表');
        },
      },
    };
    const batch = new ChartBatch();
    const got: string[][] = [];
    const slot = (specs: ChartSpec[], i: number) => {
      const s = batch.slot();
      s.add(specs, (svgs) => (got[i] = svgs));
      return s;
    };
    const a = slot([chart(1), chart(2)], 0);
    const b = slot([chart(3), broken], 1);
    const c = slot([chart(4)], 2);
    expect(() => a.drawn()).toThrow('图表尚未绘制');
    batch.draw();
    a.drawn();
    expect(() => b.drawn()).toThrow('坏图表');
    c.drawn();
    expect(got[0]).toEqual([chart(1), chart(2)].map((s) => renderChartSvg(s.option, s.size)));
    expect(got[1]).toBeUndefined();
    expect(got[2]).toEqual([renderChartSvg(chart(4).option, chart(4).size)]);
    expect(() => a.add([chart(5)], () => undefined)).toThrow('图表已绘制');
  });

  it('leave nothing that keeps the process alive once drawn', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'tests/support/charts-child.ts')],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    let alive: NodeJS.Timeout | undefined;
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      // Drawn: it exits within a frame (16 ms); a timer still running would hold it for ever.
      if (out.includes('DRAWN') && !alive) alive = setTimeout(() => child.kill(), 20_000);
    });
    const code = await exited;
    clearTimeout(alive);
    expect(out).toContain('DRAWN');
    expect(code, 'still running 20 s after drawing: killed').toBe(0);
  });
});

describe('the value labels of a trend chart', () => {
  const years = Array.from({ length: 15 }, (_, i) => String(2010 + i));
  const figs = (texts: string[]) =>
    texts.map((text, i) => ({ value: parseFloat(text.replace(/^约/, '')) || i, text, refs: [] }));
  // A zone's 15 years of GDP, as the synthetic zone profiles print them.
  const gdp = years.map((_, i) => `${(1284.1 * 1.13 ** i).toFixed(1)}亿元`);
  const growth = years.map((_, i) => `${(8 + (i % 5)).toFixed(1)}%`);

  /** The labels an SVG prints: text, font size, where, and whether turned upright. */
  function labels(svg: string) {
    const out: { text: string; size: number; x: number; y: number; upright: boolean }[] = [];
    for (const m of svg.matchAll(/<text\b([^>]*)>([^<]*)<\/text>/g)) {
      const attrs = m[1]!;
      const size = Number(/font-size:(\d+(?:\.\d+)?)px/.exec(attrs)?.[1]);
      const t = /translate\(([-\d.]+) ([-\d.]+)\)/.exec(attrs);
      const r = /matrix\(0,-1,1,0,([-\d.]+),([-\d.]+)\)/.exec(attrs);
      const at = t ?? r;
      if (!at) continue;
      out.push({ text: m[2]!, size, x: Number(at[1]), y: Number(at[2]), upright: !!r });
    }
    return out;
  }

  /** Pairs of labels whose boxes overlap (left-aligned upright labels: one line height wide). */
  function overlaps(svg: string): string[] {
    const ls = labels(svg).filter((l) => /\d/.test(l.text) && !/^20\d\d$/.test(l.text));
    const box = (l: (typeof ls)[number]) => {
      const w = labelWidth(l.text, l.size);
      return l.upright
        ? { x0: l.x - l.size / 2, x1: l.x + l.size / 2, y0: l.y - w, y1: l.y }
        : { x0: l.x - w / 2, x1: l.x + w / 2, y0: l.y - l.size / 2, y1: l.y + l.size / 2 };
    };
    const out: string[] = [];
    for (let i = 0; i < ls.length; i++)
      for (let j = i + 1; j < ls.length; j++) {
        const a = box(ls[i]!);
        const b = box(ls[j]!);
        if (a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1)
          out.push(`${ls[i]!.text} × ${ls[j]!.text}`);
      }
    return out;
  }

  it('print a unit their series shares once, in the legend, and the numbers alone', () => {
    const { option } = trendChartSpec({
      categories: years,
      bars: { name: '园区生产总值', figures: figs(gdp) },
      line: { name: '同比增长', figures: figs(growth) },
    });
    const series = option.series as { name: string; label: { formatter: (p: object) => string } }[];
    expect(series.map((s) => s.name)).toEqual(['园区生产总值（亿元）', '同比增长（%）']);
    expect(series[0]!.label.formatter({ dataIndex: 0 })).toBe('1284.1');
    expect(series[1]!.label.formatter({ dataIndex: 3 })).toBe('11.0');
    const svg = trendChart({
      categories: years,
      bars: { name: '园区生产总值', figures: figs(gdp) },
      line: { name: '同比增长', figures: figs(growth) },
    });
    expect(svg).toContain('园区生产总值（亿元）');
    expect(svg).toContain('>1284.1<');
  });

  it('keep each its own unit when the units differ, or a figure has none', () => {
    expect(sharedUnit(['1.6万亿元', '9876.5亿元'])).toBeUndefined();
    expect(sharedUnit(['12', '13'])).toBeUndefined();
    expect(sharedUnit(['约12亿元', undefined, '13亿元'])).toBe('亿元');
    expect(sharedUnit([undefined])).toBeUndefined();
    const mixed = [...gdp.slice(0, 14), '1.6万亿元'];
    const { option } = trendChartSpec({
      categories: years,
      bars: { name: '园区生产总值', figures: figs(mixed) },
    });
    const [bars] = option.series as { name: string; label: { formatter: (p: object) => string } }[];
    expect(bars!.name).toBe('园区生产总值');
    expect(bars!.label.formatter({ dataIndex: 14 })).toBe('1.6万亿元');
    expect(bars!.label.formatter({ dataIndex: 0 })).toBe('1284.1亿元');
  });

  it('never overlap: smaller where they are too wide, upright where even 8 px is', () => {
    expect(barLabelFit(['1284.1'], 40).fontSize).toBe(10);
    expect(barLabelFit(['20554.9'], 40)).toMatchObject({ fontSize: 8, upright: false });
    expect(barLabelFit(['12399.6亿元'], 40).upright).toBe(true);
    const wide = years.map((_, i) => `${(12399.6 * 1.13 ** i).toFixed(1)}亿元`);
    const cases: [string, string[], string[] | undefined][] = [
      ['shared unit, with a rate line', gdp, growth],
      ['five-digit numbers', wide, growth],
      [
        'mixed units, with a rate line',
        [...wide.slice(0, 3), '1.6万亿元', ...wide.slice(4)],
        growth,
      ],
      ['mixed units alone', [...wide.slice(0, 3), '16万元', ...wide.slice(4)], undefined],
    ];
    for (const [name, bars, line] of cases) {
      const svg = trendChart({
        categories: years,
        bars: { name: '营业收入', figures: figs(bars) },
        ...(line ? { line: { name: '同比增长', figures: figs(line) } } : {}),
      });
      expect(labels(svg).length, name).toBeGreaterThanOrEqual(15);
      expect(overlaps(svg), name).toEqual([]);
    }
  });
});
