/**
 * Editor articles cite records for their figures instead of typing them.
 *
 * Citation syntax (in the Markdown body):
 *
 *     {{figure national-htz enterprise-rd-expenditure 2023}}        → 约1.2万亿元
 *     {{figure national-htz enterprise-rd-expenditure 2023 yoy}}    → 4.3%
 *     {{figure national-htz gdp 2024 share}}                        → 14.3%
 *     {{figure national-htz industrial-profit-growth-gap 2024 points}} → 5.5个百分点
 *
 * (zone id, indicator code, period, and optionally `yoy` or `share` — the record's reported
 * growth or share of the national total — or `points`, a % record read as percentage points.) A citation prints the record exactly as it was
 * reported — number, unit, qualifier — and puts the record's document into the source list.
 *
 * {@link checkArticleText} also reads what an editor typed: a number with an indicator's
 * unit (亿元, 万亿元, %, 家, 件 …) that cites no record is a warning; one that contradicts the
 * record of the same zone, indicator and period the sentence names is an error, and so is a
 * citation of a record that does not exist. Pure: no I/O.
 */
import { growthOf, RecordIndex, shareOf, valueFigure, type Figure } from './figures.ts';
import { CHINA, NATIONAL_HTZ, type Article, type IndicatorRecord } from './model.ts';
import { parseValueText, recordValueText } from './numbers.ts';
import type { Reference } from './reference.ts';
import { toBaseUnit } from './units.ts';

export interface ArticleProblem {
  article: string;
  title: string;
  /** 1-based paragraph of the body. */
  paragraph: number;
  /** The sentence the figure is in. */
  sentence: string;
  /** The figure as typed or cited. */
  text: string;
  message: string;
  /** `zone/indicator/period` of the record concerned, when there is one. */
  record?: string;
}

export interface ArticleCheck {
  warnings: ArticleProblem[];
  errors: ArticleProblem[];
  /** How many figures the articles cite, and how many articles cite at least one. */
  citations: number;
  citingArticles: number;
}

export const EMPTY_ARTICLE_CHECK: ArticleCheck = {
  warnings: [],
  errors: [],
  citations: 0,
  citingArticles: 0,
};

const CITATION = /\{\{\s*figure\s+([^{}]*?)\s*\}\}/g;

interface Citation {
  zone: string;
  indicator: string;
  period: string;
  field: 'value' | 'yoy' | 'share' | 'points';
}

function parseCitation(args: string): Citation | string {
  const tokens = args.split(/\s+/).map((t) => t.replace(/^["']|["']$/g, ''));
  const [zone, indicator, period, field = 'value'] = tokens;
  if (!zone || !indicator || !period || tokens.length > 4)
    return '引用的写法是 {{figure <园区> <指标> <时期> [yoy|share|points]}}';
  if (field !== 'value' && field !== 'yoy' && field !== 'share' && field !== 'points')
    return `未知的引用项“${field}”（可用 yoy 同比增速、share 占全国比重、points 百分点）`;
  return { zone, indicator, period, field };
}

/** The record keys the articles cite (for loading them along with an issue's records). */
export function citedKeys(
  articles: Pick<Article, 'body'>[],
): { zone: string; indicator: string; period: string }[] {
  const keys = new Map<string, { zone: string; indicator: string; period: string }>();
  for (const a of articles)
    for (const m of a.body.matchAll(CITATION)) {
      const c = parseCitation(m[1]!);
      if (typeof c !== 'string')
        keys.set(`${c.zone}#${c.indicator}#${c.period}`, {
          zone: c.zone,
          indicator: c.indicator,
          period: c.period,
        });
    }
  return [...keys.values()];
}

/** Hand-typed figures: an optional qualifier, a number, and a unit some indicator uses. */
const TYPED = new RegExp(
  String.raw`(约|近|超过|超|逾|突破)?(\d+(?:\.\d+)?)(余|多)?(万亿元|亿元|万元|亿美元|个百分点|%|万户|户|万家|家|万件|件|万项|项|万人次|人次|万人|人|万个|个|台套|点)`,
  'gu',
);

/** Sentences of a paragraph, ending at 。；！？ */
function sentencesOf(paragraph: string): string[] {
  return paragraph.match(/[^。；！？]+[。；！？]?/g) ?? [];
}

interface Resolved {
  markdown: string;
  figures: Figure[];
  problems: { error: boolean; problem: ArticleProblem }[];
  citations: number;
}

/** What a citation's field names, in words (`记录 … 没有报告同比增速`). */
const FIELD_WORDS: Record<Citation['field'], string> = {
  value: '数值',
  yoy: '同比增速',
  share: '占全国比重',
  points: '百分点差',
};

/**
 * Replaces the citations of one article by the cited figures and checks the typed ones.
 * `mark` returns the source mark of a cited figure (e.g. `①`), printed after it.
 */
export function resolveArticle(
  article: Article,
  index: RecordIndex,
  ref: Reference,
  mark: (f: Figure) => string,
): Resolved {
  const figures: Figure[] = [];
  const problems: Resolved['problems'] = [];
  let citations = 0;
  const paragraphs = article.body.split(/\n\s*\n/);
  const out = paragraphs.map((para, pi) => {
    const at = (sentence: string, text: string, message: string, error: boolean, record?: string) =>
      problems.push({
        error,
        problem: {
          article: article.id,
          title: article.title,
          paragraph: pi + 1,
          sentence: sentence.trim(),
          text,
          message,
          ...(record ? { record } : {}),
        },
      });
    // 1. Citations → figures.
    const resolved = para.replace(CITATION, (whole, args: string) => {
      const c = parseCitation(args);
      const sentence = sentenceAround(para, whole);
      if (typeof c === 'string') {
        at(sentence, whole, c, true);
        return whole;
      }
      const key = `${c.zone}/${c.indicator}/${c.period}`;
      const ind = ref.indicator(c.indicator);
      const r = index.get(c.zone, c.indicator, c.period);
      if (!ind || !r) {
        at(sentence, whole, `引用的记录不存在：${key}`, true, key);
        return whole;
      }
      const f =
        c.field === 'value'
          ? valueFigure(r, ind)
          : c.field === 'points'
            ? pointsFigure(r, ind)
            : c.field === 'yoy'
              ? growthOf(r, index)
              : shareOf(r, index, CHINA);
      if (!f || f.derived) {
        at(sentence, whole, `记录 ${key} 没有报告${FIELD_WORDS[c.field]}`, true, key);
        return whole;
      }
      citations++;
      figures.push(f);
      return `${f.text}${mark(f)}`;
    });
    // 2. Typed figures in what is left.
    const typedText = para.replace(CITATION, (m) => ' '.repeat(m.length));
    for (const sentence of sentencesOf(typedText)) {
      for (const m of sentence.matchAll(TYPED)) {
        const typed = m[0];
        const verdict = judgeTyped(sentence, m.index, typed, article, index, ref);
        at(sentence, typed, verdict.message, verdict.error, verdict.record);
      }
    }
    return resolved;
  });
  return { markdown: out.join('\n\n'), figures, problems, citations };
}

/** A % record (a gap between two rates) read as percentage points: `5.5个百分点`. */
function pointsFigure(r: IndicatorRecord, ind: { unit: string }): Figure | undefined {
  if (ind.unit !== '%') return undefined;
  const f = valueFigure(r, ind);
  return { ...f, text: f.text.replace('%', '个百分点') };
}

function sentenceAround(paragraph: string, piece: string): string {
  const i = paragraph.indexOf(piece);
  const start = Math.max(...['。', '；', '！', '？'].map((p) => paragraph.lastIndexOf(p, i))) + 1;
  const ends = ['。', '；', '！', '？']
    .map((p) => paragraph.indexOf(p, i + piece.length))
    .filter((x) => x >= 0);
  return paragraph.slice(start, ends.length ? Math.min(...ends) + 1 : undefined);
}

/** The last of `names` that occurs in `text`, by position. */
function lastMention<T>(text: string, items: { item: T; names: string[] }[]): T | undefined {
  let best: { item: T; at: number; len: number } | undefined;
  for (const { item, names } of items)
    for (const n of names) {
      if (n.length < 2) continue;
      const at = text.lastIndexOf(n);
      if (at >= 0 && (!best || at > best.at || (at === best.at && n.length > best.len)))
        best = { item, at, len: n.length };
    }
  return best?.item;
}

/**
 * What a typed figure is: the record of the zone, indicator and period its sentence names
 * (indicator in the clause before it, zone and year in the sentence or the article), and
 * whether the typed text agrees with it.
 */
function judgeTyped(
  sentence: string,
  offset: number,
  typed: string,
  article: Article,
  index: RecordIndex,
  ref: Reference,
): { error: boolean; message: string; record?: string } {
  const warn = (message: string, record?: string) => ({
    error: false,
    message,
    ...(record ? { record } : {}),
  });
  const before = sentence.slice(0, offset);
  const clause = before.split(/[，、：]/).at(-1) ?? before;
  const indicators = ref.indicators.map((i) => ({ item: i, names: [i.name, ...i.aliases] }));
  // A rate (同比增长x%, 占全国比重x%) belongs to the amount named earlier in the sentence.
  const indicator =
    lastMention(clause, indicators) ??
    (/%$/.test(typed) && /增长|下降|比重|占/.test(clause)
      ? lastMention(before, indicators)
      : undefined);
  const zones = ref.zones.map((z) => ({ item: z, names: [z.name, z.shortName, ...z.aliases] }));
  const zone =
    lastMention(before, zones) ?? lastMention(article.title, zones) ?? ref.zone(NATIONAL_HTZ);
  const year = [...before.matchAll(/((?:19|20)\d\d)年/g)].at(-1)?.[1] ?? article.period;
  const plain = '手工输入的数字：请改为引用记录（{{figure <园区> <指标> <时期>}}）';
  if (!indicator || !zone) return warn(plain);
  const key = `${zone.id}/${indicator.code}/${year}`;
  const r = index.get(zone.id, indicator.code, year);
  const parsed = parseValueText(typed.replace('个百分点', ''));
  if (!r || !parsed?.unit) return warn(plain, r ? key : undefined);
  const cite = `手工输入的数字：请改为引用 {{figure ${zone.id} ${indicator.code} ${year}}}`;
  if (parsed.unit === '%' && indicator.unit !== '%') {
    // A rate after an amount: the record's reported growth or share, if it has one.
    const rates = [r.yoy, r.share].filter((x): x is number => x !== undefined);
    if (!rates.length || rates.includes(Number(parsed.number))) return warn(plain, key);
    return {
      error: true,
      message: `与记录 ${key} 不符：其报告的比率为 ${rates.map((x) => `${x}%`).join(' / ')}，正文写作 ${typed}`,
      record: key,
    };
  }
  const value = toBaseUnit(parsed.number, parsed.unit, indicator.unit);
  if (value === undefined) return warn(plain);
  if (value === r.value) return warn(cite, key);
  return {
    error: true,
    message: `与记录 ${key}（${recordValueText(r, indicator)}）不符：正文写作 ${typed}`,
    record: key,
  };
}

/** Sums the problems of resolved articles into the check a view carries. */
export function articleCheckOf(resolved: Resolved[]): ArticleCheck {
  const all = resolved.flatMap((r) => r.problems);
  return {
    warnings: all.filter((p) => !p.error).map((p) => p.problem),
    errors: all.filter((p) => p.error).map((p) => p.problem),
    citations: resolved.reduce((s, r) => s + r.citations, 0),
    citingArticles: resolved.filter((r) => r.citations > 0).length,
  };
}

/**
 * The article check of a composed report: typed figures (warnings) and contradictions or
 * citations of missing records (errors). A draft with errors must not be released.
 */
export function checkArticles(view: { articleCheck?: ArticleCheck }): ArticleCheck {
  return view.articleCheck ?? EMPTY_ARTICLE_CHECK;
}

/**
 * One line per problem, for people (the CLI's preview, a draft's reasons not to release):
 * `错误：文章 2024-hub-review《…》第 3 段：“…”中的 1.3万亿元：与记录 … 不符：正文写作 …`.
 */
export function formatArticleProblem(level: 'warning' | 'error', p: ArticleProblem): string {
  return `${level === 'error' ? '错误' : '注意'}：文章 ${p.article}《${p.title}》第 ${p.paragraph} 段：“${p.sentence}”中的 ${p.text}：${p.message}`;
}
