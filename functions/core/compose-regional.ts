/**
 * Composes a regional report (区域发展报告): the national high-tech zones of a province, a
 * city, one of the four regions or an alliance (京津冀 / 长三角 / 东北 …) — totals and their
 * share of all national zones, the zones one by one, the distribution of their national
 * ranks (top 50 / 51–100 / beyond 100) and the gaps to benchmark zones. Pure.
 */
import { rankingBarChart } from './charts.ts';
import { datePartsIn, formatGrowthCell, formatIssueLine } from './format.ts';
import { derivedAmount, qualify } from './numbers.ts';
import { growthOf, MISSING, RecordIndex, valueFigure, type Figure } from './figures.ts';
import {
  NATIONAL_HTZ,
  REGIONS,
  type Indicator,
  type IndicatorRecord,
  type Series,
  type Zone,
} from './model.ts';
import { formatPeriodZh, parsePeriod } from './periods.ts';
import { rank } from './rankings.ts';
import type { Reference } from './reference.ts';
import {
  alignCells,
  colophonBlocks,
  countFigure,
  nationalZoneCount,
  rankBase,
  mastheadOf,
  rankFigure,
  ratioFigure,
  shareOfTotalFigure,
  sumFigure,
  Tracer,
  glossaryOf,
  precisionNote,
  type Block,
  type ReportView,
  type SectionView,
  type TableBlock,
} from './report-parts.ts';

/** A set of zones chosen by name. */
export interface RegionSelection {
  /** As printed: `长三角`, `江苏省`, `东北`. */
  name: string;
  by: 'alliance' | 'province' | 'city' | 'region';
  zoneIds: string[];
}

const ALIASES: Record<string, string> = {
  长三角地区: '长三角',
  长江三角洲: '长三角',
  京津冀地区: '京津冀',
  东北地区: '东北',
  大湾区: '粤港澳大湾区',
  粤港澳: '粤港澳大湾区',
  成渝地区: '成渝',
  东部地区: '东部',
  中部地区: '中部',
  西部地区: '西部',
};

/**
 * The zones (national and provincial, not aggregates) of an alliance, province, city or
 * region. `江苏` finds 江苏省, `苏州` finds 苏州市; an alliance name wins over a region
 * (东北 is both).
 */
export function selectRegion(ref: Reference, text: string): RegionSelection | undefined {
  const name = ALIASES[text.trim()] ?? text.trim();
  if (!name) return undefined;
  const zones = ref.zones.filter((z) => z.level !== 'aggregate');
  const pick = (by: RegionSelection['by'], match: (z: Zone) => boolean, printed: string) => {
    const ids = zones.filter(match).map((z) => z.id);
    return ids.length ? { name: printed, by, zoneIds: ids } : undefined;
  };
  const province = zones.find(
    (z) =>
      z.province === name ||
      z.province?.replace(/(省|市|自治区|回族自治区|壮族自治区|维吾尔自治区)$/, '') === name,
  )?.province;
  const city = zones.find((z) => z.city === name || z.city?.replace(/市$/, '') === name)?.city;
  return (
    pick('alliance', (z) => z.alliances.includes(name), name) ??
    (province ? pick('province', (z) => z.province === province, province) : undefined) ??
    (city ? pick('city', (z) => z.city === city, city) : undefined) ??
    ((REGIONS as readonly string[]).includes(name)
      ? pick('region', (z) => z.region === name, `${name}地区`)
      : undefined)
  );
}

export interface RegionalInput {
  series: Series;
  issue?: { year: number; number: number; total: number };
  date: Date;
  region: RegionSelection;
  period: string;
  /** Records of the period and of the same period a year earlier (every zone). */
  records: IndicatorRecord[];
  reference: Reference;
  keyIndicators: string[];
  timeZone?: string;
}

export interface RegionalView extends ReportView {
  kind: 'regional-report';
  region: RegionSelection;
}

const BY_LABEL: Record<RegionSelection['by'], string> = {
  alliance: '区域',
  province: '省（区、市）',
  city: '城市',
  region: '地区',
};

/** Composes a regional report. */
export function composeRegionalReport(input: RegionalInput): RegionalView {
  const { reference: ref, period, region } = input;
  const tz = input.timeZone ?? 'Asia/Shanghai';
  const periodZh = formatPeriodZh(period);
  const index = new RecordIndex(input.records);
  const tracer = new Tracer();
  const members = new Set(region.zoneIds);
  const memberZones = region.zoneIds.map((id) => ref.zone(id)!).filter(Boolean);
  const inPeriod = input.records.filter((r) => r.period === period);
  const regionRecords = inPeriod.filter((r) => members.has(r.zone));
  const nationalZones = inPeriod.filter((r) => ref.zone(r.zone)?.level === 'national');
  const keyInds = input.keyIndicators
    .map((c) => ref.indicator(c))
    .filter((i): i is Indicator => !!i);
  const reported = keyInds.filter((ind) => regionRecords.some((r) => r.indicator === ind.code));
  const sections: SectionView[] = [];
  let tableNo = 0;
  let figureNo = 0;

  // ——— 区域概况: totals and shares ———
  const totalRows: TableBlock['rows'] = [];
  const totalFigures: Figure[] = [];
  const sentences: string[] = [];
  const memberCount = tracer.at('overview').use(countFigure(memberZones.length, '家', []));
  const overviewFigures: Figure[] = [];
  tracer.at('totals-table');
  for (const ind of keyInds) {
    const recs = regionRecords.filter((r) => r.indicator === ind.code);
    // Indicators no zone of the region reports are listed in the data-quality note only.
    if (!recs.length || ind.unit === '%') continue;
    const total = tracer.use(sumFigure(recs, ind));
    const count = tracer.use(countFigure(recs.length, '家', recs));
    const nationalRecord = index.get(NATIONAL_HTZ, ind.code, period);
    const share = nationalRecord
      ? tracer.use(shareOfTotalFigure(total, valueFigure(nationalRecord, ind)))
      : undefined;
    // Growth of the total over the zones that report both years.
    const both = recs.filter((r) => growthOf(r, index));
    const prev = both.flatMap((r) => {
      const g = growthOf(r, index)!;
      return [{ r, previous: r.value / (1 + g.value / 100) }];
    });
    let growth: Figure | undefined;
    if (both.length === recs.length && prev.length) {
      const before = prev.reduce((s, x) => s + x.previous, 0);
      const pct = (total.value / before - 1) * 100;
      growth = tracer.use({
        text: formatGrowthCell(pct),
        value: pct,
        refs: both.flatMap((r) => growthOf(r, index)!.refs),
        derived: 'yoy-from-previous-period',
      });
    }
    totalFigures.push(...[total, count, share, growth].filter((f): f is Figure => !!f));
    totalRows.push({
      cells: [
        { text: ind.name, header: true },
        { text: total.text },
        { text: count.text },
        { text: growth?.text ?? MISSING, missing: !growth },
        { text: share?.text ?? MISSING, missing: !share },
      ],
    });
    if (sentences.length < 4) {
      overviewFigures.push(...[total, count, growth, share].filter((f): f is Figure => !!f));
      let s = `${ind.name}合计${total.text}（${count.text}园区报送）`;
      if (growth) s += `，按可比口径同比增长${growth.text}`;
      if (share) s += `，占全国国家高新区的${share.text}`;
      sentences.push(s);
    }
  }
  tracer.printedIn('overview', overviewFigures);
  const overview: Block[] = [
    {
      article: {
        anchor: 'overview',
        title: `${periodZh}${region.name}国家高新区发展概况`,
        paragraphs: [
          {
            text: `本报告收录${region.name}${memberCount.text}高新区：${memberZones.map((z) => z.shortName).join('、')}。`,
          },
          ...(sentences.length
            ? [{ text: `${periodZh}，${region.name}国家高新区${sentences.join('；')}。` }]
            : [{ text: `${periodZh}，${region.name}各高新区尚无主要指标的公开数据。` }]),
        ],
        ...(totalFigures.length ? { sourceLine: tracer.sourceLine(totalFigures) } : {}),
      },
    },
    {
      table: alignCells({
        anchor: 'totals-table',
        caption: `表${++tableNo} ${periodZh}${region.name}国家高新区主要指标合计`,
        columns: [
          { label: '指标', align: 'left' },
          { label: '合计', align: 'right' },
          { label: '报送园区', align: 'right' },
          { label: '同比增长', align: 'right' },
          { label: '占国家高新区比重', align: 'right' },
        ],
        rows: totalRows,
        sourceLine: tracer.sourceLine(totalFigures),
        note: '注：合计只含报送该指标的园区；同比增长按两年均报送的园区计算；区域内无园区报送的指标见文末数据说明。',
      }),
    },
  ];
  sections.push(section('区域概况', 'sec-1', overview));

  // ——— 园区一览 and rank distribution ———
  const lead = reported.find((i) => i.unit !== '%') ?? keyInds[0];
  const zoneBlocks: Block[] = [];
  // The records behind each band of national ranks (a zone without a record is unranked).
  const bands: IndicatorRecord[][] = [[], [], [], []];
  if (lead) {
    const peers = nationalZones.filter((r) => r.indicator === lead.code);
    const ranked = rank(peers, (r) => r.value, lead.higherIsBetter);
    const base = rankBase(peers.length, nationalZoneCount(ref, index, period));
    const rows: TableBlock['rows'] = [];
    const figs: Figure[] = [];
    const unranked: Zone[] = [];
    const chartZones: { name: string; fig: Figure }[] = [];
    tracer.at('zones-table');
    for (const zone of memberZones) {
      const r = index.get(zone.id, lead.code, period);
      const mine = ranked.find((x) => x.item.zone === zone.id);
      const value = r ? tracer.use(valueFigure(r, lead)) : undefined;
      const growth = r ? tracer.use(growthOf(r, index)) : undefined;
      const rk = mine ? tracer.use(rankFigure(mine.rank, peers, zone.id)) : undefined;
      if (!mine) unranked.push(zone);
      else bands[mine.rank <= 50 ? 0 : mine.rank <= 100 ? 1 : 2]!.push(mine.item);
      if (value) chartZones.push({ name: zone.shortName, fig: value });
      figs.push(...[value, growth, rk].filter((f): f is Figure => !!f));
      rows.push({
        cells: [
          { text: zone.shortName, header: true },
          {
            text: [zone.province, zone.city !== zone.province ? zone.city : null]
              .filter(Boolean)
              .join(''),
          },
          { text: value?.text ?? MISSING, missing: !value },
          { text: growth?.text ?? MISSING, missing: !growth },
          {
            text: rk
              ? `${mine!.tied ? '并列' : ''}${rk.text}${base.national ? '' : `/${peers.length}`}`
              : MISSING,
            missing: !rk,
          },
        ],
      });
    }
    const peersCount = tracer.at('zones').use(countFigure(peers.length, '家', peers));
    // How many national zones there were in the period: only a recorded count is printed (the
    // catalogue lists the zones this project knows, not every national zone of that year).
    const countRecord = index.get(NATIONAL_HTZ, 'national-htz-count', period.slice(0, 4));
    const countIndicator = ref.indicator('national-htz-count');
    const nationalCount =
      base.national || !countRecord || !countIndicator
        ? undefined
        : tracer.use(valueFigure(countRecord, countIndicator));
    zoneBlocks.push({
      article: {
        anchor: 'zones',
        title: `${region.name}各高新区${lead.name}`,
        paragraphs: [
          {
            text: base.national
              ? `按${periodZh}${lead.name}排列，全国排名以同期全部${peersCount.text}国家高新区为范围。`
              : `按${periodZh}${lead.name}排列。同期只有${peersCount.text}国家高新区报送该指标${nationalCount ? `（全国共${nationalCount.text}）` : ''}，表中名次是在报送园区中的名次，不是全国排名。`,
          },
        ],
      },
    });
    zoneBlocks.push({
      table: alignCells({
        anchor: 'zones-table',
        caption: `表${++tableNo} ${periodZh}${region.name}各高新区${lead.name}及${base.national ? '全国排名' : '在报送园区中的排名'}`,
        columns: [
          { label: '园区', align: 'left' },
          { label: '所在地', align: 'left' },
          { label: lead.name, align: 'right' },
          { label: '同比增长', align: 'right' },
          { label: base.column, align: 'center' },
        ],
        rows,
        sourceLine: tracer.sourceLine(figs),
        ...(base.national
          ? {}
          : {
              note: `注：名次格式为“名次/报送园区数”，在同期报送${lead.name}的国家高新区中排列。`,
            }),
      }),
    });
    if (chartZones.length >= 2) {
      chartZones.sort((a, b) => b.fig.value - a.fig.value);
      tracer.printedIn(
        'zones-chart',
        chartZones.map((z) => z.fig),
      );
      zoneBlocks.push({
        chart: {
          anchor: 'zones-chart',
          caption: `图${++figureNo} ${periodZh}${region.name}各高新区${lead.name}`,
          svg: rankingBarChart({
            categories: chartZones.map((z) => z.name),
            series: { name: lead.name, figures: chartZones.map((z) => z.fig) },
            highlight: new Set(chartZones.map((_, i) => i)),
          }),
          sourceLine: tracer.sourceLine(chartZones.map((z) => z.fig)),
        },
      });
    }
    // Bands of national ranks mean something only when the base is every national zone.
    if (base.national) {
      const dist = ['前50名', '第51—100名', '100名以后'];
      tracer.at('rank-bands');
      const distFigures = bands
        .slice(0, 3)
        .map((recs) => tracer.use(countFigure(recs.length, '家', recs)));
      zoneBlocks.push({
        table: alignCells({
          anchor: 'rank-bands',
          caption: `表${++tableNo} ${region.name}高新区${lead.name}全国排名分布`,
          columns: [
            { label: '排名区间', align: 'left' },
            { label: '园区数', align: 'right' },
          ],
          rows: dist.map((label, i) => ({
            cells: [{ text: label, header: true }, { text: distFigures[i]!.text }],
          })),
          compact: true,
          sourceLine: tracer.sourceLine(distFigures),
          ...(unranked.length
            ? {
                note: `注：${unrankedNote(unranked, lead.name)}，未参加全国排名。`,
              }
            : {}),
        }),
      });
    }
  }
  sections.push(section('园区一览', 'sec-2', zoneBlocks));

  // ——— 对标分析: gaps to benchmark zones ———
  const gapRows: TableBlock['rows'] = [];
  const gapFigures: Figure[] = [];
  tracer.at('benchmarks-table');
  for (const ind of keyInds) {
    const peers = nationalZones.filter((r) => r.indicator === ind.code);
    const inside = peers.filter((r) => members.has(r.zone));
    const outside = peers.filter((r) => !members.has(r.zone));
    if (!inside.length || !outside.length) continue;
    const best = rank(inside, (r) => r.value, ind.higherIsBetter)[0]!.item;
    const bench = rank(outside, (r) => r.value, ind.higherIsBetter)[0]!.item;
    const bestF = tracer.use(valueFigure(best, ind));
    const benchF = tracer.use(valueFigure(bench, ind));
    const amount = derivedAmount(
      [{ record: bench }, { record: best, sign: -1 }],
      ind.unit,
      'difference',
    );
    const diff = amount.value;
    const gap = tracer.use({
      text:
        diff === 0
          ? '持平'
          : qualify(amount.number.replace(/^-/, ''), amount.unit, amount.qualifier),
      value: diff,
      refs: [...bestF.refs, ...benchF.refs],
      derived: 'amount-difference',
      parts: 1,
      ...(amount.qualifier ? { qualifier: amount.qualifier } : {}),
    });
    const ratio = tracer.use(ratioFigure(bestF, benchF));
    gapFigures.push(...[bestF, benchF, gap, ratio].filter((f): f is Figure => !!f));
    const leads = ind.higherIsBetter ? diff < 0 : diff > 0;
    gapRows.push({
      cells: [
        { text: ind.name, header: true },
        { text: `${ref.zone(best.zone)!.shortName} ${bestF.text}` },
        { text: `${ref.zone(bench.zone)!.shortName} ${benchF.text}` },
        { text: diff === 0 ? gap.text : `${leads ? '领先' : '落后'}${gap.text}` },
        { text: ratio?.text ?? MISSING, missing: !ratio },
      ],
    });
  }
  const benchBlocks: Block[] = [
    {
      article: {
        anchor: 'benchmarks',
        title: `${region.name}与标杆园区的差距`,
        paragraphs: [
          {
            text: gapRows.length
              ? `以区域外同期数值最高的国家高新区为标杆，比较${region.name}表现最好的园区与标杆园区的差距。`
              : `${periodZh}，${region.name}各高新区与区域外园区尚无可比的同期指标，暂不作对标分析。`,
          },
        ],
      },
    },
  ];
  if (gapRows.length) {
    benchBlocks.push({
      table: alignCells({
        anchor: 'benchmarks-table',
        caption: `表${++tableNo} ${periodZh}${region.name}与标杆园区对比`,
        columns: [
          { label: '指标', align: 'left' },
          { label: '区域最优园区', align: 'right' },
          { label: '标杆园区', align: 'right' },
          { label: '差距', align: 'right' },
          { label: '相当于标杆', align: 'right' },
        ],
        rows: gapRows,
        sourceLine: tracer.sourceLine(gapFigures),
      }),
    });
  }
  sections.push(section('对标分析', 'sec-3', benchBlocks));

  const missing = keyInds
    .filter((ind) => !regionRecords.some((r) => r.indicator === ind.code))
    .map((ind) => ind.name);
  const { year: pubYear } = datePartsIn(input.date, tz);
  const issueLine = input.issue
    ? formatIssueLine(input.issue.year, input.issue.number, input.issue.total)
    : `${pubYear}年（预览）`;
  const masthead = {
    ...mastheadOf(input.series, issueLine, input.date, tz, !input.issue),
    reportTitle: `${region.name}国家高新区发展报告`,
    reportSubtitle: `${periodZh} · 按${BY_LABEL[region.by]}汇总`,
  };
  const year = parsePeriod(period)?.year ?? pubYear;
  const documentTitle = `${input.series.title}·${region.name}（${periodZh}）`;
  return {
    kind: 'regional-report',
    lang: 'zh-CN',
    documentTitle,
    fileName: `${input.series.title}-${region.name}-${year}.pdf`,
    metadata: {
      title: documentTitle,
      author: masthead.issuer,
      subject: `${region.name}国家高新区${periodZh}发展数据`,
      keywords: [input.series.title, region.name, '国家高新区', periodZh],
    },
    masthead,
    period,
    periodZh,
    region,
    sections,
    dataQuality: {
      missing,
      notes: [
        '合计与比重只计报送该指标的园区，未报送的园区不作估算。',
        ...precisionNote(tracer.trace),
        '货币指标以亿元为基本单位，1万亿元及以上以万亿元表示；增速为名义增速。',
      ],
    },
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

/** `甲、乙本期未报送园区生产总值；丙非国家高新区` — zones left out of the national ranking. */
function unrankedNote(zones: Zone[], indicatorName: string): string {
  const names = (level: boolean) =>
    zones
      .filter((z) => (z.level === 'national') === level)
      .map((z) => z.shortName)
      .join('、');
  return [
    names(true) && `${names(true)}本期未报送${indicatorName}`,
    names(false) && `${names(false)}非国家高新区`,
  ]
    .filter(Boolean)
    .join('；');
}
