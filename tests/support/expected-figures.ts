/**
 * The independent fidelity check (issue 26, b): what the reports print for the repository's data
 * (data/records and the synthetic zone set), written by hand from the records — each sum, share,
 * gap and rank worked out in the comment beside it — and a check that compares a composed
 * view with them. Nothing here calls the production formatting or arithmetic (recordValueText,
 * qualify, derivedAmount …): a bug there cannot make this check agree with it.
 */
import type { Figure } from '../../functions/core/figures.ts';

export type Kind = 'torch-bulletin' | 'indicator-flash' | 'zone-profile' | 'regional-report';
/** The kind of figure: as recorded, or how it was computed; `page`: a text a table prints. */
export type Category = 'value' | 'sum' | 'share' | 'growth' | 'gap' | 'ratio' | 'rank' | 'page';

export interface Expected {
  kind: Kind;
  category: Category;
  /** `zone/indicator/period` of every record the figure is made of (any order). */
  refs: string[];
  /** The zone a rank is of. */
  subject?: string;
  text: string;
}

const YRD = [
  'shanghai-zhangjiang',
  'nanjing',
  'wuxi',
  'suzhou-sip',
  'kunshan',
  'nantong',
  'hangzhou',
  'hefei',
];
const ZONES_24 = [
  'zhongguancun',
  'tianjin',
  'yanjiao',
  'cangzhou',
  'shenyang',
  'dalian',
  'shanghai-zhangjiang',
  'nanjing',
  'wuxi',
  'suzhou-sip',
  'kunshan',
  'nantong',
  'hangzhou',
  'hefei',
  'xiamen-torch',
  'jinan',
  'gongqingcheng',
  'wuhan-donghu',
  'guangzhou',
  'shenzhen',
  'chongqing',
  'chengdu',
  'xian',
  'shizuishan',
];
const CENTRAL = ['hefei', 'gongqingcheng', 'wuhan-donghu'];
const of = (zones: string[], indicator: string, period = '2024') =>
  zones.map((z) => `${z}/${indicator}/${period}`);
const v = (kind: Kind, ref: string, ...texts: string[]): Expected[] =>
  texts.map((text) => ({ kind, category: 'value', refs: [ref], text }));

export const EXPECTED: Expected[] = [
  // ── indicator-flash: national records as reported (value, qualifier, unit; yoy; share) ──
  ...v('indicator-flash', 'national-htz/gdp/2024', '突破19.3万亿元', '7.6%', '14.3%'),
  ...v('indicator-flash', 'national-htz/budget-revenue/2024', '8921.9亿元', '6.5%'),
  ...v('indicator-flash', 'national-htz/tax-revenue/2024', '2万亿元', '5.9%'),
  ...v('indicator-flash', 'national-htz/fixed-asset-investment/2024', '6.4万亿元'),
  ...v('indicator-flash', 'national-htz/industrial-value-added/2024', '9.8万亿元', '5.8%', '24.1%'),
  ...v('indicator-flash', 'national-htz/industrial-profit/2024', '约2.4万亿元', '2.2%', '32.5%'),
  ...v('indicator-flash', 'national-htz/trade-total/2024', '约9.5万亿元', '2.5%'),
  ...v('indicator-flash', 'national-htz/exports/2024', '6万亿元', '10.1%', '21%'),
  ...v('indicator-flash', 'national-htz/digital-core-revenue/2024', '约18万亿元', '6.3%'),
  // ── torch-bulletin ──
  ...v('torch-bulletin', 'national-htz/gdp/2012', '5.4万亿元', '10.1%'),
  ...v('torch-bulletin', 'national-htz/gdp/2021', '15.3万亿元', '13.4%'),
  // A gap reported as such (5.5, in percentage points, positive): 高…个百分点.
  ...v('torch-bulletin', 'national-htz/industrial-profit-growth-gap/2024', '高5.5个百分点'),
  ...v('torch-bulletin', 'national-htz/pilot-policies/2024', '近1000项'),
  ...v('torch-bulletin', 'national-htz/replicated-policies/2024', '30余项'),
  ...v('torch-bulletin', 'xiamen-torch/gdp/2024', '3145.3亿元', '9.9%'),
  ...v('torch-bulletin', 'xiamen-torch/industrial-value-added/2024', '1321亿元', '-1.2%'),
  ...v('torch-bulletin', 'chengdu/lead-industry-enterprises/2024', '3900余家'),
  ...v('torch-bulletin', 'wuhan-donghu/supply-chain-platform-users/2025-02', '超过6.3万户'),
  ...v('torch-bulletin', 'wuhan-donghu/supply-chain-matches/2025-02', '超过1.2万项'),
  // Ranks among the 24 zones that report GDP 2024, by hand from the synthetic set: xiamen-torch
  // 3145.3 > nanjing 3027.7 > cangzhou 2926.5 > chengdu 2793 > wuhan-donghu 2586.5 > kunshan
  // 2471.8 > shanghai-zhangjiang 2415.6 > …
  {
    kind: 'zone-profile',
    category: 'rank',
    refs: of(ZONES_24, 'gdp'),
    subject: 'wuhan-donghu',
    text: '5',
  },
  {
    kind: 'regional-report',
    category: 'rank',
    refs: of(ZONES_24, 'gdp'),
    subject: 'shanghai-zhangjiang',
    text: '7',
  },
  {
    kind: 'regional-report',
    category: 'rank',
    refs: of(ZONES_24, 'gdp'),
    subject: 'nanjing',
    text: '2',
  },
  // wuhan-donghu among 24 by industrial value added 5th, high-tech enterprises (877) 17th,
  // R&D intensity (5.5%) 9th; among the 3 central zones: 1st (1086.3 > 894.2 > 785.3), 3rd by
  // enterprises (3113 > 1216 > 877), 1st by R&D intensity (5.5 > 4.8 > 3.9).
  {
    kind: 'zone-profile',
    category: 'rank',
    refs: of(ZONES_24, 'industrial-value-added'),
    subject: 'wuhan-donghu',
    text: '5',
  },
  {
    kind: 'zone-profile',
    category: 'rank',
    refs: of(ZONES_24, 'high-tech-enterprises'),
    subject: 'wuhan-donghu',
    text: '17',
  },
  {
    kind: 'zone-profile',
    category: 'rank',
    refs: of(ZONES_24, 'rd-intensity'),
    subject: 'wuhan-donghu',
    text: '9',
  },
  {
    kind: 'zone-profile',
    category: 'rank',
    refs: of(CENTRAL, 'gdp'),
    subject: 'wuhan-donghu',
    text: '1',
  },
  {
    kind: 'zone-profile',
    category: 'rank',
    refs: of(CENTRAL, 'high-tech-enterprises'),
    subject: 'wuhan-donghu',
    text: '3',
  },
  {
    kind: 'zone-profile',
    category: 'rank',
    refs: of(CENTRAL, 'rd-intensity'),
    subject: 'wuhan-donghu',
    text: '1',
  },
  // ── zone-profile wuhan-donghu ──
  ...v('zone-profile', 'wuhan-donghu/gdp/2024', '2586.5亿元', '5.1%'),
  ...v('zone-profile', 'wuhan-donghu/gdp/2023', '2461亿元'),
  ...v('zone-profile', 'wuhan-donghu/industrial-value-added/2024', '1086.3亿元', '7.1%'),
  ...v('zone-profile', 'wuhan-donghu/high-tech-enterprises/2024', '877家'),
  ...v('zone-profile', 'wuhan-donghu/lead-industry-revenue/2024', '突破6000亿元'),
  ...v('zone-profile', 'wuhan-donghu/lead-industry-share-of-national/2021', '50%'),
  // Growth gaps in percentage points: 5.1 − 7.6 = −2.5 (低), 7.1 − 5.8 = +1.3 (高).
  {
    kind: 'zone-profile',
    category: 'gap',
    refs: ['wuhan-donghu/gdp/2024', 'national-htz/gdp/2024'],
    text: '低2.5个百分点',
  },
  {
    kind: 'zone-profile',
    category: 'gap',
    refs: ['wuhan-donghu/industrial-value-added/2024', 'national-htz/industrial-value-added/2024'],
    text: '高1.3个百分点',
  },
  // ── regional-report 长三角 (8 zones) ──
  // GDP 2024: 2415.6 + 3027.7 + 1151.2 + 1888.6 + 2471.8 + 746.5 + 1485.3 + 2129 = 15315.7亿元;
  // hefei's 2129 is given to 1亿元, so the sum is too: 15316亿元 = 1.5316万亿元.
  { kind: 'regional-report', category: 'sum', refs: of(YRD, 'gdp'), text: '1.5316万亿元' },
  // Its share of the national 突破19.3万亿元: 15316 / 193000 = 7.94 % → 约7.9% (a bound, not a value).
  {
    kind: 'regional-report',
    category: 'share',
    refs: [...of(YRD, 'gdp'), 'national-htz/gdp/2024'],
    text: '约7.9%',
  },
  // Growth: 2023 = 2198 + 2931 + 1064 + 1797 + 2530 + 663 + 1396 + 2129 = 14708; 15315.7 / 14708 − 1 = 4.13 %.
  { kind: 'regional-report', category: 'growth', refs: of(YRD, 'gdp'), text: '4.1%' },
  // Industrial value added: 1014.6 + 1271.6 + 483.5 + 793.2 + 1038.2 + 313.5 + 623.8 + 894.2 = 6432.6亿元;
  // of the national 9.8万亿元: 6432.6 / 98000 = 6.56 % → 6.6%.
  {
    kind: 'regional-report',
    category: 'sum',
    refs: of(YRD, 'industrial-value-added'),
    text: '6432.6亿元',
  },
  {
    kind: 'regional-report',
    category: 'share',
    refs: [...of(YRD, 'industrial-value-added'), 'national-htz/industrial-value-added/2024'],
    text: '6.6%',
  },
  // High-tech enterprises: 981 + 1487 + 1208 + 869 + 870 + 2411 + 542 + 3113 = 11481家.
  {
    kind: 'regional-report',
    category: 'sum',
    refs: of(YRD, 'high-tech-enterprises'),
    text: '11481家',
  },
  ...v('regional-report', 'nanjing/gdp/2024', '3027.7亿元', '3.3%'),
  ...v('regional-report', 'kunshan/gdp/2024', '2471.8亿元', '-2.3%'),
  ...v('regional-report', 'hefei/gdp/2024', '2129亿元', '持平'),
  // The region's best against the best outside it: xiamen-torch 3145.3 − nanjing 3027.7 = 117.6亿元
  // (落后: GDP is higher-is-better); 3027.7 / 3145.3 = 96.26 % → 96.3%.
  {
    kind: 'regional-report',
    category: 'gap',
    refs: ['nanjing/gdp/2024', 'xiamen-torch/gdp/2024'],
    text: '117.6亿元',
  },
  {
    kind: 'regional-report',
    category: 'ratio',
    refs: ['nanjing/gdp/2024', 'xiamen-torch/gdp/2024'],
    text: '96.3%',
  },
  { kind: 'regional-report', category: 'page', refs: [], text: '落后117.6亿元' },
  // 1321 − 1271.6 = 49.4, given to 1亿元 (1321) → 49亿元; 1271.6 / 1321 = 96.26 % → 96.3%.
  {
    kind: 'regional-report',
    category: 'gap',
    refs: ['nanjing/industrial-value-added/2024', 'xiamen-torch/industrial-value-added/2024'],
    text: '49亿元',
  },
  {
    kind: 'regional-report',
    category: 'ratio',
    refs: ['nanjing/industrial-value-added/2024', 'xiamen-torch/industrial-value-added/2024'],
    text: '96.3%',
  },
  { kind: 'regional-report', category: 'page', refs: [], text: '落后49亿元' },
  // 3121 − 3113 = 8家; 3113 / 3121 = 99.74 % → 99.7%.
  {
    kind: 'regional-report',
    category: 'gap',
    refs: ['hefei/high-tech-enterprises/2024', 'chengdu/high-tech-enterprises/2024'],
    text: '8家',
  },
  {
    kind: 'regional-report',
    category: 'ratio',
    refs: ['hefei/high-tech-enterprises/2024', 'chengdu/high-tech-enterprises/2024'],
    text: '99.7%',
  },
  { kind: 'regional-report', category: 'page', refs: [], text: '落后8家' },
];

/** At least this many expected figures of each category: the check cannot quietly shrink. */
export const MINIMUM: Record<Category, number> = {
  value: 40,
  sum: 3,
  share: 2,
  growth: 1,
  gap: 5,
  ratio: 3,
  rank: 8,
  page: 3,
};

function categoryOf(f: Figure): Category | undefined {
  switch (f.derived) {
    case undefined:
      return 'value';
    case 'sum':
      return 'sum';
    case 'share-of-total':
    case 'share-of-china':
      return 'share';
    case 'yoy-from-previous-period':
      return 'growth';
    case 'difference':
    case 'amount-difference':
      return 'gap';
    case 'ratio':
      return 'ratio';
    case 'rank':
      return 'rank';
    default:
      return undefined;
  }
}

const refsKey = (refs: string[]) => [...refs].sort().join(' ');

/**
 * Compares the figures of composed views with the hand-written expectations: each expected
 * figure must be printed, with exactly its text, among the figures of its kind made of the same
 * records; a `page` text must be on the page. One line per miss.
 */
export function expectedProblems(
  views: Partial<Record<Kind, { trace: Figure[]; text: string }>>,
  expected: Expected[] = EXPECTED,
): string[] {
  const problems: string[] = [];
  for (const e of expected) {
    const view = views[e.kind];
    if (!view) {
      problems.push(`${e.kind}: no view to check “${e.text}” against`);
      continue;
    }
    if (e.category === 'page') {
      if (!view.text.includes(e.text)) problems.push(`${e.kind}: “${e.text}” is not printed`);
      continue;
    }
    const want = refsKey(e.refs);
    const printed = view.trace
      .filter(
        (f) =>
          categoryOf(f) === e.category &&
          refsKey(f.refs.map((r) => `${r.zone}/${r.indicator}/${r.period}`)) === want &&
          (e.subject === undefined || f.subject === e.subject),
      )
      .map((f) => f.text);
    if (!printed.includes(e.text))
      problems.push(
        `${e.kind}: ${e.category} of ${e.subject ? `${e.subject} among ` : ''}${e.refs.length > 3 ? `${e.refs.length} records (${e.refs[0]} …)` : e.refs.join(', ')} should print “${e.text}”, printed ${printed.length ? printed.map((t) => `“${t}”`).join(', ') : 'nothing'}`,
      );
  }
  return problems;
}

/** Expected figures per category. */
export function countsOf(expected: Expected[] = EXPECTED): Record<Category, number> {
  const counts = Object.fromEntries(Object.keys(MINIMUM).map((c) => [c, 0])) as Record<
    Category,
    number
  >;
  for (const e of expected) counts[e.category] += 1;
  return counts;
}
