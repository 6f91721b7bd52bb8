/**
 * Vector charts rendered on the server with ECharts' SSR SVG renderer: the printed page gets
 * plain SVG (paths and text in the bulletin's fonts), no script. Value labels print the
 * figures' own texts, and the value axes carry no numbers: every number in a chart is a
 * traced {@link Figure}. Pure: options in, SVG string out.
 */
import { createHash } from 'node:crypto';
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { LabelLayout, LegacyGridContainLabel } from 'echarts/features';
import { SVGRenderer } from 'echarts/renderers';
import type { Figure } from './figures.ts';

export const CHART_FONT = 'Noto Sans SC';
const RED = '#c8161d';
const DARK = '#7a1c1c';
const GREY = '#9a9a9a';
const INK = '#333333';

echarts.use([
  BarChart,
  LineChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  LabelLayout,
  LegacyGridContainLabel,
  SVGRenderer,
]);

export interface ChartSize {
  width: number;
  height: number;
}

/**
 * One SSR instance per chart size, kept and drawn again for each chart: a third less CPU a
 * chart than an instance made and disposed for each. After each chart it is cleared (its views go with
 * their chart: a view kept for the next chart would reuse its bars and labels and write them
 * in another order), and the animation loop zrender starts on every draw (a 16 ms timer) is
 * stopped, so no instance keeps the process alive. At most {@link MAX_INSTANCES} are kept.
 */
const instances = new Map<string, echarts.ECharts>();
const MAX_INSTANCES = 8;

/** Disposes the kept ECharts instances (the next chart makes its own again). */
export function disposeCharts(): void {
  for (const chart of instances.values()) chart.dispose();
  instances.clear();
}

/** Renders an ECharts option to an SVG string (no animation, no script). */
export function renderChartSvg(option: echarts.EChartsCoreOption, size: ChartSize): string {
  const key = `${size.width}×${size.height}`;
  let chart = instances.get(key);
  if (!chart) {
    chart = echarts.init(null, null, {
      renderer: 'svg',
      ssr: true,
      width: size.width,
      height: size.height,
    });
    instances.set(key, chart);
    for (const [oldest, old] of instances) {
      if (instances.size <= MAX_INSTANCES) break;
      instances.delete(oldest);
      old.dispose();
    }
  }
  let svg: string;
  try {
    chart.setOption(
      { animation: false, textStyle: { fontFamily: CHART_FONT, color: INK }, ...option },
      { notMerge: true },
    );
    svg = chart.renderToSVGString();
    chart.clear();
  } catch (e) {
    instances.delete(key);
    chart.dispose();
    throw e;
  } finally {
    chart.getZr().animation.stop();
  }
  return assertStaticSvg(plainText(chartNames(svg)));
}

/**
 * The names zrender gives a chart's clip paths, gradients, patterns, shadows and CSS classes
 * (`zr3-c0`, `zr3-cls-17`: its instance, then a counter of the process) made the chart's own:
 * numbered from 0 in the order they appear, after a number hashed from the chart itself. The
 * same chart gets the same names in any process; two different charts on one page (inline
 * SVGs share the page's id namespace and style sheet) never share one.
 */
const ZR_NAME = /zr\d+-(cls-|ani-|[cgps])\d+(?=[")]|:hover)/g;
function chartNames(svg: string): string {
  // The text between the names, then each name's label (`c0`, `cls-3`), alternately.
  const parts: string[] = [];
  const labels = new Map<string, string>();
  const counts = new Map<string, number>();
  let last = 0;
  for (const m of svg.matchAll(ZR_NAME)) {
    const at = m.index;
    // A name where the markup names one: an id, a reference, a class, a style rule.
    if (
      !svg.startsWith('id="', at - 4) &&
      !svg.startsWith('url(#', at - 5) &&
      !svg.startsWith('class="', at - 7) &&
      svg[at - 1] !== '.'
    )
      continue;
    let label = labels.get(m[0]);
    if (label === undefined) {
      const type = m[1]!;
      const n = counts.get(type) ?? 0;
      counts.set(type, n + 1);
      labels.set(m[0], (label = `${type}${n}`));
    }
    parts.push(svg.slice(last, at), label);
    last = at + m[0].length;
  }
  if (!parts.length) return svg;
  parts.push(svg.slice(last));
  const hash = createHash('sha256');
  parts.forEach((part, i) => hash.update(i % 2 ? `zr-${part}` : part));
  // 40 bits as 13 decimal digits (the `zr<n>-` form): ≈ 10⁻¹² for two charts to collide.
  const prefix = `zr${String(parseInt(hash.digest('hex').slice(0, 10), 16)).padStart(13, '0')}-`;
  return parts.map((part, i) => (i % 2 ? prefix + part : part)).join('');
}

/**
 * Removes the halo (a white stroke painted under the fill) and the transparency ECharts gives
 * some labels: Chromium prints stroked or translucent text as Type 3 glyphs instead of the
 * embedded Noto font.
 */
export function plainText(svg: string): string {
  return svg.replace(/<text\b[^>]*>/g, (tag) =>
    tag.replace(
      /\s(?:stroke|stroke-width|paint-order|stroke-miterlimit|fill-opacity|opacity)="[^"]*"/g,
      '',
    ),
  );
}

/**
 * Refuses SVG that could run anything when printed: a `<script>`, an event handler attribute,
 * a `javascript:` URL or a foreign object. ECharts escapes label text; this is the backstop.
 */
export function assertStaticSvg(svg: string): string {
  // Only the markup counts: escaped label text may well read "onerror=".
  const markup = svg.replace(/>[^<]*</g, '><');
  if (/<script|<foreignObject|<image|\son[a-z]+\s*=|javascript:/i.test(markup)) {
    throw new Error('图表 SVG 含有不允许的脚本或标记');
  }
  return svg;
}

const label = (texts: (string | undefined)[]) => (p: { dataIndex: number }) =>
  texts[p.dataIndex] ?? '';

/**
 * Axis bounds that put `values` in the top quarter of the plot (above bars drawn in the lower
 * part on the other axis), so markers, bars and their labels do not collide.
 */
function upperBand(values: number[]): { min: number; max: number } {
  if (!values.length) return { min: 0, max: 1 };
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const spread = hi - lo || Math.abs(hi) * 0.2 || 1;
  return { min: hi - spread * 4.2, max: hi + spread * 0.35 };
}

/** A value series: the figures (missing → gap) and how each prints. */
export interface ChartSeries {
  name: string;
  figures: (Figure | undefined)[];
}

/**
 * Bars over periods with an optional rate line on a second axis (e.g. GDP and its share of
 * the national total). Missing periods are gaps, never zeros.
 */
export function trendChart(opts: {
  categories: string[];
  bars: ChartSeries;
  line?: ChartSeries;
  size?: ChartSize;
}): string {
  const size = opts.size ?? { width: 640, height: 270 };
  const values = (s: ChartSeries) => s.figures.map((f) => (f ? f.value : null));
  const texts = (s: ChartSeries) => s.figures.map((f) => f?.text);
  const series: object[] = [
    {
      name: opts.bars.name,
      type: 'bar',
      data: values(opts.bars),
      barMaxWidth: 26,
      itemStyle: { color: RED },
      label: {
        show: true,
        position: 'top',
        fontSize: 10,
        color: INK,
        formatter: label(texts(opts.bars)),
      },
    },
  ];
  if (opts.line) {
    series.push({
      name: opts.line.name,
      type: 'line',
      yAxisIndex: 1,
      data: values(opts.line),
      connectNulls: false,
      showAllSymbol: true,
      symbol: 'circle',
      symbolSize: 7,
      lineStyle: { color: DARK, width: 1.5 },
      itemStyle: { color: DARK },
      label: {
        show: true,
        position: 'top',
        distance: 6,
        fontSize: 10,
        color: DARK,
        formatter: label(texts(opts.line)),
      },
    });
  }
  const lineValues = opts.line ? values(opts.line).filter((v): v is number => v !== null) : [];
  const barValues = values(opts.bars).filter((v): v is number => v !== null);
  const band = upperBand(lineValues);
  return renderChartSvg(
    {
      grid: { left: 16, right: 16, top: 36, bottom: 28, containLabel: true },
      legend: { top: 0, textStyle: { fontSize: 11 }, itemWidth: 14, itemHeight: 9 },
      xAxis: {
        type: 'category',
        data: opts.categories,
        axisTick: { alignWithLabel: true },
        axisLabel: { fontSize: 10, interval: 0 },
        axisLine: { lineStyle: { color: GREY } },
      },
      yAxis: [
        {
          type: 'value',
          // Bars use the lower 55 % of the plot, the rate line the band above them.
          max: (Math.max(...barValues, 0) || 1) / (opts.line ? 0.55 : 0.85),
          axisLabel: { show: false },
          splitLine: { lineStyle: { color: '#eeeeee' } },
        },
        {
          type: 'value',
          ...band,
          axisLabel: { show: false },
          splitLine: { show: false },
        },
      ],
      series,
    },
    size,
  );
}

/**
 * Horizontal bars, one per category (zones), best first from the top; `highlight` marks the
 * categories to stand out (the zone a profile is about).
 */
export function rankingBarChart(opts: {
  categories: string[];
  series: ChartSeries;
  highlight?: ReadonlySet<number>;
  size?: ChartSize;
}): string {
  const n = opts.categories.length;
  const size = opts.size ?? { width: 640, height: Math.max(120, 40 + n * 22) };
  // ECharts draws the first category at the bottom: reverse so the best is on top.
  const order = [...opts.categories.keys()].reverse();
  const figs = order.map((i) => opts.series.figures[i]);
  return renderChartSvg(
    {
      grid: { left: 8, right: 70, top: 10, bottom: 6, containLabel: true },
      xAxis: { type: 'value', axisLabel: { show: false }, splitLine: { show: false } },
      yAxis: {
        type: 'category',
        data: order.map((i) => opts.categories[i]),
        axisTick: { show: false },
        axisLabel: { fontSize: 11 },
        axisLine: { lineStyle: { color: GREY } },
      },
      series: [
        {
          name: opts.series.name,
          type: 'bar',
          barMaxWidth: 14,
          data: order.map((i, k) => ({
            value: figs[k]?.value ?? null,
            itemStyle: { color: opts.highlight?.has(i) ? RED : '#c98a8a' },
          })),
          label: {
            show: true,
            position: 'right',
            fontSize: 10,
            color: INK,
            formatter: label(figs.map((f) => f?.text)),
          },
        },
      ],
    },
    size,
  );
}

/**
 * Vertical bars for categories (e.g. an index and its sub-indices) with a second, optional
 * series of rates drawn as labelled markers on their own axis.
 */
export function categoryChart(opts: {
  categories: string[];
  bars: ChartSeries;
  markers?: ChartSeries;
  /** A dashed reference line (e.g. the base year's 100 points), explained in the caption. */
  baseline?: { value: number };
  size?: ChartSize;
}): string {
  const size = opts.size ?? { width: 640, height: 260 };
  const barFigs = opts.bars.figures;
  const series: object[] = [
    {
      name: opts.bars.name,
      type: 'bar',
      barMaxWidth: 34,
      data: barFigs.map((f) => (f ? f.value : null)),
      itemStyle: { color: RED },
      label: {
        show: true,
        position: 'top',
        fontSize: 10,
        formatter: label(barFigs.map((f) => f?.text)),
      },
      ...(opts.baseline
        ? {
            markLine: {
              silent: true,
              symbol: 'none',
              lineStyle: { color: GREY, type: 'dashed' },
              label: { show: false },
              data: [{ yAxis: opts.baseline.value }],
            },
          }
        : {}),
    },
  ];
  if (opts.markers) {
    const mf = opts.markers.figures;
    series.push({
      name: opts.markers.name,
      type: 'scatter',
      yAxisIndex: 1,
      symbol: 'diamond',
      symbolSize: 10,
      itemStyle: { color: DARK },
      data: mf.map((f) => (f ? f.value : null)),
      label: {
        show: true,
        position: 'right',
        fontSize: 10,
        color: DARK,
        formatter: label(mf.map((f) => f?.text)),
      },
    });
  }
  const barMax = Math.max(...barFigs.map((f) => f?.value ?? 0), opts.baseline?.value ?? 0);
  const markerValues = (opts.markers?.figures ?? []).flatMap((f) => (f ? [f.value] : []));
  return renderChartSvg(
    {
      grid: { left: 16, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { fontSize: 11 }, itemWidth: 14, itemHeight: 9 },
      xAxis: {
        type: 'category',
        data: opts.categories,
        axisLabel: { fontSize: 10, interval: 0 },
        axisLine: { lineStyle: { color: GREY } },
      },
      yAxis: [
        {
          type: 'value',
          max: (barMax || 1) / (opts.markers ? 0.55 : 0.85),
          axisLabel: { show: false },
        },
        {
          type: 'value',
          ...upperBand(markerValues),
          axisLabel: { show: false },
          splitLine: { show: false },
        },
      ],
      series,
    },
    size,
  );
}
