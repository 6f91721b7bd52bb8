/**
 * The parts every report kind shares: the view-model blocks the templates print, the source
 * register (records grouped by the document they come from), the tracer that collects every
 * printed {@link Figure}, the masthead and the colophon. Pure: no I/O.
 */
import type { ReportKind } from '../contract/kinds.ts';
import { formatDateZh, formatPointGap } from './format.ts';
import {
  derivedAmount,
  derivedQualifier,
  derivedRate,
  PRECISION_RULE,
  qualify,
} from './numbers.ts';
import type { ArticleCheck } from './articles.ts';
import { refOf, type Figure, type FigureRef } from './figures.ts';
import { issuerOn, type IndicatorRecord, type Series } from './model.ts';

/** One line of the contents: an article (or a table / chart block) and the page it starts on. */
export interface ContentsEntry {
  title: string;
  anchor: string;
  /** Filled in after a first render (see `app/publish.ts`); absent on the first pass. */
  page?: number;
}

export interface ArticleBlock {
  anchor: string;
  title: string;
  /** Generated prose: a bold lead-in and the sentences that follow it. */
  paragraphs?: { lead?: string; text: string }[];
  /** Editor text rendered from Markdown (HTML disabled, so markup in it prints as text). */
  html?: string;
  byline?: string;
  /** Source marks of the figures in generated prose, e.g. `①②`. */
  sourceLine?: string;
}

export interface TableCell {
  text: string;
  /** Set from the column by {@link alignCells}. */
  align?: 'left' | 'right' | 'center';
  /** A row header cell (`<th scope="row">`). */
  header?: boolean;
  /** Cell prints "—" for a value that is missing. */
  missing?: boolean;
}

export interface TableBlock {
  anchor?: string;
  caption: string;
  columns: { label: string; align?: 'left' | 'right' | 'center' }[];
  rows: { cells: TableCell[]; highlight?: boolean; missing?: boolean }[];
  sourceLine?: string;
  note?: string;
  /** Narrow tables (two columns) print at half width. */
  compact?: boolean;
  /** A style hook of the templates, e.g. `rank-table`. */
  className?: string;
}

export interface ChartBlock {
  anchor?: string;
  caption: string;
  /** Server-rendered SVG (ECharts SSR); no script, no event handlers. */
  svg: string;
  sourceLine?: string;
  note?: string;
  /**
   * The chart in words (its caption and every figure it draws): `/Alt` of its Figure in the
   * tagged PDF, the web edition's `aria-label`. Set by `describeCharts` (core/data-file.ts).
   */
  alt?: string;
  /** The figures it draws as a table (the web edition's 数据表). */
  dataTable?: TableBlock;
}

export interface ZoneCard {
  zoneId: string;
  name: string;
  place: string;
  headline?: string;
  facts: { label: string; value: string; growth?: string; share?: string }[];
}

export interface ZoneCardsBlock {
  anchor: string;
  title: string;
  cards: ZoneCard[];
  sourceLine?: string;
}

/** Copies each column's alignment to its cells (the templates print cells as they are). */
export function alignCells(table: TableBlock): TableBlock {
  return {
    ...table,
    rows: table.rows.map((row) => ({
      ...row,
      cells: row.cells.map((c, i) => ({ align: table.columns[i]?.align ?? 'right', ...c })),
    })),
  };
}

/** One block of a section; exactly one field is set. */
export interface Block {
  article?: ArticleBlock;
  table?: TableBlock;
  chart?: ChartBlock;
  zoneCards?: ZoneCardsBlock;
  note?: { text: string };
}

export interface SectionView {
  name: string;
  subtitle?: string;
  anchor: string;
  entries: ContentsEntry[];
  blocks: Block[];
}

export interface SourceEntry {
  n: number;
  mark: string;
  text: string;
}

export interface ColophonBlock {
  heading?: string;
  lines: { label: string; value: string }[];
}

export interface Masthead {
  seriesTitle: string;
  issuer: string;
  issueLine: string;
  dateZh: string;
  preview: boolean;
  /** The subject of a one-off report (a zone, a region), printed under the rule. */
  reportTitle?: string;
  reportSubtitle?: string;
}

/** What every report kind's view model carries. */
export interface ReportView {
  kind: ReportKind;
  lang: 'zh-CN';
  documentTitle: string;
  fileName: string;
  metadata: { title: string; author: string; subject: string; keywords: string[] };
  masthead: Masthead;
  period: string;
  periodZh: string;
  sections: SectionView[];
  dataQuality: { missing: string[]; notes: string[] };
  sources: SourceEntry[];
  colophon: ColophonBlock[];
  /** Every figure printed, for tracing. */
  trace: Figure[];
  /**
   * Where each figure of `trace` is printed: the index of the figure in `trace` and the anchor
   * of the block (article, table, chart, zone cards) that prints it; a figure printed in two
   * blocks (a key-table value the lead article repeats) has two placements.
   */
  placements: FigurePlacement[];
  /**
   * The pages each placed block (by anchor) landed on, once printed (from the PDF's named
   * destinations, `core/printed-pages.ts`); absent before printing.
   */
  blockPages?: Record<string, number[]>;
  /** Set while printing: the blocks whose start and end the print marks (hidden links). */
  blockMarks?: string[];
  /** Names of the zones and indicators the figures name (for the data file). */
  glossary: Glossary;
  /** Typed and cited figures of the editor articles (see core/articles.ts). */
  articleCheck?: ArticleCheck;
}

/** A figure of `trace` (by index) printed in the block with `anchor`. */
export interface FigurePlacement {
  figure: number;
  anchor: string;
}

export interface Glossary {
  zones: Record<string, string>;
  /** Short names (东湖高新区), as charts and tables print them. */
  zoneShortNames: Record<string, string>;
  indicators: Record<string, { name: string; unit: string }>;
}

/**
 * What a list of refs names, each once, in the order it first appears: its source documents,
 * zones and indicators. Made once per list of more than one ref: such a list is shared by the
 * figures over the same records (a zone profile's ranks and counts over the period's peers, in
 * every profile of a run) and never changed.
 */
interface RefNames {
  documents: string[];
  zones: string[];
  indicators: string[];
}
const refNames = new WeakMap<readonly FigureRef[], RefNames>();
const NO_NAMES: RefNames = { documents: [], zones: [], indicators: [] };

function namesOf(refs: readonly FigureRef[]): RefNames {
  if (!refs.length) return NO_NAMES;
  if (refs.length === 1) {
    const [r] = refs as [FigureRef];
    return { documents: [sourceDocument(r.source)], zones: [r.zone], indicators: [r.indicator] };
  }
  let names = refNames.get(refs);
  if (!names) {
    names = {
      documents: [...new Set(refs.map((r) => sourceDocument(r.source)))],
      zones: [...new Set(refs.map((r) => r.zone))],
      indicators: [...new Set(refs.map((r) => r.indicator))],
    };
    refNames.set(refs, names);
  }
  return names;
}

/** The names of every zone and indicator the figures of `trace` refer to. */
export function glossaryOf(
  trace: Figure[],
  ref: {
    zone(id: string): { name: string; shortName: string } | undefined;
    indicator(code: string): { name: string; unit: string } | undefined;
  },
): Glossary {
  const zones: Glossary['zones'] = {};
  const zoneShortNames: Glossary['zoneShortNames'] = {};
  const indicators: Glossary['indicators'] = {};
  // A list of refs shared by several figures (a rank and a count over the same peers, a figure
  // printed twice) names nothing new the second time: a zone profile's trace holds 107 lists of
  // 18 k refs, 181 times.
  const listsSeen = new Set<readonly FigureRef[]>();
  for (const f of trace) {
    // The zones and indicators a list names, each once (in the order they first appear).
    const shared = f.refs.length > 1;
    if (!shared || !listsSeen.has(f.refs)) {
      if (shared) listsSeen.add(f.refs);
      const { zones: zonesNamed, indicators: indicatorsNamed } = namesOf(f.refs);
      for (const id of zonesNamed) {
        if (Object.hasOwn(zones, id)) continue;
        const z = ref.zone(id);
        if (z) zones[id] = z.name;
        if (z) zoneShortNames[id] = z.shortName;
      }
      for (const code of indicatorsNamed) {
        if (Object.hasOwn(indicators, code)) continue;
        const ind = ref.indicator(code);
        if (ind) indicators[code] = { name: ind.name, unit: ind.unit };
      }
    }
    if (f.subject) {
      const z = ref.zone(f.subject);
      if (z) zones[f.subject] = z.name;
      if (z) zoneShortNames[f.subject] = z.shortName;
    }
  }
  return { zones, zoneShortNames, indicators };
}

const CIRCLED = [
  ...Array.from({ length: 20 }, (_, i) => String.fromCodePoint(0x2460 + i)),
  ...Array.from({ length: 15 }, (_, i) => String.fromCodePoint(0x3251 + i)),
  ...Array.from({ length: 15 }, (_, i) => String.fromCodePoint(0x32b1 + i)),
];

/** `①` … `㊿` for 1–50: source marks that cannot be mistaken for printed figures. */
export function sourceMark(n: number): string {
  return CIRCLED[n - 1] ?? `〔${n}〕`;
}

const documents = new Map<string, string>();

/**
 * The document a record's source names, as a reader knows it: the text before the first `；`
 * — publication, publisher and date, e.g. `《火炬动态》2022年第21期（总第550期）…，科技部火炬
 * 高技术产业开发中心，2022年12月15日`. What follows (remarks on wording and period) and
 * internal ids such as `[seeds/002]` stay in the data and are never printed.
 */
export function sourceDocument(source: string): string {
  let doc = documents.get(source);
  if (doc === undefined) {
    const head = source.split('；')[0] ?? source;
    doc = (
      head.includes('seeds/')
        ? head
            .replace(/\[seeds\/\d+\]/g, '')
            .replace(/[（(][^（）()]*seeds\/\d+[^（）()]*[）)]/g, '')
            .replace(/[，,]?[^，,；]*seeds\/\d+[^，,；]*/g, '')
        : head
    ).trim();
    // Thousands of records share a few sources: each is read once (a bounded memo).
    if (documents.size >= 4096) documents.clear();
    documents.set(source, doc);
  }
  return doc;
}

/**
 * Collects the printed figures and numbers their source documents in order of first use.
 */
export class Tracer {
  readonly trace: Figure[] = [];
  readonly placements: FigurePlacement[] = [];
  private readonly sources = new Map<string, SourceEntry>();
  private readonly indexOf = new Map<Figure, number>();
  private readonly placed = new Set<string>();
  private anchor: string | undefined;

  /**
   * The block (its anchor) the figures used from now on are printed in; `undefined`: figures
   * whose blocks are named later with {@link printedIn}.
   */
  at(anchor: string | undefined): this {
    this.anchor = anchor;
    return this;
  }

  /** Records that figures already used are printed (again) in the block `anchor`. */
  printedIn(anchor: string, figures: (Figure | undefined)[]): void {
    const current = this.anchor;
    this.anchor = anchor;
    for (const f of figures) if (f) this.place(f);
    this.anchor = current;
  }

  /** Registers a figure as printed (in the current block); returns it (or `undefined`). */
  use<T extends Figure | undefined>(figure: T): T {
    if (figure) {
      this.trace.push(figure);
      if (!this.indexOf.has(figure)) this.indexOf.set(figure, this.trace.length - 1);
      this.place(figure);
      for (const doc of namesOf(figure.refs).documents) this.citeDocument(doc);
    }
    return figure;
  }

  /** Records that `figure` (already used) is printed in the current block. */
  private place(figure: Figure): void {
    const index = this.indexOf.get(figure);
    if (index === undefined || this.anchor === undefined) return;
    const key = `${index}#${this.anchor}`;
    if (this.placed.has(key)) return;
    this.placed.add(key);
    this.placements.push({ figure: index, anchor: this.anchor });
  }

  /** Text of a figure as printed, registering it; `—` when missing. */
  text(figure: Figure | undefined): string {
    return this.use(figure)?.text ?? '—';
  }

  cite(ref: FigureRef | IndicatorRecord): SourceEntry {
    return this.citeDocument(sourceDocument(ref.source));
  }

  private citeDocument(doc: string): SourceEntry {
    let entry = this.sources.get(doc);
    if (!entry) {
      const n = this.sources.size + 1;
      entry = { n, mark: sourceMark(n), text: doc };
      this.sources.set(doc, entry);
    }
    return entry;
  }

  /** The marks of the documents behind `figures`, in number order: `①③`. */
  marks(figures: (Figure | undefined)[]): string {
    const ns = new Set<number>();
    for (const f of figures)
      if (f) for (const doc of namesOf(f.refs).documents) ns.add(this.citeDocument(doc).n);
    return [...ns]
      .sort((a, b) => a - b)
      .map(sourceMark)
      .join('');
  }

  /** A "资料来源" line for a table or chart. */
  sourceLine(figures: (Figure | undefined)[]): string | undefined {
    const marks = this.marks(figures);
    return marks ? `资料来源：${marks}（见文末“数据来源”）` : undefined;
  }

  list(): SourceEntry[] {
    return [...this.sources.values()];
  }
}

/** Figures computed by the precision rule (not ranks or counts, which are exact). */
const COMPUTED: ReadonlySet<Figure['derived']> = new Set([
  'yoy-from-previous-period',
  'share-of-china',
  'difference',
  'sum',
  'share-of-total',
  'amount-difference',
  'ratio',
]);

/** The data note's precision rule, when the report prints a figure it computed. */
export function precisionNote(trace: Figure[]): string[] {
  return trace.some((f) => COMPUTED.has(f.derived)) ? [PRECISION_RULE] : [];
}

/** A difference in percentage points between two rates (`高0.5个百分点`). */
export function pointGapFigure(a: Figure, b: Figure): Figure {
  const points = a.value - b.value;
  const qualifier = derivedQualifier([a, b], 'other');
  const gap = formatPointGap(points);
  return {
    text: qualifier && gap !== '持平' ? `${qualifier}${gap}` : gap,
    ...(qualifier ? { qualifier } : {}),
    parts: a.refs.length,
    value: points,
    refs: [...a.refs, ...b.refs],
    derived: 'difference',
  };
}

/** The sum of records of one indicator (e.g. the GDP of a region's zones). */
export function sumFigure(records: IndicatorRecord[], ind: { unit: string }): Figure {
  const sum = derivedAmount(
    records.map((record) => ({ record })),
    ind.unit,
  );
  return {
    text: qualify(sum.number, sum.unit, sum.qualifier),
    value: sum.value,
    refs: records.map(refOf),
    derived: 'sum',
    ...(sum.qualifier ? { qualifier: sum.qualifier } : {}),
  };
}

/** `part` as a share of `total`, in %. */
export function shareOfTotalFigure(part: Figure, total: Figure): Figure | undefined {
  if (total.value === 0) return undefined;
  const pct = (part.value / total.value) * 100;
  const qualifier = derivedQualifier([part, total], 'other');
  return {
    text: qualify(derivedRate(pct), '%', qualifier),
    value: pct,
    refs: [...part.refs, ...total.refs],
    derived: 'share-of-total',
    ...(qualifier ? { qualifier } : {}),
    parts: part.refs.length,
  };
}

/** `a` as a % of `b` (a zone against a benchmark zone). */
export function ratioFigure(a: Figure, b: Figure): Figure | undefined {
  const share = shareOfTotalFigure(a, b);
  return share && { ...share, derived: 'ratio' };
}

/**
 * The records a rank or a count is over, or their refs made once (`refsOf`): the figures over
 * the same records then share one list (a zone profile's rank and count over the period's
 * peers, in every profile of a run) instead of a copy each.
 */
export type Among = IndicatorRecord[] | { refs: FigureRef[] };

/** The refs of records, as a figure over them names them (shared: never changed). */
export function refsOf(records: IndicatorRecord[]): { refs: FigureRef[] } {
  return { refs: records.map(refOf) };
}

function refsOfAmong(among: Among): FigureRef[] {
  return Array.isArray(among) ? among.map(refOf) : among.refs;
}

/** The rank (1 = best) of `zone` among the zones whose records are `among`. */
export function rankFigure(rank: number, among: Among, zone: string, by?: 'growth'): Figure {
  return {
    text: String(rank),
    value: rank,
    refs: refsOfAmong(among),
    derived: 'rank',
    subject: zone,
    ...(by ? { rankedBy: by } : {}),
  };
}

/**
 * The base of a rank: 全国排名 only when every national zone reported the indicator;
 * otherwise a rank among the reporting zones, said so where it is printed.
 */
export function rankBase(
  reporting: number,
  nationalCount: number,
): { national: boolean; nationalCount: number; column: string } {
  const national = reporting >= nationalCount;
  return { national, nationalCount, column: national ? '全国排名' : '报送园区中排名' };
}

/** How many national zones there are in `period`: the recorded count, else the catalogue's. */
export function nationalZoneCount(
  ref: { zones: { level: string }[] },
  index: { get(zone: string, indicator: string, period: string): IndicatorRecord | undefined },
  period: string,
): number {
  const year = period.slice(0, 4);
  const recorded = index.get('national-htz', 'national-htz-count', year)?.value;
  const known = ref.zones.filter((z) => z.level === 'national').length;
  return Math.max(recorded ?? 0, known);
}

/** A count of zones (or records) behind a statement. */
export function countFigure(n: number, unit: string, among: Among): Figure {
  return { text: `${n}${unit}`, value: n, refs: refsOfAmong(among), derived: 'count' };
}

/** The masthead of any kind: the issuer follows the date (the duty moved in 2023). */
export function mastheadOf(
  series: Series,
  issueLine: string,
  date: Date,
  timeZone: string,
  preview: boolean,
): Masthead {
  return {
    seriesTitle: series.title,
    issuer: issuerOn(series, date.toISOString()),
    issueLine,
    dateZh: formatDateZh(date, timeZone),
    preview,
  };
}

const COLOPHON_LABELS: Record<string, string> = {
  editorialOffice: '编辑部',
  address: '地址',
  postcode: '邮编',
  phone: '电话',
  fax: '传真',
  website: '网址',
  email: '电子邮箱',
  editor: '责任编辑',
  printedCopies: '印数',
};

/**
 * The back-page colophon from the series configuration, laid out as the printed bulletin:
 * the issuer with its address block, then the editorial office (its first line prefixed
 * 编辑部) and 责任编辑. `source` is provenance of the configuration and is not printed.
 */
export function colophonBlocks(series: Series, date: Date): ColophonBlock[] {
  const issuer = issuerOn(series, date.toISOString());
  const first: ColophonBlock = { heading: issuer, lines: [] };
  const blocks: ColophonBlock[] = [first];
  const trailing: { label: string; value: string }[] = [];
  for (const [key, value] of Object.entries(series.colophon)) {
    if (key === 'source' || key === 'issuer' || value === null || value === '') continue;
    const label = COLOPHON_LABELS[key] ?? key;
    if (typeof value === 'object') {
      const lines = Object.entries(value)
        .filter(([, v]) => v !== null && v !== '')
        .map(([k, v], i) => ({
          label: `${i === 0 ? label : ''}${COLOPHON_LABELS[k] ?? k}`,
          value: String(v),
        }));
      if (lines.length) blocks.push({ lines });
    } else if (key === 'editor') trailing.push({ label, value: String(value) });
    else first.lines.push({ label, value: String(value) });
  }
  const last = blocks[blocks.length - 1]!;
  last.lines.push(...trailing);
  return blocks;
}

export function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

export function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((i) => (seen.has(key(i)) ? false : (seen.add(key(i)), true)));
}
