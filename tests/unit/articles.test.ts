/**
 * Editor articles cite records: citations print the record as reported, typed figures are
 * warnings, contradictions and citations of missing records are errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkArticles, citedKeys, formatArticleProblem } from '../../functions/core/articles.ts';
import { composeBulletin } from '../../functions/core/compose-bulletin.ts';
import type { Article, IndicatorRecord } from '../../functions/core/model.ts';
import type { Reference } from '../../functions/core/reference.ts';
import { referenceData } from '../../functions/app/reference-data.ts';
import articles from '../../data/articles.json' with { type: 'json' };
import { readRecords, repoRecordFiles } from '../support/trace.ts';

const DATE = new Date('2026-11-20T01:00:00Z');

describe('articles cite records', () => {
  let ref: Reference;
  let real: IndicatorRecord[];

  beforeAll(async () => {
    ref = referenceData();
    real = await readRecords(ref, repoRecordFiles);
  });

  const compose = (list: Article[]) =>
    composeBulletin({
      series: ref.seriesById('torch-bulletin')!,
      date: DATE,
      period: '2024',
      records: real,
      articles: list,
      reference: ref,
      expectedIndicators: ref.seriesById('torch-bulletin')!.keyIndicators,
    });

  const article = (body: string): Article => ({
    id: 'test-article',
    series: 'torch-bulletin',
    period: '2024',
    section: '研究报告',
    title: '测试文章',
    byline: '本刊编辑部',
    body,
  });

  it('data/articles.json: every figure cited, none typed, no contradiction', () => {
    const view = compose(articles as Article[]);
    const check = checkArticles(view);
    expect(check.errors).toEqual([]);
    expect(check.warnings).toEqual([]);
    expect(check.citingArticles).toBe(articles.length);
    expect(check.citations).toBeGreaterThan(60);
    const html = view.sections.flatMap((s) => s.blocks.map((b) => b.article?.html ?? '')).join('');
    expect(html).not.toContain('{{');
    // The page-5 R&D sentence cites the 2023 record: dated, with its qualifier.
    expect(html).toMatch(/2023年，企业R&amp;D经费内部支出约1\.2万亿元[①-⑳]，同比增长4\.3%/);
    expect(html).toContain('平台用户超过6.3万户');
    expect(citedKeys(articles)).toContainEqual({
      zone: 'national-htz',
      indicator: 'enterprise-rd-expenditure',
      period: '2023',
    });
  });

  it('a typed figure equal to its record is a warning naming article, paragraph and text', () => {
    const check = checkArticles(
      compose([article('导语。\n\n2024年，国家高新区一般公共预算收入8921.9亿元。')]),
    );
    expect(check.errors).toEqual([]);
    expect(check.warnings).toEqual([
      expect.objectContaining({
        article: 'test-article',
        paragraph: 2,
        text: '8921.9亿元',
        record: 'national-htz/budget-revenue/2024',
      }),
    ]);
  });

  it('a typed figure contradicting its record is an error naming the sentence and the record', () => {
    const check = checkArticles(
      compose([article('2023年，企业R&D经费内部支出约1.3万亿元，同比增长4.3%。')]),
    );
    expect(check.errors).toHaveLength(1);
    const e = check.errors[0]!;
    expect(e).toMatchObject({
      article: 'test-article',
      paragraph: 1,
      text: '约1.3万亿元',
      record: 'national-htz/enterprise-rd-expenditure/2023',
    });
    expect(formatArticleProblem('error', e)).toContain(
      '“2023年，企业R&D经费内部支出约1.3万亿元，同比增长4.3%。”',
    );
    expect(e.message).toContain('约1.2万亿元');
  });

  it('a wrong growth rate after a cited amount is an error too', () => {
    const check = checkArticles(
      compose([article('2024年，国家高新区出口总额6万亿元，同比增长12.1%。')]),
    );
    expect(check.errors.map((e) => e.text)).toEqual(['12.1%']);
  });

  it('a citation of a record that does not exist is an error; a malformed one too', () => {
    const check = checkArticles(
      compose([
        article(
          '{{figure national-htz enterprise-rd-expenditure 2024}}。\n\n{{figure national-htz gdp}}',
        ),
      ]),
    );
    expect(check.errors.map((e) => e.message)).toEqual([
      '引用的记录不存在：national-htz/enterprise-rd-expenditure/2024',
      '引用的写法是 {{figure <园区> <指标> <时期> [yoy|share|points]}}',
    ]);
  });
});
