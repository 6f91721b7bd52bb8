/**
 * Composes a zone profile (园区画像): one national high-tech zone — every indicator over time,
 * charts, its rank among all national zones and within its region, and its growth against
 * the national figure. Pure: the zone's records and the period-wide records (for ranks) in,
 * view model out; every printed number is a traced {@link Figure}.
 */
import {
  rankingBarChartSpec,
  renderChartsSvg,
  trendChartSpec,
  type ChartSink,
  type ChartSpec,
} from './charts.ts';
import { datePartsIn, formatIssueLine } from './format.ts';
import {
  growthOf,
  MISSING,
  RecordIndex,
  valueFigure,
  type Figure,
  type FigureRef,
} from './figures.ts';
import {
  CATEGORIES,
  NATIONAL_HTZ,
  type Indicator,
  type IndicatorRecord,
  type Series,
  type Zone,
} from './model.ts';
import { narrative, type NarrativeItem } from './narrative.ts';
import { formatPeriodZh, parsePeriod } from './periods.ts';
import { rank, type Ranked } from './rankings.ts';
import type { Reference } from './reference.ts';
import {
  alignCells,
  colophonBlocks,
  countFigure,
  groupBy,
  mastheadOf,
  pointGapFigure,
  rankFigure,
  refsOf,
  Tracer,
  glossaryOf,
  precisionNote,
  type Block,
  type ReportView,
  type SectionView,
  type TableBlock,
} from './report-parts.ts';

export interface ZoneProfileInput {
  series: Series;
  issue?: { year: number; number: number; total: number };
  date: Date;
  zone: string;
  /** Every record of the zone (all periods). */
  zoneRecords: IndicatorRecord[];
  /** All records of the periods ranked (every zone, the national aggregate included). */
  periodRecords: IndicatorRecord[];
  /** The profile's period; default: the zone's latest annual period. */
  period?: string;
  reference: Reference;
  /** Indicators the profile leads with (a series' `keyIndicators`). */
  keyIndicators: string[];
  timeZone?: string;
  /**
   * What every profile of the period shares, from {@link zoneProfileContext} over the same
   * `periodRecords` and period: built once for an all-zones run instead of once per zone.
   * Absent (or built for other records or another period): built here.
   */
  context?: ZoneProfileContext;
  /**
   * Where the profile's charts go to be drawn later, with other profiles' (the all-zones run's
   * `ChartBatch`): the view's charts have no SVG until then. Absent: drawn here.
   */
  charts?: ChartSink;
}

/** National zones reporting one indicator in the period, ranked, with their refs (`refsOf`). */
interface Peers {
  peers: IndicatorRecord[];
  ranked: Ranked<IndicatorRecord>[];
  /**
   * Each zone's first place in `ranked` (what `ranked.find` by zone gives): a profile looks its
   * zone up here, not through every ranked peer (O(zones²) over an all-zones run).
   */
  rankOf: Map<string, Ranked<IndicatorRecord>>;
  /** What a rank or a count over `peers` names: one list for every profile of the period. */
  refs: FigureRef[];
}

/** The national zones reporting one indicator in the period, ranked. */
export interface IndicatorPeers extends Peers {
  /** The same per region (东部 / 中部 / 西部 / 东北), in the order of `peers`. */
  regional: Map<string, Peers>;
}

/** The period-wide part of every zone profile of one period: an index and the rankings. */
export interface ZoneProfileContext {
  period: string;
  /** The records it was built from (the same array is what makes it valid for an input). */
  periodRecords: IndicatorRecord[];
  index: RecordIndex;
  /** By indicator code; an indicator no national zone reports in the period is absent. */
  byIndicator: Map<string, IndicatorPeers>;
}

export interface ZoneProfileView extends ReportView {
  kind: 'zone-profile';
  zone: { id: string; name: string; shortName: string };
}

const MAX_PERIOD_COLUMNS = 6;

/** The latest annual period with a record of the zone (what a profile covers by default). */
export function latestAnnualPeriod(records: IndicatorRecord[]): string | undefined {
  return records
    .map((r) => r.period)
    .filter((p) => parsePeriod(p)?.granularity === 'annual')
    .sort()
    .at(-1);
}

/**
 * The rankings and the record index every zone profile of `period` shares: O(records) once,
 * where ranking inside each profile made an all-zones run O(zones²).
 */
export function zoneProfileContext(
  periodRecords: IndicatorRecord[],
  period: string,
  ref: Reference,
): ZoneProfileContext {
  const national = periodRecords.filter(
    (r) => r.period === period && ref.zone(r.zone)?.level === 'national',
  );
  const byIndicator = new Map<string, IndicatorPeers>();
  for (const [code, peers] of groupBy(national, (r) => r.indicator)) {
    const higherIsBetter = ref.indicator(code)?.higherIsBetter;
    const regional = new Map<string, Peers>();
    for (const [region, inRegion] of groupBy(peers, (p) => ref.zone(p.zone)?.region)) {
      if (region) regional.set(region, rankedPeers(inRegion, higherIsBetter));
    }
    byIndicator.set(code, { ...rankedPeers(peers, higherIsBetter), regional });
  }
  return { period, periodRecords, index: new RecordIndex(periodRecords), byIndicator };
}

/** `peers` ranked, each zone's first place, and their refs. */
function rankedPeers(peers: IndicatorRecord[], higherIsBetter: boolean | undefined): Peers {
  const ranked = rank(peers, (x) => x.value, higherIsBetter);
  const rankOf = new Map<string, Ranked<IndicatorRecord>>();
  for (const r of ranked) if (!rankOf.has(r.item.zone)) rankOf.set(r.item.zone, r);
  return { peers, ranked, rankOf, ...refsOf(peers) };
}

/** Composes a zone profile. @throws Error when the zone is unknown or not a zone. */
export function composeZoneProfile(input: ZoneProfileInput): ZoneProfileView {
  const ref = input.reference;
  const tz = input.timeZone ?? 'Asia/Shanghai';
  const zone = ref.zone(input.zone);
  if (!zone || zone.level === 'aggregate') throw new Error(`不是园区："${input.zone}"`);
  const own = input.zoneRecords.filter((r) => r.zone === zone.id);
  const period =
    input.period ?? latestAnnualPeriod(own) ?? String(datePartsIn(input.date, tz).year);
  const periodZh = formatPeriodZh(period);
  const context =
    input.context?.period === period && input.context.periodRecords === input.periodRecords
      ? input.context
      : zoneProfileContext(input.periodRecords, period, ref);
  // The zone's own records first (as when they came last into one index), then the period's.
  const all = new RecordIndex(own, context.index);
  const tracer = new Tracer();
  const keyOrder = (code: string) => {
    const i = input.keyIndicators.indexOf(code);
    return i < 0 ? 999 : i;
  };
  const order = (a: Indicator, b: Indicator) =>
    keyOrder(a.code) - keyOrder(b.code) ||
    CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category) ||
    a.code.localeCompare(b.code);
  const indicatorsOfZone = [...new Set(own.map((r) => r.indicator))]
    .map((c) => ref.indicator(c))
    .filter((i): i is Indicator => !!i)
    .sort(order);
  const inPeriod = own.filter((r) => r.period === period);
  const sections: SectionView[] = [];
  let tableNo = 0;
  let figureNo = 0;

  // ——— 园区概况 ———
  const overview: Block[] = [];
  const facts = [
    `${zone.name}位于${[zone.province, zone.city !== zone.province ? zone.city : null].filter(Boolean).join('')}`,
    zone.region ? `属${zone.region}地区` : null,
    zone.alliances.length ? `是${zone.alliances.join('、')}区域国家高新区之一` : null,
  ].filter(Boolean);
  const narrativeItems: NarrativeItem[] = inPeriod
    .map((r) => ({ r, ind: ref.indicator(r.indicator) }))
    .filter((x): x is { r: IndicatorRecord; ind: Indicator } => !!x.ind && x.ind.unit !== '%')
    .sort((a, b) => order(a.ind, b.ind))
    .map(({ r, ind }) => {
      const item: NarrativeItem = { indicator: ind, value: tracer.use(valueFigure(r, ind)) };
      const g = tracer.use(growthOf(r, all));
      if (g) item.growth = g;
      return item;
    });
  const paragraphs = narrative(zone.shortName, periodZh, narrativeItems);
  const indicatorCount = tracer.at('overview').use(countFigure(indicatorsOfZone.length, '项', []));
  tracer.at(undefined);
  tracer.printedIn(
    'overview',
    paragraphs.flatMap((p) => p.figures),
  );
  overview.push({
    article: {
      anchor: 'overview',
      title: `${zone.shortName}发展概况`,
      paragraphs: [
        {
          text: `${facts.join('，')}。本画像收录该园区${indicatorCount.text}指标的公开数据。`,
        },
        ...paragraphs.map((p) => ({ lead: p.lead, text: p.text })),
      ],
      ...(paragraphs.length
        ? { sourceLine: tracer.sourceLine(paragraphs.flatMap((p) => p.figures)) }
        : {}),
    },
  });
  sections.push(section('园区概况', 'sec-1', overview));

  // ——— 指标走势 ———
  const periods = [...new Set(own.map((r) => r.period))].sort().slice(-MAX_PERIOD_COLUMNS);
  const trendFigures: Figure[] = [];
  tracer.at('trend-table');
  const periodCount = tracer.use(countFigure(periods.length, '个', []));
  const trendRows: TableBlock['rows'] = indicatorsOfZone.map((ind) => ({
    cells: [
      { text: ind.name, header: true },
      ...periods.map((p) => {
        const r = all.get(zone.id, ind.code, p);
        if (!r) return { text: MISSING, missing: true };
        const f = tracer.use(valueFigure(r, ind));
        trendFigures.push(f);
        return { text: f.text };
      }),
    ],
  }));
  const trendBlocks: Block[] = [
    {
      article: {
        anchor: 'trend',
        title: `${zone.shortName}主要指标历年数据`,
      },
    },
    {
      table: alignCells({
        anchor: 'trend-table',
        caption: `表${++tableNo} ${zone.shortName}各项指标`,
        columns: [
          { label: '指标', align: 'left' },
          ...periods.map((p) => ({ label: formatPeriodZh(p), align: 'right' as const })),
        ],
        rows: trendRows,
        note: `注：按期别列出各项指标的公开数据（最近${periodCount.text}期别），未公开的以“—”表示。`,
        sourceLine: tracer.sourceLine(trendFigures),
      }),
    },
  ];
  // The charts' SVGs, drawn together once the blocks are made (renderChartsSvg: one ECharts
  // pass for the profile's charts).
  const charts: { chart: { svg: string }; spec: ChartSpec }[] = [];
  for (const ind of indicatorsOfZone) {
    // Three charts at most: the zone's other indicators are not read for one.
    if (figureNo >= 3) break;
    const series = own
      .filter((r) => r.indicator === ind.code && parsePeriod(r.period)?.granularity === 'annual')
      .sort((a, b) => a.period.localeCompare(b.period));
    if (series.length < 2) continue;
    // Only the years that have a record: gaps are not drawn as empty slots.
    const years = series.map((r) => r.period);
    const first = Number(years[0]);
    const last = Number(years.at(-1));
    const sparse = last - first + 1 > years.length;
    tracer.at(`chart-${ind.code}`);
    const figs = years.map((y) => {
      const r = all.get(zone.id, ind.code, y);
      return r ? tracer.use(valueFigure(r, ind)) : undefined;
    });
    const growthAll = years.map((y) => {
      const r = all.get(zone.id, ind.code, y);
      return r && ind.unit !== '%' ? growthOf(r, all) : undefined;
    });
    // The growth line is drawn (and its figures printed) with two values at least.
    const growth = growthAll.filter(Boolean).length >= 2 ? growthAll.map((g) => tracer.use(g)) : [];
    const chart = {
      anchor: `chart-${ind.code}`,
      caption: `图${++figureNo} ${zone.shortName}${ind.name}（${sparse ? years.join('、') : `${first}—${last}`}年）`,
      svg: '',
      sourceLine: tracer.sourceLine([...figs, ...growth]),
      ...(sparse ? { note: '注：只列出有公开数据的年份，年份间隔不等。' } : {}),
    };
    charts.push({
      chart,
      spec: trendChartSpec({
        categories: years,
        bars: { name: ind.name, figures: figs },
        ...(growth.length ? { line: { name: '同比增长', figures: growth } } : {}),
      }),
    });
    trendBlocks.push({ chart });
  }
  sections.push(section('指标走势', 'sec-2', trendBlocks));

  // ——— 排名与比较 ———
  const compareBlocks = rankBlocks(zone, period, context, own, all, ref, tracer, order);
  if (compareBlocks.table) {
    compareBlocks.table.caption = `表${++tableNo} ${compareBlocks.table.caption}`;
  }
  tracer.printedIn('ranks', compareBlocks.sentenceFigures);
  const rankSection: Block[] = [
    {
      article: {
        anchor: 'ranks',
        title: `${periodZh}${zone.shortName}在国家高新区中的位置`,
        paragraphs: compareBlocks.paragraphs.map((text) => ({ text })),
      },
    },
  ];
  if (compareBlocks.table) rankSection.push({ table: compareBlocks.table });
  if (compareBlocks.chart) {
    const { spec, ...rest } = compareBlocks.chart;
    const chart = { ...rest, caption: `图${++figureNo} ${rest.caption}` };
    charts.push({ chart, spec });
    rankSection.push({ chart });
  }
  sections.push(section('排名比较', 'sec-3', rankSection));

  const missing = input.keyIndicators
    .filter((c) => !all.get(zone.id, c, period))
    .map((c) => ref.indicator(c)?.name ?? c);
  const notes = [
    '排名以同期报送该指标的国家高新区为范围，数值相同者名次并列；区域指东部、中部、西部、东北四大地区。',
    ...precisionNote(tracer.trace),
    '货币指标以亿元为基本单位，1万亿元及以上以万亿元表示；增速为名义增速。',
  ];
  const { year: pubYear } = datePartsIn(input.date, tz);
  const issueLine = input.issue
    ? formatIssueLine(input.issue.year, input.issue.number, input.issue.total)
    : `${pubYear}年（预览）`;
  const masthead = {
    ...mastheadOf(input.series, issueLine, input.date, tz, !input.issue),
    reportTitle: zone.name,
    reportSubtitle: `${periodZh}园区画像`,
  };
  const year = parsePeriod(period)?.year ?? pubYear;
  const documentTitle = `${input.series.title}·${zone.shortName}（${periodZh}）`;
  const specs = charts.map((c) => c.spec);
  const fill = (svgs: string[]) => charts.forEach((c, i) => (c.chart.svg = svgs[i]!));
  if (input.charts) input.charts.add(specs, fill);
  else fill(renderChartsSvg(specs));
  return {
    kind: 'zone-profile',
    lang: 'zh-CN',
    documentTitle,
    fileName: `${input.series.title}-${zone.shortName}-${year}.pdf`,
    metadata: {
      title: documentTitle,
      author: masthead.issuer,
      subject: `${zone.name}${periodZh}发展数据画像`,
      keywords: [input.series.title, zone.shortName, zone.province ?? '', periodZh].filter(Boolean),
    },
    masthead,
    period,
    periodZh,
    zone: { id: zone.id, name: zone.name, shortName: zone.shortName },
    sections,
    dataQuality: { missing, notes },
    sources: tracer.list(),
    colophon: colophonBlocks(input.series, input.date),
    trace: tracer.trace,
    placements: tracer.placements,
    glossary: glossaryOf(tracer.trace, ref),
  };
}

function section(name: string, anchor: string, blocks: Block[]): SectionView {
  const entries = blocks.flatMap((b) =>
    b.article ? [{ title: b.article.title, anchor: b.article.anchor }] : [],
  );
  return { name, anchor, entries, blocks };
}

/**
 * The zone's rank among all national zones and within its region for each indicator it
 * reports in the period, its growth against the national aggregate, and a bar chart of the
 * zones around it for its leading indicator.
 */
function rankBlocks(
  zone: Zone,
  period: string,
  context: ZoneProfileContext,
  own: IndicatorRecord[],
  all: RecordIndex,
  ref: Reference,
  tracer: Tracer,
  order: (a: Indicator, b: Indicator) => number,
): {
  paragraphs: string[];
  /** The figures the paragraphs print. */
  sentenceFigures: Figure[];
  table?: TableBlock;
  /** Its `svg` drawn by the caller, from `spec`. */
  chart?: { anchor: string; caption: string; svg: string; sourceLine?: string; spec: ChartSpec };
} {
  const rows: TableBlock['rows'] = [];
  const figures: Figure[] = [];
  const paragraphs: string[] = [];
  const sentenceFigures: Figure[] = [];
  let chart:
    | { anchor: string; caption: string; svg: string; sourceLine?: string; spec: ChartSpec }
    | undefined;
  const items = own
    .filter((r) => r.period === period)
    .map((r) => ({ r, ind: ref.indicator(r.indicator) }))
    .filter((x): x is { r: IndicatorRecord; ind: Indicator } => !!x.ind)
    .sort((a, b) => order(a.ind, b.ind));
  for (const { r, ind } of items) {
    tracer.at('rank-table');
    const shared = context.byIndicator.get(ind.code);
    const peers = shared?.peers ?? [r];
    const ranked = shared?.ranked ?? rank(peers, (x) => x.value, ind.higherIsBetter);
    const mine = shared ? shared.rankOf.get(zone.id) : ranked.find((x) => x.item.zone === zone.id);
    const inRegion = zone.region ? shared?.regional.get(zone.region) : undefined;
    const regional = inRegion?.peers ?? [];
    const regionalRank = inRegion?.rankOf.get(zone.id);
    const value = tracer.use(valueFigure(r, ind));
    // A rank among fewer than two reporting zones says nothing: it prints as —.
    // Over the period's peers: their refs made once for every profile (`shared`, `inRegion`).
    const among = shared ?? peers;
    const nRank =
      mine && peers.length > 1 ? tracer.use(rankFigure(mine.rank, among, zone.id)) : undefined;
    const nCount = nRank ? tracer.use(countFigure(peers.length, '个', among)) : undefined;
    const rRank =
      regionalRank && inRegion && regional.length > 1
        ? tracer.use(rankFigure(regionalRank.rank, inRegion, zone.id))
        : undefined;
    const rCount =
      rRank && inRegion ? tracer.use(countFigure(regional.length, '个', inRegion)) : undefined;
    const growth = ind.unit === '%' ? undefined : tracer.use(growthOf(r, all));
    const nationalRecord = all.get(NATIONAL_HTZ, ind.code, period);
    const nationalGrowth =
      growth && nationalRecord ? tracer.use(growthOf(nationalRecord, all)) : undefined;
    const gap =
      growth && nationalGrowth ? tracer.use(pointGapFigure(growth, nationalGrowth)) : undefined;
    figures.push(
      ...[value, nRank, nCount, rRank, rCount, growth, nationalGrowth, gap].filter(
        (f): f is Figure => !!f,
      ),
    );
    rows.push({
      cells: [
        { text: ind.name, header: true },
        { text: value.text },
        {
          text:
            nRank && nCount ? `${mine!.tied ? '并列' : ''}${nRank.text}/${nCount.text}` : MISSING,
        },
        { text: rRank && rCount ? `${rRank.text}/${rCount.text}` : MISSING },
        { text: growth?.text ?? MISSING, missing: !growth },
        { text: nationalGrowth?.text ?? MISSING, missing: !nationalGrowth },
        { text: gap?.text ?? MISSING, missing: !gap },
      ],
    });
    if (nRank && nCount && paragraphs.length < 4) {
      sentenceFigures.push(value, nCount, nRank);
      if (rRank && rCount && regional.length > 1) sentenceFigures.push(rCount, rRank);
      if (gap && nationalGrowth) sentenceFigures.push(nationalGrowth, gap);
      let sentence = `${ind.name}${value.text}，在同期报送该指标的${nCount.text}国家高新区中居第${nRank.text}位`;
      if (rRank && rCount && regional.length > 1)
        sentence += `，在${zone.region}地区${rCount.text}园区中居第${rRank.text}位`;
      if (gap && nationalGrowth)
        sentence += `；同比增速较全国国家高新区（${nationalGrowth.text}）${gap.text}`;
      paragraphs.push(`${sentence}。`);
    }
    if (!chart && ind.unit !== '%' && peers.length >= 3) {
      const top = ranked.slice(0, 12);
      if (!top.some((x) => x.item.zone === zone.id) && mine) top.push(mine);
      tracer.at('rank-chart');
      const figs = top.map((x) => tracer.use(valueFigure(x.item, ind)));
      chart = {
        anchor: 'rank-chart',
        caption: `${formatPeriodZh(period)}国家高新区${ind.name}（${zone.shortName}以深色标出）`,
        svg: '',
        ...(tracer.sourceLine(figs) ? { sourceLine: tracer.sourceLine(figs)! } : {}),
        spec: rankingBarChartSpec({
          categories: top.map((x) => `${ref.zone(x.item.zone)!.shortName}（${x.rank}）`),
          series: { name: ind.name, figures: figs },
          highlight: new Set(top.flatMap((x, i) => (x.item.zone === zone.id ? [i] : []))),
        }),
      };
    }
  }
  if (!paragraphs.length) {
    paragraphs.push(
      rows.length
        ? `${formatPeriodZh(period)}，同期报送相同指标的国家高新区不足两家，暂不作排名比较，下表列出该园区本期数据。`
        : `${formatPeriodZh(period)}暂无该园区的公开数据。`,
    );
  }
  return {
    paragraphs,
    sentenceFigures,
    ...(rows.length
      ? {
          table: alignCells({
            anchor: 'rank-table',
            caption: `${formatPeriodZh(period)}${zone.shortName}排名与增速比较`,
            columns: [
              { label: '指标', align: 'left' },
              { label: '数值', align: 'right' },
              { label: '报送园区中排名', align: 'center' },
              { label: '区域内排名', align: 'center' },
              { label: '同比增长', align: 'right' },
              { label: '整体增速', align: 'right' },
              { label: '增速差', align: 'right' },
            ],
            rows,
            sourceLine: tracer.sourceLine(figures),
            note: '注：排名格式为“名次/报送园区数”，只在同期报送该指标的国家高新区中比较，不是全国排名；报送园区不足两个的不排名；整体增速为国家高新区整体同比增速，增速差为该园区增速减整体增速。',
          }),
        }
      : {}),
    ...(chart ? { chart } : {}),
  };
}
