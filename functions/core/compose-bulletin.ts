/**
 * Composes the periodic 《火炬动态》 issue: records in, view model out. Pure; every printed
 * number is a {@link Figure} that names its records, collected in `trace`.
 *
 * Sections follow the series' `sections` order (工作动态 first, like 【火炬在行动】 in the
 * printed bulletin); the data sections are 数据速览 (narrative, key-indicator table, charts),
 * 园区巡礼 (editor stories, zone cards, a per-zone chart) and 榜单 (rankings with ties).
 */
import MarkdownIt from 'markdown-it';
import { articleCheckOf, resolveArticle } from './articles.ts';
import { categoryChart, rankingBarChart, trendChart } from './charts.ts';
import { datePartsIn, formatIssueLine } from './format.ts';
import {
  growthOf,
  growthProse,
  MISSING,
  pointGapProse,
  RecordIndex,
  shareOf,
  valueFigure,
  type Figure,
} from './figures.ts';
import {
  CATEGORIES,
  CHINA,
  NATIONAL_HTZ,
  type Article,
  type Indicator,
  type IndicatorRecord,
  type Series,
} from './model.ts';
import { narrative, type NarrativeItem } from './narrative.ts';
import { formatPeriodZh, parsePeriod } from './periods.ts';
import { rank } from './rankings.ts';
import type { Reference } from './reference.ts';
import {
  colophonBlocks,
  countFigure,
  groupBy,
  mastheadOf,
  rankFigure,
  Tracer,
  glossaryOf,
  precisionNote,
  uniqueBy,
  type ArticleBlock,
  type Block,
  type ReportView,
  type SectionView,
  type TableBlock,
  type ZoneCard,
  alignCells,
} from './report-parts.ts';

export interface BulletinInput {
  series: Series;
  /** Issue numbers; absent for a preview. */
  issue?: { year: number; number: number; total: number };
  /** Publication date of the issue. */
  date: Date;
  period: string;
  /**
   * Records of `period` and of the same period a year earlier (for derived growth), plus any
   * national history the charts use (GDP, innovation index): records of other periods are
   * used only by the charts.
   */
  records: IndicatorRecord[];
  articles: Article[];
  reference: Reference;
  /** Indicators the key table must show for the national aggregate; missing ones print as —. */
  expectedIndicators: string[];
  timeZone?: string;
}

export interface BulletinView extends ReportView {
  kind: 'torch-bulletin';
}

/** The national indicators whose history the bulletin's charts draw (a few Queries). */
export const BULLETIN_HISTORY_INDICATORS = ['gdp', 'innovation-index'] as const;

/** The innovation index and its four sub-indices, as the evaluation report names them. */
export const INNOVATION_INDICES = [
  ['innovation-index', '总指数'],
  ['innovation-index-rd-resources', '研发资源集聚'],
  ['innovation-index-ecosystem', '科技创新生态'],
  ['innovation-index-industry-performance', '产业创新绩效'],
  ['innovation-index-open-collab', '开放协同创新'],
] as const;

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
// Links and images in editor text are printed as their text: the printing page loads nothing.
md.disable(['image', 'link', 'autolink']);

/** Editor Markdown → HTML; raw HTML in the text is escaped, never interpreted. */
export function renderArticleMarkdown(body: string): string {
  return md.render(body);
}

const DATA_SECTIONS = ['数据速览', '园区巡礼', '榜单'];

/** Composes the bulletin view model. */
export function composeBulletin(input: BulletinInput): BulletinView {
  const { reference: ref, period } = input;
  const tz = input.timeZone ?? 'Asia/Shanghai';
  const index = new RecordIndex(input.records);
  const tracer = new Tracer();
  const periodZh = formatPeriodZh(period);
  const inPeriod = input.records.filter((r) => r.period === period);
  const national = inPeriod.filter((r) => r.zone === NATIONAL_HTZ);
  const indicatorOf = (code: string) => ref.indicator(code);
  const keyOrder = (code: string) => {
    const i = input.expectedIndicators.indexOf(code);
    return i < 0 ? 999 : i;
  };
  const byKeyThenCategory = (a: Indicator, b: Indicator) =>
    keyOrder(a.code) - keyOrder(b.code) ||
    CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category);
  const isNationalZone = (zone: string) => ref.zone(zone)?.level === 'national';

  const articlesBySection = groupBy(
    [...input.articles].sort((a, b) => (a.order ?? 0) - (b.order ?? 0) || a.id.localeCompare(b.id)),
    (a) => a.section,
  );
  // Editor articles: citations print their records (and join the source list); typed
  // figures are checked against the records (see core/articles.ts).
  const resolvedArticles = new Map<string, ReturnType<typeof resolveArticle>>();
  const articleBlocks = (section: string): ArticleBlock[] =>
    (articlesBySection.get(section) ?? []).map((a) => {
      tracer.at(`a-${a.id}`);
      const resolved = resolveArticle(a, index, ref, (f) => tracer.marks([tracer.use(f)]));
      resolvedArticles.set(a.id, resolved);
      return {
        anchor: `a-${a.id}`,
        title: a.title,
        byline: a.byline,
        html: renderArticleMarkdown(resolved.markdown),
      };
    });
  const subtitleOf = (section: string) =>
    (articlesBySection.get(section) ?? []).find((a) => a.subtitle)?.subtitle ?? undefined;

  // ——— 数据速览 ———
  const expected = input.expectedIndicators.map(indicatorOf).filter((i): i is Indicator => !!i);
  const missing: string[] = [];
  const narrativeItems: NarrativeItem[] = [];
  const gapRecord = (code: string) => national.find((r) => r.indicator === `${code}-growth-gap`);
  const keyFigures: (Figure | undefined)[] = [];
  tracer.at('key-table');
  const keyRows: TableBlock['rows'] = expected.map((ind) => {
    const r = index.get(NATIONAL_HTZ, ind.code, period);
    if (!r) {
      missing.push(ind.name);
      return {
        cells: [
          { text: ind.name, header: true },
          ...[0, 1, 2].map(() => ({ text: MISSING, missing: true })),
        ],
        missing: true,
      };
    }
    const value = tracer.use(valueFigure(r, ind));
    const growth = tracer.use(growthOf(r, index));
    const share = tracer.use(shareOf(r, index, CHINA));
    keyFigures.push(value, growth, share);
    const item: NarrativeItem = { indicator: ind, value };
    if (growth) item.growth = growth;
    if (share) item.share = share;
    const gap = gapRecord(ind.code);
    if (gap) {
      const gapInd = indicatorOf(gap.indicator);
      if (gapInd) {
        const g = valueFigure(gap, gapInd);
        // Printed by the lead article only (placed there with its paragraphs).
        item.gap = tracer.at(undefined).use({ ...g, text: pointGapProse(g) });
        tracer.at('key-table');
      }
    }
    narrativeItems.push(item);
    return {
      cells: [
        { text: ind.name, header: true },
        { text: value.text },
        { text: growth?.text ?? MISSING, missing: !growth },
        { text: share?.text ?? MISSING, missing: !share },
      ],
    };
  });
  const leadTitle = `${periodZh}国家高新区发展主要指标`;
  const paragraphs = narrative('国家高新区', periodZh, narrativeItems);
  const dataBlocks: Block[] = [];
  if (paragraphs.length) {
    tracer.printedIn(
      'lead',
      paragraphs.flatMap((p) => p.figures),
    );
    dataBlocks.push({
      article: {
        anchor: 'lead',
        title: leadTitle,
        paragraphs: paragraphs.map((p) => ({ lead: p.lead, text: p.text })),
        sourceLine: tracer.sourceLine(paragraphs.flatMap((p) => p.figures)),
      },
    });
  }
  let tableNo = 0;
  let figureNo = 0;
  let keyTable: Block | undefined;
  if (expected.length) {
    keyTable = {
      table: alignCells({
        anchor: 'key-table',
        caption: `表${++tableNo} ${periodZh}国家高新区主要经济指标`,
        columns: [
          { label: '指标', align: 'left' },
          { label: '数值', align: 'right' },
          { label: '同比增长', align: 'right' },
          { label: '占全国比重', align: 'right' },
        ],
        rows: keyRows,
        sourceLine: tracer.sourceLine(keyFigures),
        ...(missing.length ? { note: `注：“—”表示本期无数据。` } : {}),
      }),
    };
  }

  tracer.at('chart-gdp');
  const gdpChart = nationalTrendChart(input.records, period, ref, tracer);
  if (gdpChart) {
    dataBlocks.push({
      chart: {
        anchor: 'chart-gdp',
        caption: `图${++figureNo} 国家高新区园区生产总值及占全国比重（${gdpChart.span}）`,
        svg: gdpChart.svg,
        sourceLine: tracer.sourceLine(gdpChart.figures),
        note: gdpChart.note,
      },
    });
  }
  // The chart first: it fills the lead's page, and the table then starts a page whole.
  if (keyTable) dataBlocks.push(keyTable);

  // Other national figures of the period: rates, shares and counts outside the key table.
  const otherRows = national
    .filter((r) => !input.expectedIndicators.includes(r.indicator))
    .filter((r) => !r.indicator.endsWith('-growth-gap'))
    .map((r) => ({ r, ind: indicatorOf(r.indicator) }))
    .filter((x): x is { r: IndicatorRecord; ind: Indicator } => !!x.ind)
    .sort((a, b) => byKeyThenCategory(a.ind, b.ind) || a.ind.code.localeCompare(b.ind.code));
  if (otherRows.length) {
    tracer.at('other-table');
    const figs = otherRows.map(({ r, ind }) => tracer.use(valueFigure(r, ind)));
    dataBlocks.push({
      table: alignCells({
        anchor: 'other-table',
        caption: `表${++tableNo} ${periodZh}国家高新区其他指标`,
        columns: [
          { label: '类别', align: 'left' },
          { label: '指标', align: 'left' },
          { label: '数值', align: 'right' },
        ],
        rows: otherRows.map(({ ind }, i) => ({
          cells: [
            { text: ind.category, header: true },
            { text: ind.name, header: true },
            { text: figs[i]!.text },
          ],
        })),
        sourceLine: tracer.sourceLine(figs),
      }),
    });
  }

  tracer.at('chart-innovation');
  const innovation = innovationChart(input.records, period, ref, tracer);
  if (innovation) {
    dataBlocks.push({
      chart: {
        anchor: 'chart-innovation',
        caption: `图${++figureNo} 国家高新区创新能力指数及分指数（${innovation.periodZh}）`,
        svg: innovation.svg,
        sourceLine: tracer.sourceLine(innovation.figures),
        note: innovation.note,
      },
    });
  }

  // ——— 园区巡礼 ———
  const zoneRecords = groupBy(
    inPeriod.filter((r) => isNationalZone(r.zone)),
    (r) => r.zone,
  );
  tracer.at('zone-cards');
  const cards = notableZones(zoneRecords, index, ref).map((z) =>
    zoneCard(z.zoneId, z.records, index, ref, tracer, byKeyThenCategory),
  );
  const zoneBlocks: Block[] = [];
  const zoneArticles = articleBlocks('园区巡礼');
  zoneBlocks.push(...zoneArticles.map((article) => ({ article })));
  const cardsTitle = `${periodZh}园区数据一览`;
  if (cards.length) {
    zoneBlocks.push({
      zoneCards: {
        anchor: 'zone-cards',
        title: cardsTitle,
        cards: cards.map((c) => c.card),
        sourceLine: tracer.sourceLine(cards.flatMap((c) => c.figures)),
      },
    });
  }
  tracer.at('chart-zones');
  const perZone = perZoneChart(inPeriod, ref, input.expectedIndicators, tracer);
  if (perZone) {
    zoneBlocks.push({
      chart: {
        anchor: 'chart-zones',
        caption: `图${++figureNo} ${periodZh}各国家高新区${perZone.indicator.name}（${perZone.scope}）`,
        svg: perZone.svg,
        sourceLine: tracer.sourceLine(perZone.figures),
      },
    });
  }

  // ——— 榜单 ———
  const rankings = rankingTables(
    inPeriod,
    index,
    ref,
    input.expectedIndicators.filter((c) => c !== perZone?.indicator.code),
    tracer,
  );
  const rankTitle = `${periodZh}国家高新区指标榜单`;

  // ——— sections in the series' order ———
  const sectionNames = uniqueBy(
    [...input.series.sections, ...articlesBySection.keys(), ...DATA_SECTIONS],
    (s) => s,
  );
  const sections: SectionView[] = [];
  for (const name of sectionNames) {
    const anchor = `sec-${sections.length + 1}`;
    const extra = articleBlocks(name);
    if (name === '数据速览') {
      if (!dataBlocks.length && !extra.length) continue;
      const blocks = [...dataBlocks, ...extra.map((article) => ({ article }))];
      sections.push(section(name, anchor, subtitleOf(name), blocks));
    } else if (name === '园区巡礼') {
      if (!zoneBlocks.length) continue;
      sections.push(section(name, anchor, subtitleOf(name), zoneBlocks));
    } else if (name === '榜单') {
      if (!rankings.length && !extra.length) continue;
      const blocks: Block[] = [
        ...(rankings.length
          ? [
              {
                article: {
                  anchor: 'rankings',
                  title: rankTitle,
                  paragraphs: [
                    {
                      text: `本榜单按${periodZh}报送数据的国家高新区排列，数值相同者名次并列，其后名次顺延。`,
                    },
                  ],
                },
              },
            ]
          : []),
        ...rankings.map((table) => ({ table })),
        ...extra.map((article) => ({ article })),
      ];
      sections.push(section(name, anchor, subtitleOf(name), blocks));
    } else if (extra.length) {
      sections.push(
        section(
          name,
          anchor,
          subtitleOf(name),
          extra.map((article) => ({ article })),
        ),
      );
    }
  }

  const notes: string[] = [];
  if (tracer.trace.some((f) => f.derived === 'yoy-from-previous-period'))
    notes.push('未报送同比增速的指标，增速按上年同期数据计算。');
  if (tracer.trace.some((f) => f.derived === 'share-of-china'))
    notes.push('未报送占全国比重的指标，比重按全国同期数据计算。');
  notes.push(...precisionNote(tracer.trace));
  notes.push('货币指标以亿元为基本单位，1万亿元及以上以万亿元表示；增速为名义增速。');

  const { year: pubYear } = datePartsIn(input.date, tz);
  const issue = input.issue;
  const issueLine = issue
    ? formatIssueLine(issue.year, issue.number, issue.total)
    : `${pubYear}年（预览）`;
  const masthead = mastheadOf(input.series, issueLine, input.date, tz, !issue);
  const documentTitle = `${input.series.title} ${issueLine}`;
  return {
    kind: 'torch-bulletin',
    lang: 'zh-CN',
    documentTitle,
    fileName: issue
      ? `${input.series.title}-${issue.year}-第${issue.number}期.pdf`
      : `${input.series.title}-预览.pdf`,
    metadata: {
      title: documentTitle,
      author: masthead.issuer,
      subject: `${periodZh}国家高新区发展数据与工作动态`,
      keywords: [input.series.title, '国家高新区', periodZh, ...sections.map((s) => s.name)],
    },
    masthead,
    period,
    periodZh,
    sections,
    dataQuality: { missing, notes },
    sources: tracer.list(),
    colophon: colophonBlocks(input.series, input.date),
    trace: tracer.trace,
    placements: tracer.placements,
    glossary: glossaryOf(tracer.trace, ref),
    articleCheck: articleCheckOf([...resolvedArticles.values()]),
  };
}

/** A section with its contents entries: every article title, plus named extra blocks. */
function section(
  name: string,
  anchor: string,
  subtitle: string | undefined,
  blocks: Block[],
): SectionView {
  const entries = blocks.flatMap((b) => {
    if (b.article) return [{ title: b.article.title, anchor: b.article.anchor }];
    if (b.zoneCards) return [{ title: b.zoneCards.title, anchor: b.zoneCards.anchor }];
    return [];
  });
  return { name, anchor, ...(subtitle ? { subtitle } : {}), entries, blocks };
}

const annualYear = (p: string) => {
  const parsed = parsePeriod(p);
  return parsed?.granularity === 'annual' ? parsed.year : undefined;
};

/**
 * 图: national GDP by year with its share of the national total, from the first year with a
 * record to the issue's year; years without a record are gaps.
 */
function nationalTrendChart(
  records: IndicatorRecord[],
  period: string,
  ref: Reference,
  tracer: Tracer,
): { svg: string; figures: Figure[]; span: string; note?: string } | undefined {
  const gdp = ref.indicator('gdp');
  const endYear = parsePeriod(period)?.year;
  if (!gdp || endYear === undefined) return undefined;
  const index = new RecordIndex(records);
  const series = records
    .filter((r) => r.zone === NATIONAL_HTZ && r.indicator === 'gdp')
    .filter((r) => (annualYear(r.period) ?? Infinity) <= endYear);
  if (series.length < 2) return undefined;
  // Only the years that have a record: a sparse series is never drawn as a row of empty slots.
  const years = [...new Set(series.map((r) => annualYear(r.period)!))].sort((a, b) => a - b);
  const startYear = years[0]!;
  const lastYear = years.at(-1)!;
  const values = years.map((y) => {
    const r = index.get(NATIONAL_HTZ, 'gdp', String(y));
    return r ? tracer.use(valueFigure(r, gdp)) : undefined;
  });
  const shares = years.map((y) => {
    const r = index.get(NATIONAL_HTZ, 'gdp', String(y));
    return r ? tracer.use(shareOf(r, index, CHINA)) : undefined;
  });
  const gaps = lastYear - startYear + 1 - years.length;
  return {
    svg: trendChart({
      categories: years.map(String),
      bars: { name: '园区生产总值', figures: values },
      line: { name: '占全国比重', figures: shares },
    }),
    figures: [...values, ...shares].filter((f): f is Figure => !!f),
    span: gaps > 0 ? `${years.join('、')}年` : `${startYear}—${lastYear}年`,
    ...(gaps > 0
      ? { note: '注：只列出有公开数据的年份，年份间隔不等；其余年份无公开数据，不作补值。' }
      : {}),
  };
}

/**
 * 图: the innovation index and its sub-indices in the latest evaluation year up to the
 * issue's period, their compound annual growth rates, and the base year's 100 points.
 */
function innovationChart(
  records: IndicatorRecord[],
  period: string,
  ref: Reference,
  tracer: Tracer,
): { svg: string; figures: Figure[]; periodZh: string; note?: string } | undefined {
  const endYear = parsePeriod(period)?.year ?? 0;
  const history = records
    .filter((r) => r.zone === NATIONAL_HTZ && r.indicator === 'innovation-index')
    .filter((r) => (annualYear(r.period) ?? Infinity) <= endYear)
    .sort((a, b) => a.period.localeCompare(b.period));
  const latest = history.at(-1);
  if (!latest) return undefined;
  const index = new RecordIndex(records);
  const bars: (Figure | undefined)[] = [];
  const markers: (Figure | undefined)[] = [];
  const missingNames: string[] = [];
  for (const [code, name] of INNOVATION_INDICES) {
    const ind = ref.indicator(code);
    const r = index.get(NATIONAL_HTZ, code, latest.period);
    bars.push(r && ind ? tracer.use(valueFigure(r, ind)) : undefined);
    if (!r) missingNames.push(name);
    const cagrInd = ref.indicator(`${code}-cagr`);
    const c = index.get(NATIONAL_HTZ, `${code}-cagr`, latest.period);
    markers.push(c && cagrInd ? tracer.use(valueFigure(c, cagrInd)) : undefined);
  }
  const base = history[0] !== latest ? history[0] : undefined;
  const baseFig = base
    ? tracer.use(valueFigure(base, ref.indicator('innovation-index')!))
    : undefined;
  const notes: string[] = [];
  if (base && baseFig) notes.push(`虚线为${formatPeriodZh(base.period)}基期（${baseFig.text}）。`);
  if (missingNames.length) notes.push(`${missingNames.join('、')}指数值本期未公布，图中空缺。`);
  return {
    svg: categoryChart({
      categories: INNOVATION_INDICES.map(([, name]) => name),
      bars: { name: `${formatPeriodZh(latest.period)}指数值（点）`, figures: bars },
      ...(markers.some(Boolean)
        ? { markers: { name: '年复合增长率（%）', figures: markers } }
        : {}),
      ...(base && baseFig
        ? {
            baseline: { value: base.value },
          }
        : {}),
    }),
    figures: [...bars, ...markers, baseFig].filter((f): f is Figure => !!f),
    periodZh: formatPeriodZh(latest.period),
    ...(notes.length ? { note: `注：${notes.join('')}` } : {}),
  };
}

/** The zones with the most notable movement: the largest growth (up or down) of any figure. */
function notableZones(
  zoneRecords: Map<string, IndicatorRecord[]>,
  index: RecordIndex,
  ref: Reference,
): { zoneId: string; records: IndicatorRecord[] }[] {
  return [...zoneRecords.entries()]
    .map(([zoneId, records]) => {
      const moves = records.flatMap((r) => {
        const ind = ref.indicator(r.indicator);
        if (!ind || ind.unit === '%') return [];
        const g = growthOf(r, index);
        return g ? [Math.abs(g.value)] : [];
      });
      return {
        zoneId,
        records,
        moved: moves.length ? Math.max(...moves) : -1,
      };
    })
    .sort(
      (a, b) =>
        b.moved - a.moved ||
        b.records.length - a.records.length ||
        a.zoneId.localeCompare(b.zoneId),
    )
    .slice(0, 6)
    .map(({ zoneId, records }) => ({ zoneId, records }));
}

function zoneCard(
  zoneId: string,
  records: IndicatorRecord[],
  index: RecordIndex,
  ref: Reference,
  tracer: Tracer,
  order: (a: Indicator, b: Indicator) => number,
): { card: ZoneCard; figures: Figure[] } {
  const zone = ref.zone(zoneId)!;
  const figures: Figure[] = [];
  const items = records
    .map((r) => ({ r, ind: ref.indicator(r.indicator) }))
    .filter((x): x is { r: IndicatorRecord; ind: Indicator } => !!x.ind)
    .sort((a, b) => order(a.ind, b.ind) || a.ind.code.localeCompare(b.ind.code))
    .slice(0, 5);
  let headline: { text: string; size: number } | undefined;
  const facts = items.map(({ r, ind }) => {
    const value = tracer.use(valueFigure(r, ind));
    const growth = ind.unit === '%' ? undefined : tracer.use(growthOf(r, index));
    const share = tracer.use(shareOf(r, index, CHINA));
    figures.push(...[value, growth, share].filter((f): f is Figure => !!f));
    if (growth && (!headline || Math.abs(growth.value) > headline.size)) {
      headline = { text: `${ind.name}${growthProse(growth)}`, size: Math.abs(growth.value) };
    }
    return {
      label: ind.name,
      value: value.text,
      ...(growth ? { growth: growth.text } : {}),
      ...(share ? { share: share.text } : {}),
    };
  });
  return {
    card: {
      zoneId,
      name: zone.shortName,
      place: [zone.province, zone.region].filter(Boolean).join(' · '),
      ...(headline ? { headline: headline.text } : {}),
      facts,
    },
    figures,
  };
}

/**
 * 图: one bar per national zone for the first indicator (key indicators first) that at least
 * three national zones report in the period; the top 15 when more report.
 */
function perZoneChart(
  inPeriod: IndicatorRecord[],
  ref: Reference,
  keyIndicators: string[],
  tracer: Tracer,
): { svg: string; figures: Figure[]; indicator: Indicator; scope: string } | undefined {
  const byIndicator = groupBy(
    inPeriod.filter((r) => ref.zone(r.zone)?.level === 'national'),
    (r) => r.indicator,
  );
  const candidates = [
    ...keyIndicators,
    ...[...byIndicator.keys()].filter((c) => !keyIndicators.includes(c)).sort(),
  ];
  for (const code of candidates) {
    const ind = ref.indicator(code);
    const recs = byIndicator.get(code) ?? [];
    if (!ind || ind.unit === '%' || recs.length < 3) continue;
    const top = rank(recs, (r) => r.value, ind.higherIsBetter).slice(0, 15);
    const figures = top.map((x) => tracer.use(valueFigure(x.item, ind)));
    return {
      svg: rankingBarChart({
        categories: top.map((x) => ref.zone(x.item.zone)!.shortName),
        series: { name: ind.name, figures },
      }),
      figures,
      indicator: ind,
      scope: `${recs.length > 15 ? '前15位，共' : ''}${tracer.text(countFigure(recs.length, '个', recs))}园区报送`,
    };
  }
  return undefined;
}

/**
 * 【榜单】 tables: GDP growth first, then the key indicators and R&D intensity, each ranked
 * among the national zones that report it (at least three); ties share a rank.
 */
function rankingTables(
  inPeriod: IndicatorRecord[],
  index: RecordIndex,
  ref: Reference,
  keyIndicators: string[],
  tracer: Tracer,
): TableBlock[] {
  const national = inPeriod.filter((r) => ref.zone(r.zone)?.level === 'national');
  const tables: TableBlock[] = [];
  const push = (
    title: string,
    unitLabel: string,
    items: { zone: string; fig: Figure; r: IndicatorRecord }[],
    higherIsBetter: boolean,
    by?: 'growth',
  ) => {
    if (items.length < 3 || tables.length >= 4) return;
    // The top ten, and every zone tied with the tenth.
    const ranked = rank(items, (x) => x.fig.value, higherIsBetter).filter((x) => x.rank <= 10);
    const among = items.map((x) => x.r);
    tracer.at(`rank-${tables.length + 1}`);
    tables.push(
      alignCells({
        anchor: `rank-${tables.length + 1}`,
        className: 'rank-table',
        caption: `${title}（前${Math.min(10, ranked.length)}名，共${tracer.text(countFigure(items.length, '个', among))}园区报送）`,
        columns: [
          { label: '名次', align: 'center' },
          { label: '园区', align: 'left' },
          { label: '所在地', align: 'left' },
          { label: unitLabel, align: 'right' },
        ],
        rows: ranked.map((x) => {
          const zone = ref.zone(x.item.zone)!;
          const rk = tracer.use(rankFigure(x.rank, among, x.item.zone, by));
          tracer.use(x.item.fig);
          return {
            cells: [
              { text: x.tied ? `并列${rk.text}` : rk.text },
              { text: zone.shortName, header: true },
              { text: zone.province ?? '' },
              { text: x.item.fig.text },
            ],
          };
        }),
        sourceLine: tracer.sourceLine(ranked.map((x) => x.item.fig)),
      }),
    );
  };
  const gdp = ref.indicator('gdp');
  if (gdp) {
    const growth = national
      .filter((r) => r.indicator === 'gdp')
      .flatMap((r) => {
        const g = growthOf(r, index);
        return g ? [{ zone: r.zone, fig: g, r }] : [];
      });
    push(`${gdp.name}增速`, '同比增长', growth, true, 'growth');
  }
  for (const code of [...keyIndicators, 'rd-intensity']) {
    const ind = ref.indicator(code);
    if (!ind) continue;
    const items = national
      .filter((r) => r.indicator === code)
      .map((r) => ({ zone: r.zone, fig: valueFigure(r, ind), r }));
    push(ind.name, '数值', items, ind.higherIsBetter);
  }
  return tables;
}
