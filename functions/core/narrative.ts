/**
 * Prose written from the data: one paragraph per indicator category, in the order the
 * indicators are given (a series' `keyIndicators`: GDP leads), each opened by a heading
 * chosen from the direction of the figures (`综合实力稳步提升`) — the shape of the
 * 《火炬动态》 and press-conference paragraphs, never their words.
 */
import { chineseNumeral } from './format.ts';
import { growthProse, shareProse, type Figure } from './figures.ts';
import type { Indicator } from './model.ts';

export interface NarrativeItem {
  indicator: Indicator;
  value: Figure;
  growth?: Figure;
  share?: Figure;
  /** Growth compared with the national average, in points (`增速较全国平均水平高5.5个百分点`). */
  gap?: Figure;
}

export interface NarrativeParagraph {
  /** `第一，综合实力稳步提升。` */
  lead: string;
  text: string;
  figures: Figure[];
}

/** Wordings of "up, below 10% on average", varied from paragraph to paragraph. */
const STEADY_RISE = ['稳步提升', '持续向好', '稳中有进', '平稳增长'];

/**
 * The heading word for a category from its growth rates: all up → 稳步提升 (or, for the
 * `variant`-th paragraph, 持续向好 / 稳中有进 / 平稳增长; 较快增长 from 10% on average), all down → 有所回落, mixed → 总体平稳 / 承压运行; without any growth
 * figure the heading is neutral (概况).
 */
export function trendPhrase(growths: number[], variant = 0): string {
  if (growths.length === 0) return '概况';
  const mean = growths.reduce((s, g) => s + g, 0) / growths.length;
  if (growths.every((g) => g > 0))
    return mean >= 10 ? '较快增长' : STEADY_RISE[variant % STEADY_RISE.length]!;
  if (growths.every((g) => g < 0)) return '有所回落';
  if (growths.every((g) => g === 0)) return '保持平稳';
  return mean >= 0 ? '总体平稳' : '承压运行';
}

/** The indicator name as it reads after the subject (`国家高新区国家高新区数量` → `数量`). */
export function nameAfterSubject(name: string, subject: string): string {
  return name.startsWith(subject) ? name.slice(subject.length) || name : name;
}

/** One clause: `园区生产总值19.3万亿元，同比增长7.6%，占全国比重为14.3%`. */
export function clause(item: NarrativeItem, subject: string): string {
  const parts = [`${nameAfterSubject(item.indicator.name, subject)}${item.value.text}`];
  if (item.growth) parts.push(growthProse(item.growth));
  if (item.share) parts.push(shareProse(item.share));
  if (item.gap) parts.push(`增速较全国平均水平${item.gap.text}`);
  return parts.join('，');
}

/**
 * Paragraphs grouped by category in the order of first appearance in `items`.
 * @example
 * narrative('国家高新区', '2024年', [gdpItem]) // [{lead: '第一，综合实力稳步提升。', text: '2024年，国家高新区园区生产总值19.3万亿元，同比增长7.6%，占全国比重为14.3%。'}]
 */
export function narrative(
  subject: string,
  periodZh: string,
  items: NarrativeItem[],
): NarrativeParagraph[] {
  const order: string[] = [];
  const byCategory = new Map<string, NarrativeItem[]>();
  for (const item of items) {
    const c = item.indicator.category;
    if (!byCategory.has(c)) {
      byCategory.set(c, []);
      order.push(c);
    }
    byCategory.get(c)!.push(item);
  }
  return order.map((category, i) => {
    const group = byCategory.get(category)!;
    const growths = group.flatMap((g) => (g.growth ? [g.growth.value] : []));
    const clauses = group.map((g) => clause(g, subject));
    const figures = group.flatMap((g) =>
      [g.value, g.growth, g.share, g.gap].filter((f): f is Figure => !!f),
    );
    return {
      lead: `第${chineseNumeral(i + 1)}，${category}${trendPhrase(growths, i)}。`,
      text: `${periodZh}，${subject}${clauses.join('；')}。`,
      figures,
    };
  });
}
