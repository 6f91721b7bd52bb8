/**
 * The data behind an issue: every printed figure with the records it comes from and where it
 * is printed (section, table / chart / article and its caption), and every printed table as
 * it reads on the page. Built from a composed {@link ReportView} only (its trace, the
 * placements the tracer recorded and the glossary of names); serialised as CSV and as an
 * Excel workbook by `app/data-export.ts`. Pure.
 */
import type { Figure, FigureRef } from './figures.ts';
import { formatPeriodZh } from './periods.ts';
import {
  alignCells,
  sourceDocument,
  type Block,
  type ReportView,
  type TableBlock,
} from './report-parts.ts';

export const DATA_CSV_TYPE = 'text/csv; charset=utf-8';
export const DATA_XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The file names of an issue's data files, from its PDF's name. */
export function dataFileNames(pdfFileName: string): { csv: string; xlsx: string } {
  const stem = pdfFileName.replace(/\.pdf$/i, '');
  return { csv: `${stem}-数据.csv`, xlsx: `${stem}-数据.xlsx` };
}

/** The columns of the figures sheet and of the CSV, in order. */
export const DATA_COLUMNS = [
  '序号',
  '栏目',
  '位置类型',
  '位置',
  '园区代码',
  '园区',
  '指标代码',
  '指标',
  '期别',
  '刊印值',
  '存储值',
  '单位',
  '限定词',
  '口径',
  '修订版本',
  '来源',
  '依据记录',
] as const;

export type DataRow = (string | number)[];

/** One printed table as it reads on the page: one sheet of the workbook. */
export interface DataTable {
  caption: string;
  header: string[];
  rows: string[][];
}

export interface DataFile {
  title: string;
  columns: readonly string[];
  /** One row per figure and place it is printed in. */
  rows: DataRow[];
  tables: DataTable[];
}

const BLOCK_LABEL = {
  article: '文章',
  table: '表格',
  chart: '图表',
  zoneCards: '园区卡片',
  note: '说明',
} as const;

interface Place {
  section: string;
  type: string;
  caption: string;
}

function anchorOf(block: Block): string | undefined {
  return (
    block.article?.anchor ?? block.table?.anchor ?? block.chart?.anchor ?? block.zoneCards?.anchor
  );
}

function placeOf(section: string, block: Block): Place {
  const type = (Object.keys(BLOCK_LABEL) as (keyof typeof BLOCK_LABEL)[]).find((k) => block[k]);
  const caption =
    block.article?.title ??
    block.table?.caption ??
    block.chart?.caption ??
    block.zoneCards?.title ??
    block.note?.text ??
    '';
  return { section, type: type ? BLOCK_LABEL[type] : '', caption };
}

/** Every block of the view with an anchor, by anchor. */
export function placesOf(view: ReportView): Map<string, Place> {
  const places = new Map<string, Place>();
  for (const s of view.sections)
    for (const b of s.blocks) {
      const anchor = anchorOf(b);
      if (anchor && !places.has(anchor)) places.set(anchor, placeOf(s.name, b));
    }
  return places;
}

const DERIVED_LABEL: Record<NonNullable<Figure['derived']>, string> = {
  'yoy-from-previous-period': '同比增长（按上年同期计算）',
  'share-of-china': '占全国比重（按全国同期计算）',
  difference: '增速差（百分点）',
  sum: '合计',
  'share-of-total': '占合计比重（计算）',
  rank: '排名',
  'amount-difference': '差额（计算）',
  ratio: '相当于（计算）',
  count: '计数',
};

function measureOf(f: Figure): string {
  if (f.derived) return f.rankedBy ? '按增速排名' : DERIVED_LABEL[f.derived];
  if (f.measure === 'growth') return '同比增长（报送）';
  if (f.measure === 'share') return '占全国比重（报送）';
  return '数值';
}

function unitOf(f: Figure, view: ReportView): string {
  const indicatorUnit = view.glossary.indicators[f.refs[0]?.indicator ?? '']?.unit ?? '';
  switch (f.derived) {
    case 'yoy-from-previous-period':
    case 'share-of-china':
    case 'share-of-total':
    case 'ratio':
      return '%';
    case 'difference':
      return '个百分点';
    case 'rank':
      return '位';
    case 'count':
      return f.text.replace(/^[\d.]+/, '');
    case 'sum':
    case 'amount-difference':
      return indicatorUnit;
    default:
      return f.measure === 'growth' || f.measure === 'share' ? '%' : indicatorUnit;
  }
}

/**
 * A plain decimal for a stored number (no exponent, at most 12 significant digits) — but for
 * one of 1e21 and over, or under ≈ 1e-88, where a plain decimal would need more than the 100
 * places `toFixed` writes (it threw): JavaScript's own exponent form, the value kept.
 */
export function storedNumber(value: number): string {
  if (!Number.isFinite(value)) return '';
  const rounded = Number(value.toPrecision(12));
  if (Math.abs(rounded) >= 1e21) return String(rounded);
  const places = Math.max(0, 12 - Math.floor(Math.log10(Math.abs(rounded) || 1)));
  if (places > 100) return String(rounded);
  const text = rounded.toFixed(places);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** What a row says of its figure's records (periods, sources, revisions, the records). */
interface RefsText {
  periods: string;
  sources: string;
  revisions: string | number;
  records: string;
}

/**
 * Once per list of refs: a list is shared by the figures over the same records (a zone
 * profile's rank and count over the period's peers, in every profile of a run) and never
 * changed, so its texts are made once, not once per row.
 */
const refsTexts = new WeakMap<readonly FigureRef[], RefsText>();

function refsTextOf(refs: readonly FigureRef[]): RefsText {
  let text = refsTexts.get(refs);
  if (!text) {
    const sources = [...new Set(refs.map((r) => sourceDocument(r.source)))].filter(Boolean);
    text = {
      periods: [...new Set(refs.map((r) => r.period))].join('、'),
      sources: sources.join('；'),
      revisions: refs.length === 1 ? refs[0]!.revision : refs.map((r) => r.revision).join('、'),
      records: refs.length > 1 ? recordsText(refs) : '',
    };
    refsTexts.set(refs, text);
  }
  return text;
}

/**
 * The records of a figure computed from several (依据记录): `zone/indicator/period#revision`
 * each, `；` between them; records of one indicator and period (a rank's or a count's peers)
 * as `indicator/period：zone#revision、zone#revision…` (each record's key and revision, said once).
 */
function recordsText(refs: readonly FigureRef[]): string {
  const { indicator, period } = refs[0]!;
  if (refs.every((r) => r.indicator === indicator && r.period === period))
    return `${indicator}/${period}：${refs.map((r) => `${r.zone}#${r.revision}`).join('、')}`;
  return refs.map((r) => `${r.zone}/${r.indicator}/${r.period}#${r.revision}`).join('；');
}

/**
 * A figure over more records than this (a rank, a count, a sum over zones) whose records an
 * earlier row listed says `同序号N` (N: that row's 序号) for its revisions and records.
 */
const LISTED_ONCE_OVER = 2;

/** The 序号 of the row that first listed each list of records (its 依据记录 text). */
type Listed = Map<string, number>;

function figureRow(
  n: number,
  f: Figure,
  place: Place | undefined,
  view: ReportView,
  listed: Listed,
): DataRow {
  const first = f.refs[0];
  const zone = f.subject ?? first?.zone ?? '';
  const indicator = first?.indicator ?? '';
  const refs = refsTextOf(f.refs);
  let { revisions, records } = refs;
  if (f.refs.length > LISTED_ONCE_OVER) {
    const earlier = listed.get(records);
    if (earlier === undefined) listed.set(records, n);
    else revisions = records = `同序号${earlier}`;
  }
  return [
    n,
    place?.section ?? '',
    place?.type ?? '',
    place?.caption ?? '',
    zone,
    view.glossary.zones[zone] ?? '',
    indicator,
    view.glossary.indicators[indicator]?.name ?? '',
    f.derived === 'rank' || f.derived === 'count' ? refs.periods : (first?.period ?? ''),
    f.text,
    storedNumber(f.value),
    unitOf(f, view),
    f.qualifier ?? '',
    measureOf(f),
    revisions,
    refs.sources,
    records,
  ];
}

/**
 * The data file of a composed view: one row per printed figure and place (in the order the
 * blocks are printed), and the printed tables.
 * @throws Error when a figure is placed in a block the view does not print (a tracer bug).
 */
export function buildDataFile(view: ReportView): DataFile {
  const places = placesOf(view);
  const order = [...places.keys()];
  const placed = new Set<number>();
  const sorted = [...view.placements].sort(
    (a, b) => order.indexOf(a.anchor) - order.indexOf(b.anchor) || a.figure - b.figure,
  );
  const rows: DataRow[] = [];
  const listed: Listed = new Map();
  for (const p of sorted) {
    const place = places.get(p.anchor);
    const figure = view.trace[p.figure];
    if (!place || !figure)
      throw new Error(`数字 ${p.figure} 放在 "${p.anchor}"，而视图中没有这一处`);
    placed.add(p.figure);
    rows.push(figureRow(rows.length + 1, figure, place, view, listed));
  }
  // A figure used without a place (should not happen: see the data-file test) still appears.
  const seen = new Set<Figure>(sorted.map((p) => view.trace[p.figure]!));
  view.trace.forEach((f, i) => {
    if (placed.has(i) || seen.has(f)) return;
    seen.add(f);
    rows.push(figureRow(rows.length + 1, f, undefined, view, listed));
  });
  const tables: DataTable[] = view.sections.flatMap((s) =>
    s.blocks.flatMap((b) =>
      b.table
        ? [
            {
              caption: b.table.caption,
              header: b.table.columns.map((c) => c.label),
              rows: b.table.rows.map((r) => r.cells.map((c) => c.text)),
            },
          ]
        : [],
    ),
  );
  return { title: view.documentTitle, columns: DATA_COLUMNS, rows, tables };
}

/** Figures of the trace that no placement names (each should be printed somewhere). */
export function unplacedFigures(view: ReportView): Figure[] {
  const placed = new Set(view.placements.map((p) => view.trace[p.figure]));
  return view.trace.filter((f) => !placed.has(f));
}

const MEASURE_LABEL: Partial<Record<string, string>> = {
  growth: '同比增长',
  share: '占全国比重',
};

/**
 * What tells the figures of one chart apart, in words: the zone, the period and the indicator
 * where they differ between the chart's figures, and the measure (同比增长, 占全国比重).
 */
function figureLabels(figures: Figure[], view: ReportView): string[] {
  const zoneOf = (f: Figure) => f.subject ?? f.refs[0]?.zone ?? '';
  const varies = (key: (f: Figure) => string) => new Set(figures.map(key)).size > 1;
  const byZone = varies(zoneOf);
  const byPeriod = varies((f) => f.refs[0]?.period ?? '');
  const byMeasure = varies((f) => f.measure ?? '');
  const byIndicator = byMeasure || varies((f) => f.refs[0]?.indicator ?? '');
  return figures.map((f) => {
    const first = f.refs[0];
    const parts: string[] = [];
    if (byZone) parts.push(view.glossary.zoneShortNames[zoneOf(f)] ?? zoneOf(f));
    if (byPeriod && first) parts.push(formatPeriodZh(first.period));
    if (byIndicator && first)
      parts.push(view.glossary.indicators[first.indicator]?.name ?? first.indicator);
    const measure = MEASURE_LABEL[f.measure ?? ''];
    if (measure) {
      // 同比增长 / 占全国比重 stand for the indicator they measure.
      if (byIndicator) parts.pop();
      parts.push(measure);
    }
    return parts.join(' ');
  });
}

/**
 * Every chart of the view with its text alternative (the caption, then each figure it draws
 * with what tells it apart: `2024年 园区生产总值 突破19.3万亿元`) and its figures as a table. The
 * figures are those the tracer placed in the chart.
 */
export function describeCharts<V extends ReportView>(view: V): V {
  const inChart = new Map<string, Figure[]>();
  for (const p of view.placements) {
    const f = view.trace[p.figure];
    if (!f) continue;
    const list = inChart.get(p.anchor);
    if (list) list.push(f);
    else inChart.set(p.anchor, [f]);
  }
  return {
    ...view,
    sections: view.sections.map((s) => ({
      ...s,
      blocks: s.blocks.map((b) => {
        if (!b.chart) return b;
        // The counts in a caption (共24个园区报送) are read with the caption.
        const figures = ((b.chart.anchor && inChart.get(b.chart.anchor)) || []).filter(
          (f) => f.derived !== 'count',
        );
        const labels = figureLabels(figures, view);
        const items = figures.map((f, i) => `${labels[i] ? `${labels[i]} ` : ''}${f.text}`);
        const caption = b.chart.caption.replace(/^图\d+\s*/, '');
        const alt = items.length ? `${caption}：${items.join('；')}。` : `${caption}。`;
        const dataTable: TableBlock | undefined = figures.length
          ? alignCells({
              caption: `${b.chart.caption}：数据`,
              columns: [
                { label: '项目', align: 'left' },
                { label: '数值', align: 'right' },
              ],
              rows: figures.map((f, i) => ({
                cells: [{ text: labels[i] || caption, header: true }, { text: f.text }],
              })),
            })
          : undefined;
        return { ...b, chart: { ...b.chart, alt, ...(dataTable ? { dataTable } : {}) } };
      }),
    })),
  };
}
