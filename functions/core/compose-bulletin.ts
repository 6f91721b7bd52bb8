/**
 * Composes the periodic 《火炬动态》 issue: records of one period → a view model that the
 * Handlebars template prints as it is. Pure; every printed number is a {@link Figure} that
 * names its records, collected in `trace`.
 */
import MarkdownIt from 'markdown-it';
import {
  formatDateZh,
  formatGrowth,
  formatIssueLine,
  formatPointGap,
  formatShare,
  formatValue,
  datePartsIn,
} from './format.ts';
import {
  growthOf,
  MISSING,
  RecordIndex,
  refOf,
  shareOf,
  valueFigure,
  type Figure,
} from './figures.ts';
import {
  CATEGORIES,
  CHINA,
  NATIONAL_HTZ,
  issuerOn,
  type Article,
  type Indicator,
  type IndicatorRecord,
  type Series,
} from './model.ts';
import { formatPeriodZh } from './periods.ts';
import { rank } from './rankings.ts';
import type { Reference } from './reference.ts';

export interface BulletinInput {
  series: Series;
  /** Issue numbers; absent for a preview. */
  issue?: { year: number; number: number; total: number };
  /** Publication date of the issue. */
  date: Date;
  period: string;
  /** Records of `period` and of the same period a year earlier (for derived growth). */
  records: IndicatorRecord[];
  articles: Article[];
  reference: Reference;
  /** Indicators the key table must show for the national aggregate; missing ones print as —. */
  expectedIndicators: string[];
  timeZone?: string;
}

export interface KeyRow {
  indicator: string;
  unit: string;
  value: Figure | undefined;
  growth: Figure | undefined;
  share: Figure | undefined;
  missing: boolean;
}

export interface ZoneCard {
  zoneId: string;
  name: string;
  place: string;
  facts: { label: string; value: Figure; growth?: Figure; share?: Figure }[];
}

export interface Ranking {
  title: string;
  unit: string;
  rows: { rank: string; zone: string; value: Figure }[];
}

export interface ArticleView {
  anchor: string;
  title: string;
  byline: string;
  html: string;
}

export interface SectionView {
  name: string;
  subtitle?: string;
  anchor: string;
  /** Entries for the contents block. */
  entries: { title: string; anchor: string }[];
  lead?: { anchor: string; title: string; paragraphs: string[] };
  keyTable?: { caption: string; rows: KeyRow[] };
  rateRows?: { indicator: string; value: Figure }[];
  zoneCards?: ZoneCard[];
  rankings?: Ranking[];
  articles?: ArticleView[];
}

export interface BulletinView {
  kind: 'torch-bulletin';
  lang: 'zh-CN';
  documentTitle: string;
  fileName: string;
  masthead: {
    seriesTitle: string;
    issuer: string;
    issueLine: string;
    dateZh: string;
    preview: boolean;
  };
  period: string;
  periodZh: string;
  sections: SectionView[];
  dataQuality: { missing: string[]; notes: string[] };
  sources: { n: number; text: string }[];
  colophon: { label: string; value: string }[];
  /** Every figure printed, for tracing. */
  trace: Figure[];
}

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
// Links and images in editor text are printed as their text: the printing page loads nothing.
md.disable(['image', 'link', 'autolink']);

const COLOPHON_LABELS: Record<string, string> = {
  issuer: '印发',
  editorialOffice: '编辑部',
  address: '地址',
  postcode: '邮编',
  phone: '电话',
  fax: '传真',
  website: '网址',
  email: '电子邮箱',
  editor: '责任编辑',
};

/** Composes the bulletin view model. */
export function composeBulletin(input: BulletinInput): BulletinView {
  const { reference: ref, period } = input;
  const tz = input.timeZone ?? 'Asia/Shanghai';
  const index = new RecordIndex(input.records);
  const trace: Figure[] = [];
  const use = <T extends Figure | undefined>(f: T): T => {
    if (f) trace.push(f);
    return f;
  };
  const sourceNumbers = new Map<string, number>();
  const cite = (r: IndicatorRecord) => {
    if (!sourceNumbers.has(r.source)) sourceNumbers.set(r.source, sourceNumbers.size + 1);
  };

  const periodZh = formatPeriodZh(period);
  const inPeriod = input.records.filter((r) => r.period === period);
  const national = inPeriod.filter((r) => r.zone === NATIONAL_HTZ);
  const indicatorOf = (code: string) => ref.indicator(code);
  const byCategory = (a: Indicator, b: Indicator) =>
    CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category);

  // 【数据速览】 key table: amounts and counts; rates go to a second list.
  const expected = input.expectedIndicators.map(indicatorOf).filter((i): i is Indicator => !!i);
  const present = national.map((r) => indicatorOf(r.indicator)).filter((i): i is Indicator => !!i);
  const tableIndicators = uniqueBy(
    [...expected, ...present.filter((i) => i.unit !== '%')],
    (i) => i.code,
  ).sort((a, b) => byCategory(a, b) || expectedOrder(input.expectedIndicators, a.code, b.code));
  const missing: string[] = [];
  const keyRows: KeyRow[] = tableIndicators.map((ind) => {
    const r = index.get(NATIONAL_HTZ, ind.code, period);
    if (!r) {
      missing.push(ind.name);
      return {
        indicator: ind.name,
        unit: ind.unit,
        value: undefined,
        growth: undefined,
        share: undefined,
        missing: true,
      };
    }
    cite(r);
    return {
      indicator: ind.name,
      unit: ind.unit,
      value: use(valueFigure(r, ind)),
      growth: use(growthOf(r, index)),
      share: use(shareOf(r, index, CHINA)),
      missing: false,
    };
  });
  const rateRows = national
    .map((r) => ({ r, ind: indicatorOf(r.indicator) }))
    .filter((x): x is { r: IndicatorRecord; ind: Indicator } => !!x.ind && x.ind.unit === '%')
    .sort((a, b) => byCategory(a.ind, b.ind))
    .map(({ r, ind }) => {
      cite(r);
      return { indicator: ind.name, value: use(valueFigure(r, ind)) };
    });

  const lead = {
    anchor: 'lead',
    title: `${periodZh}国家高新区发展主要指标`,
    paragraphs: narrative(national, index, ref, periodZh, use),
  };

  const sections: SectionView[] = [];
  if (national.length > 0 || expected.length > 0) {
    sections.push({
      name: '数据速览',
      anchor: 'sec-data',
      entries: [{ title: lead.title, anchor: lead.anchor }],
      lead,
      keyTable: { caption: `表1 ${periodZh}国家高新区主要经济指标`, rows: keyRows },
      rateRows,
    });
  }

  // 【园区巡礼】 zone cards: the zones with the most figures in the period, then by growth.
  const zoneRecords = groupBy(
    inPeriod.filter((r) => ref.zone(r.zone)?.level === 'national'),
    (r) => r.zone,
  );
  const cards: ZoneCard[] = [...zoneRecords.entries()]
    .map(([zoneId, recs]) => ({
      zoneId,
      recs,
      score: recs.length * 100 + Math.max(0, ...recs.map((r) => r.yoy ?? 0)),
    }))
    .sort((a, b) => b.score - a.score || a.zoneId.localeCompare(b.zoneId))
    .slice(0, 6)
    .map(({ zoneId, recs }) => {
      const zone = ref.zone(zoneId)!;
      const facts = recs
        .map((r) => ({ r, ind: indicatorOf(r.indicator) }))
        .filter((x): x is { r: IndicatorRecord; ind: Indicator } => !!x.ind)
        .sort((a, b) => byCategory(a.ind, b.ind))
        .slice(0, 6)
        .map(({ r, ind }) => {
          cite(r);
          const fact: ZoneCard['facts'][number] = {
            label: ind.name,
            value: use(valueFigure(r, ind)),
          };
          const growth = use(growthOf(r, index));
          const share = use(shareOf(r, index, CHINA));
          if (growth) fact.growth = growth;
          if (share) fact.share = share;
          return fact;
        });
      return {
        zoneId,
        name: zone.shortName,
        place: [zone.province, zone.region].filter(Boolean).join(' · '),
        facts,
      };
    });
  const articlesBySection = groupBy(
    [...input.articles].sort((a, b) => (a.order ?? 0) - (b.order ?? 0) || a.id.localeCompare(b.id)),
    (a) => a.section,
  );
  const articleViews = (section: string) =>
    (articlesBySection.get(section) ?? []).map((a) => ({
      anchor: `a-${a.id}`,
      title: a.title,
      byline: a.byline,
      html: md.render(a.body),
    }));
  const subtitleOf = (section: string) =>
    (articlesBySection.get(section) ?? []).find((a) => a.subtitle)?.subtitle ?? undefined;

  if (cards.length > 0 || articlesBySection.has('园区巡礼')) {
    const arts = articleViews('园区巡礼');
    const cardsTitle = `${periodZh}园区数据一览`;
    sections.push({
      name: '园区巡礼',
      subtitle: subtitleOf('园区巡礼'),
      anchor: 'sec-zones',
      entries: [
        ...arts.map((a) => ({ title: a.title, anchor: a.anchor })),
        ...(cards.length ? [{ title: cardsTitle, anchor: 'zone-cards' }] : []),
      ],
      zoneCards: cards,
      articles: arts,
    });
  }

  // 【榜单】 one ranking per indicator that at least three national zones report.
  const rankings: Ranking[] = [];
  for (const [code, recs] of groupBy(
    inPeriod.filter((r) => ref.zone(r.zone)?.level === 'national'),
    (r) => r.indicator,
  )) {
    const ind = indicatorOf(code);
    if (!ind || recs.length < 3) continue;
    const ranked = rank(recs, (r) => r.value, ind.higherIsBetter).slice(0, 10);
    rankings.push({
      title: `${ind.name}（前${Math.min(10, ranked.length)}名）`,
      unit: ind.unit,
      rows: ranked.map((x) => {
        cite(x.item);
        return {
          rank: x.tied ? `${x.rank}=` : String(x.rank),
          zone: ref.zone(x.item.zone)!.shortName,
          value: use(valueFigure(x.item, ind)),
        };
      }),
    });
  }
  if (rankings.length > 0) {
    sections.push({
      name: '榜单',
      anchor: 'sec-rankings',
      entries: rankings.map((r, i) => ({ title: r.title, anchor: `rank-${i}` })),
      rankings,
    });
  }

  const sectionOrder = [...input.series.sections, ...articlesBySection.keys()];
  for (const name of uniqueBy(sectionOrder, (s) => s)) {
    if (['数据速览', '园区巡礼', '榜单'].includes(name) || !articlesBySection.has(name)) continue;
    const arts = articleViews(name);
    sections.push({
      name,
      subtitle: subtitleOf(name),
      anchor: `sec-${sections.length}`,
      entries: arts.map((a) => ({ title: a.title, anchor: a.anchor })),
      articles: arts,
    });
  }

  const notes: string[] = [];
  if (trace.some((f) => f.derived === 'yoy-from-previous-period'))
    notes.push('未报送同比增速的指标，增速按上年同期数据计算。');
  if (trace.some((f) => f.derived === 'share-of-china'))
    notes.push('未报送占全国比重的指标，比重按全国同期数据计算。');
  notes.push('货币指标以亿元为基本单位，1万亿元及以上以万亿元表示；增速为名义增速。');

  const { year: pubYear } = datePartsIn(input.date, tz);
  const issue = input.issue;
  const issueLine = issue
    ? formatIssueLine(issue.year, issue.number, issue.total)
    : `${pubYear}年（预览）`;
  const issuer = issuerOn(input.series, input.date.toISOString());
  const colophon = colophonLines(input.series.colophon, issuer);

  return {
    kind: 'torch-bulletin',
    lang: 'zh-CN',
    documentTitle: `${input.series.title} ${issueLine}`,
    fileName: issue
      ? `${input.series.title}-${issue.year}-第${issue.number}期.pdf`
      : `${input.series.title}-预览.pdf`,
    masthead: {
      seriesTitle: input.series.title,
      issuer,
      issueLine,
      dateZh: formatDateZh(input.date, tz),
      preview: !issue,
    },
    period,
    periodZh,
    sections,
    dataQuality: { missing, notes },
    sources: [...sourceNumbers.entries()].map(([text, n]) => ({ n, text })),
    colophon,
    trace,
  };
}

/**
 * Back-page lines from the series configuration. The issuer follows the date (the duty moved
 * in 2023); `source` is provenance of the configuration, not printed.
 */
function colophonLines(
  colophon: Series['colophon'],
  issuer: string,
): { label: string; value: string }[] {
  const lines: { label: string; value: string }[] = [];
  for (const [key, value] of Object.entries(colophon)) {
    if (key === 'source' || value === null || value === '') continue;
    const label = COLOPHON_LABELS[key] ?? key;
    if (key === 'issuer') lines.push({ label, value: issuer });
    else if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (v !== null && v !== '')
          lines.push({ label: `${label}${COLOPHON_LABELS[k] ?? k}`, value: String(v) });
      }
    } else lines.push({ label, value: String(value) });
  }
  return lines;
}

/** The lead paragraphs: one sentence group per category, written from the records. */
function narrative(
  national: IndicatorRecord[],
  index: RecordIndex,
  ref: Reference,
  periodZh: string,
  use: (f: Figure) => Figure,
): string[] {
  const groups = groupBy(
    national
      .map((r) => ({ r, ind: ref.indicator(r.indicator) }))
      .filter((x): x is { r: IndicatorRecord; ind: Indicator } => !!x.ind && x.ind.unit !== '%'),
    (x) => x.ind.category,
  );
  const paragraphs: string[] = [];
  const gap = national.find((r) => r.indicator.endsWith('-growth-gap'));
  for (const category of CATEGORIES) {
    const items = groups.get(category);
    if (!items?.length) continue;
    const clauses = items.map(({ r, ind }) => {
      const value = use(valueFigure(r, ind));
      const parts = [`${ind.name}${value.text}`];
      const growth = growthOf(r, index);
      if (growth) parts.push(formatGrowth(use(growth).value));
      const share = shareOf(r, index, CHINA);
      if (share) parts.push(formatShare(use(share).value));
      if (gap && gap.indicator.startsWith(`${r.indicator}-`)) {
        const g = use({ text: formatValue(gap.value, '%'), value: gap.value, refs: [refOf(gap)] });
        parts.push(`增速较全国平均水平${formatPointGap(g.value)}`);
      }
      return parts.join('，');
    });
    paragraphs.push(`${category}方面，${periodZh}国家高新区${clauses.join('；')}。`);
  }
  return paragraphs;
}

function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((i) => (seen.has(key(i)) ? false : (seen.add(key(i)), true)));
}

function expectedOrder(expected: string[], a: string, b: string): number {
  const ia = expected.indexOf(a);
  const ib = expected.indexOf(b);
  return (ia < 0 ? 999 : ia) - (ib < 0 ? 999 : ib);
}

export { MISSING };
