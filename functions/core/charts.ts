/**
 * Vector charts rendered on the server with ECharts' SSR SVG renderer: the printed page gets
 * plain SVG (paths and text in the bulletin's fonts), no script. Value labels print the
 * figures' own texts, and the value axes carry no numbers: every number in a chart is a
 * traced {@link Figure}. Where every label of a trend chart's series ends in the same unit, the
 * unit is printed once, in the legend (园区生产总值（亿元）, 同比增长（%）), as the statistics
 * bureaus' charts do, and the labels carry the numbers. Pure: options in, SVG string out.
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
 * One SSR instance per size drawn (a chart's, or the tallest of charts drawn together), kept and
 * drawn again: a third less CPU a chart than an instance made and disposed for each. After each
 * draw it is cleared (its views go with their charts: a view kept for the next chart would
 * reuse its bars and labels and write them in another order), and the animation loop zrender
 * starts on every draw (a 16 ms timer) is stopped, so no instance keeps the process alive. At
 * most {@link MAX_INSTANCES} are kept.
 */
const instances = new Map<string, echarts.ECharts>();
const MAX_INSTANCES = 8;

/** Disposes the kept ECharts instances (the next chart makes its own again). */
export function disposeCharts(): void {
  for (const chart of instances.values()) chart.dispose();
  instances.clear();
}

/** Renders an ECharts option to an SVG string (no animation, no script). */
export function renderChartSvg(option: ChartOption, size: ChartSize): string {
  return renderChartsSvg([{ option, size }])[0]!;
}

/** A chart to draw: its option (one grid, its own axes and series) and its size. */
export interface ChartSpec {
  option: ChartOption;
  size: ChartSize;
}

/** The options the chart builders below write: one grid, and at most one legend. */
export interface ChartOption {
  grid: { top: number; bottom: number } & Record<string, unknown>;
  legend?: Record<string, unknown>;
  xAxis: object | object[];
  yAxis: object | object[];
  series: ({ name: string } & Record<string, unknown>)[];
}

/**
 * Draws several charts at once, each to its own SVG: the same SVG, byte for byte, as each drawn
 * alone by {@link renderChartSvg}, for less CPU. ECharts' cost is mostly per `setOption` (a
 * trend chart of 2 years costs what one of 15 does: its model, scheduler and views are set up
 * again for any chart), so the charts of one width are drawn by one `setOption` on one
 * instance: each chart in its own grid on top of the others (the same place as drawn alone: a
 * shorter chart's grid is given its height instead of its bottom), with its axes, legend and
 * series, and its own `zlevel` (the chart's number). zrender lists what it draws by zlevel first, so each chart's
 * elements are then written to SVG alone, in the order they have when the chart is drawn alone.
 * What the charts must not share is made their own: series names (a legend finds its series by
 * name; the legend prints the name itself) and the series numbers zrender writes
 * (`ecmeta_series_index`, numbered again from the chart's first series).
 */
export function renderChartsSvg(specs: readonly ChartSpec[]): string[] {
  const out: string[] = new Array(specs.length);
  const byWidth = new Map<number, number[]>();
  specs.forEach((spec, i) => {
    const list = byWidth.get(spec.size.width);
    if (list) list.push(i);
    else byWidth.set(spec.size.width, [i]);
  });
  for (const [width, indices] of byWidth) {
    const svgs = drawTogether(
      indices.map((i) => specs[i]!),
      width,
    );
    indices.forEach((i, k) => (out[i] = svgs[k]!));
  }
  return out;
}

/**
 * Where a compose puts its charts when they are drawn later, together with other reports'
 * ({@link ChartBatch}): `fill` gets their SVGs, in order, once they are drawn.
 */
export interface ChartSink {
  add(specs: readonly ChartSpec[], fill: (svgs: string[]) => void): void;
}

/** A report's place in a {@link ChartBatch}: what its compose adds, and how its draw went. */
export interface ChartSlot extends ChartSink {
  /** @throws the error its charts were drawn with; an error when the batch is not drawn yet. */
  drawn(): void;
}

/**
 * The charts of several reports drawn by one {@link renderChartsSvg} (the all-zones run draws
 * the zones it plans together: a chart's cost is mostly per `setOption`, see there). Each
 * report's compose adds its charts to its own {@link ChartSlot}; {@link ChartBatch.draw} draws
 * every chart added and fills each report's SVGs in — the same SVGs, byte for byte, as each
 * report's drawn alone. When drawing them together throws, each report's charts are drawn
 * again alone, so that only a report whose chart cannot be drawn fails (its slot's `drawn`).
 */
export class ChartBatch {
  private readonly entries: {
    specs: readonly ChartSpec[];
    fill: (svgs: string[]) => void;
    slot: number;
  }[] = [];
  private readonly errors = new Map<number, unknown>();
  private slots = 0;
  private done = false;

  /** A new report's place in the batch. */
  slot(): ChartSlot {
    const id = this.slots++;
    return {
      add: (specs, fill) => {
        if (this.done) throw new Error('图表已绘制：不能再加入');
        this.entries.push({ specs, fill, slot: id });
      },
      drawn: () => {
        if (!this.done) throw new Error('图表尚未绘制');
        if (this.errors.has(id)) throw this.errors.get(id);
      },
    };
  }

  /** Draws every chart added, once, and fills them in. */
  draw(): void {
    if (this.done) return;
    this.done = true;
    const entries = this.entries.filter((e) => e.specs.length);
    let svgs: string[] | undefined;
    try {
      svgs = renderChartsSvg(entries.flatMap((e) => e.specs));
    } catch {
      // Drawn again report by report below: the error goes to the report it belongs to.
    }
    let at = 0;
    for (const e of this.entries) {
      try {
        const own = svgs
          ? svgs.slice(at, (at += e.specs.length))
          : e.specs.length
            ? renderChartsSvg(e.specs)
            : [];
        e.fill(own);
      } catch (err) {
        if (!this.errors.has(e.slot)) this.errors.set(e.slot, err);
      }
    }
  }
}

/** The kept instance for a size (made, and the oldest dropped past {@link MAX_INSTANCES}). */
function instanceFor(size: ChartSize): echarts.ECharts {
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
  return chart;
}

const asArray = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** One option for several charts of one width, each chart at its own zlevel (see above). */
function combined(specs: readonly ChartSpec[], height: number) {
  const grid: object[] = [];
  const legend: object[] = [];
  const xAxis: object[] = [];
  const yAxis: object[] = [];
  const series: ChartOption['series'] = [];
  const firstSeries: number[] = [];
  specs.forEach(({ option, size }, k) => {
    const { bottom, ...rest } = option.grid;
    grid.push({
      ...rest,
      ...(size.height === height ? { bottom } : { height: size.height - rest.top - bottom }),
      zlevel: k,
    });
    const names = new Map<string, string>();
    const x0 = xAxis.length;
    const y0 = yAxis.length;
    for (const axis of asArray(option.xAxis)) xAxis.push({ ...axis, gridIndex: k, zlevel: k });
    for (const axis of asArray(option.yAxis)) yAxis.push({ ...axis, gridIndex: k, zlevel: k });
    firstSeries.push(series.length);
    for (const s of option.series) {
      // A name of this chart's only: "<chart>\n<name>" (a legend prints it without the prefix).
      const name = `${k}\n${s.name}`;
      names.set(name, s.name);
      series.push({
        ...s,
        // A marker (the bulletin's baseline) has its own zlevel, not its series'.
        ...(s.markLine ? { markLine: { ...s.markLine, zlevel: k } } : {}),
        name,
        xAxisIndex: x0 + ((s.xAxisIndex as number | undefined) ?? 0),
        yAxisIndex: y0 + ((s.yAxisIndex as number | undefined) ?? 0),
        zlevel: k,
      });
    }
    if (option.legend) {
      legend.push({
        ...option.legend,
        data: [...names.keys()],
        formatter: (name: string) => names.get(name) ?? name,
        zlevel: k,
      });
    }
  });
  return {
    option: {
      animation: false,
      textStyle: { fontFamily: CHART_FONT, color: INK },
      grid,
      ...(legend.length ? { legend } : {}),
      xAxis,
      yAxis,
      series,
    },
    firstSeries,
  };
}

/** The charts of one width, drawn by one `setOption` and written to SVG one by one. */
function drawTogether(specs: readonly ChartSpec[], width: number): string[] {
  const height = Math.max(...specs.map((s) => s.size.height));
  const chart = instanceFor({ width, height });
  const { option, firstSeries } = combined(specs, height);
  const zr = chart.getZr();
  // zrender's painter and store of elements (not typed by ECharts): each chart's elements are
  // written alone, at the chart's own size.
  const painter = (zr as unknown as { painter: SvgPainter }).painter;
  const storage = painter.storage;
  let svgs: string[];
  try {
    chart.setOption(option, { notMerge: true });
    const all = storage.getDisplayList(true);
    const own: Displayable[][] = specs.map(() => []);
    for (const el of all) {
      const list = own[el.zlevel];
      if (!list) throw new Error(`图表元素的层级（zlevel ${el.zlevel}）不属于任何一张图`);
      list.push(el);
    }
    svgs = specs.map((spec, k) => {
      painter.storage = { getDisplayList: () => own[k]! };
      painter.resize(spec.size.width, spec.size.height);
      try {
        return chart.renderToSVGString();
      } finally {
        painter.storage = storage;
        painter.resize(width, height);
      }
    });
    chart.clear();
  } catch (e) {
    zr.animation.stop();
    instances.delete(`${width}×${height}`);
    chart.dispose();
    throw e;
  }
  zr.animation.stop();
  return svgs.map((svg, k) =>
    assertStaticSvg(plainText(chartNames(seriesNumbers(svg, firstSeries[k]!)))),
  );
}

interface Displayable {
  zlevel: number;
}
interface SvgPainter {
  storage: { getDisplayList(update?: boolean): Displayable[] };
  resize(width: number, height: number): void;
}

/** zrender's series numbers of a chart drawn with others, numbered again from its first. */
function seriesNumbers(svg: string, first: number): string {
  if (!first) return svg;
  return svg.replace(
    /\secmeta_series_index="(\d+)"/g,
    (_, n: string) => ` ecmeta_series_index="${Number(n) - first}"`,
  );
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

const spec = (option: ChartOption, size: ChartSize): ChartSpec => ({ option, size });

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

/** A figure's text as its number (with any qualifier: 约1284.1) and its unit (亿元, %, 家). */
const NUMBER_UNIT = /^(.*\d)(\D*)$/;

/**
 * The unit every labelled figure of a series ends in, when they share one (and there are
 * figures): the legend then names it once and the labels print the numbers alone.
 */
export function sharedUnit(texts: (string | undefined)[]): string | undefined {
  let unit: string | undefined;
  for (const t of texts) {
    if (t === undefined) continue;
    const m = NUMBER_UNIT.exec(t);
    if (!m || !m[2] || (unit !== undefined && m[2] !== unit)) return undefined;
    unit = m[2];
  }
  return unit;
}

/** The labels of a series and its legend name, the shared unit moved into the legend. */
function unitInLegend(s: ChartSeries): { name: string; texts: (string | undefined)[] } {
  const texts = s.figures.map((f) => f?.text);
  const unit = sharedUnit(texts);
  if (unit === undefined) return { name: s.name, texts };
  return {
    name: `${s.name}（${unit}）`,
    texts: texts.map((t) => (t === undefined ? t : t.slice(0, t.length - unit.length))),
  };
}

/**
 * The width of a label in px at `fontSize`: a Han character or a full-width sign takes the
 * em, a digit or a point of Noto Sans SC a little over half of it (0.6, on the safe side).
 */
export function labelWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) em += ch.codePointAt(0)! >= 0x2e80 ? 1 : 0.6;
  return em * fontSize;
}

/**
 * How a trend chart's bar labels fit above their bars: at 10 px when the widest fits the
 * width of a category, else at 9 or 8 px, else turned upright (read from the bar upwards) at
 * 9 px. `room` is the height an upright label needs above its bar.
 */
export function barLabelFit(
  texts: (string | undefined)[],
  categoryWidth: number,
): { fontSize: number; upright: boolean; room: number } {
  const widest = (fs: number) => Math.max(0, ...texts.map((t) => (t ? labelWidth(t, fs) : 0)));
  for (const fontSize of [10, 9, 8]) {
    if (widest(fontSize) <= categoryWidth - 4) return { fontSize, upright: false, room: 0 };
  }
  return { fontSize: 9, upright: true, room: widest(9) + 8 };
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
export function trendChart(opts: Parameters<typeof trendChartSpec>[0]): string {
  const { option, size } = trendChartSpec(opts);
  return renderChartSvg(option, size);
}

/** The option and size of {@link trendChart}. */
export function trendChartSpec(opts: {
  categories: string[];
  bars: ChartSeries;
  line?: ChartSeries;
  size?: ChartSize;
}): ChartSpec {
  const size = opts.size ?? { width: 640, height: 270 };
  const grid = { left: 16, right: 16, top: 36, bottom: 28 };
  const values = (s: ChartSeries) => s.figures.map((f) => (f ? f.value : null));
  const bars = unitInLegend(opts.bars);
  const line = opts.line ? unitInLegend(opts.line) : undefined;
  const categoryWidth = (size.width - grid.left - grid.right) / Math.max(1, opts.categories.length);
  const fit = barLabelFit(bars.texts, categoryWidth);
  // The plot's height: the grid less the year labels under it (10 px text and its margin).
  const plotHeight = size.height - grid.top - grid.bottom - 18;
  const series: ChartOption['series'] = [
    {
      name: bars.name,
      type: 'bar',
      data: values(opts.bars),
      barMaxWidth: 26,
      itemStyle: { color: RED },
      label: {
        show: true,
        position: 'top',
        fontSize: fit.fontSize,
        color: INK,
        formatter: label(bars.texts),
        ...(fit.upright ? { rotate: 90, align: 'left', verticalAlign: 'middle', distance: 4 } : {}),
      },
    },
  ];
  if (opts.line && line) {
    series.push({
      name: line.name,
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
        formatter: label(line.texts),
      },
    });
  }
  const lineValues = opts.line ? values(opts.line).filter((v): v is number => v !== null) : [];
  const barValues = values(opts.bars).filter((v): v is number => v !== null);
  const band = upperBand(lineValues);
  // Bars use the lower 55 % of the plot below a rate line (85 % alone); upright labels need
  // their length above the tallest bar, under the line's lowest marker (70 % of the plot up,
  // see upperBand) or the plot's top.
  const ceiling = opts.line ? 0.7 * plotHeight - 8 : plotHeight;
  const share = fit.upright
    ? Math.min(opts.line ? 0.55 : 0.85, Math.max(0.25, (ceiling - fit.room) / plotHeight))
    : opts.line
      ? 0.55
      : 0.85;
  return spec(
    {
      grid: { ...grid, containLabel: true },
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
          max: (Math.max(...barValues, 0) || 1) / share,
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
export function rankingBarChart(opts: Parameters<typeof rankingBarChartSpec>[0]): string {
  const { option, size } = rankingBarChartSpec(opts);
  return renderChartSvg(option, size);
}

/** The option and size of {@link rankingBarChart}. */
export function rankingBarChartSpec(opts: {
  categories: string[];
  series: ChartSeries;
  highlight?: ReadonlySet<number>;
  size?: ChartSize;
}): ChartSpec {
  const n = opts.categories.length;
  const size = opts.size ?? { width: 640, height: Math.max(120, 40 + n * 22) };
  // ECharts draws the first category at the bottom: reverse so the best is on top.
  const order = [...opts.categories.keys()].reverse();
  const figs = order.map((i) => opts.series.figures[i]);
  return spec(
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
export function categoryChart(opts: Parameters<typeof categoryChartSpec>[0]): string {
  const { option, size } = categoryChartSpec(opts);
  return renderChartSvg(option, size);
}

/** The option and size of {@link categoryChart}. */
export function categoryChartSpec(opts: {
  categories: string[];
  bars: ChartSeries;
  markers?: ChartSeries;
  /** A dashed reference line (e.g. the base year's 100 points), explained in the caption. */
  baseline?: { value: number };
  size?: ChartSize;
}): ChartSpec {
  const size = opts.size ?? { width: 640, height: 260 };
  const barFigs = opts.bars.figures;
  const series: ChartOption['series'] = [
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
  return spec(
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
