/**
 * What a draft changes against the last issue of its report: figures matched by their record
 * (a figure of 2012 never against one of 2024 printed beside it), a moved-on period matched with
 * the one figure the last issue printed for it, and articles added, changed or dropped by a
 * digest of what they print (source marks aside; by title when the last issue kept no digests).
 */
import { describe, expect, it } from 'vitest';
import {
  articleChanges,
  articleDigestsOf,
  draftChanges,
} from '../../functions/core/draft-changes.ts';
import type { PrintedRecord } from '../../functions/core/lifecycle.ts';
import type { SectionView } from '../../functions/core/report-parts.ts';

const fig = (key: string, value: number, text = `${value}万亿元`): PrintedRecord => ({
  key,
  value,
  revision: 1,
  unit: '亿元',
  label: key.startsWith('national-htz#') ? `国家高新区 · 园区生产总值 · ${key.split('#')[2]}` : key,
  source: 's',
  text,
});

describe('figures old → new', () => {
  it('compares each printed record with the same record, not another period of it', () => {
    const last = [
      fig('national-htz#gdp#2012', 54000, '5.4万亿元'),
      fig('national-htz#gdp#2021', 153000, '15.3万亿元'),
      fig('national-htz#gdp#2024', 193000, '突破19.3万亿元'),
    ];
    const draft = [
      fig('national-htz#gdp#2012', 61000, '6.1万亿元'),
      fig('national-htz#gdp#2021', 153000, '15.3万亿元'),
      fig('national-htz#gdp#2024', 193000, '突破19.3万亿元'),
    ];
    expect(draftChanges(draft, last)).toEqual({
      changed: [
        {
          key: 'national-htz#gdp#2012',
          printedAs: '国家高新区 · 园区生产总值 · 2012',
          old: '5.4万亿元',
          new: '6.1万亿元',
        },
      ],
      added: [],
      dropped: [],
      unchanged: 2,
    });
  });

  it('matches a period that moved on with the one figure the last issue printed for it', () => {
    const c = draftChanges(
      [fig('wuhan#gdp#2024-10', 10), fig('wuhan#exports#2024-10', 3)],
      [fig('wuhan#gdp#2024-09', 9), fig('china#gdp#2024-09', 100)],
    );
    expect(c.changed).toEqual([
      {
        key: 'wuhan#gdp#2024-10',
        printedAs: 'wuhan#gdp#2024-10',
        before: 'wuhan#gdp#2024-09',
        old: '9万亿元',
        new: '10万亿元',
      },
    ]);
    expect(c.added).toEqual(['wuhan#exports#2024-10']);
    expect(c.dropped).toEqual(['china#gdp#2024-09']);
  });

  it('tells a changed qualifier or precision apart from the same value', () => {
    const c = draftChanges(
      [fig('x#gdp#2024', 193000, '19.3万亿元')],
      [fig('x#gdp#2024', 193000, '突破19.3万亿元')],
    );
    expect(c.changed).toHaveLength(1);
  });
});

const section = (name: string, articles: { anchor: string; title: string; html: string }[]) =>
  ({
    name,
    anchor: name,
    entries: [],
    blocks: articles.map((article) => ({ article })),
  }) as SectionView;

describe('articles added or changed', () => {
  const last = articleDigestsOf({
    sections: [
      section('工作动态', [
        { anchor: 'a-key', title: '主要经济指标发布', html: '<p>生产总值19.3万亿元①</p>' },
        { anchor: 'a-old', title: '联盟建设', html: '<p>成立</p>' },
      ]),
      section('园区巡礼', [{ anchor: 'a-tour', title: '东湖', html: '<p>光谷②</p>' }]),
    ],
  });

  it('finds the changed text, the new and the dropped articles; moved source marks are no change', () => {
    const draft = articleDigestsOf({
      sections: [
        section('工作动态', [
          { anchor: 'a-key', title: '主要经济指标发布', html: '<p>生产总值19.4万亿元①</p>' },
          { anchor: 'a-new', title: '新文章', html: '<p>新</p>' },
        ]),
        // The same article, its source now numbered ③.
        section('园区巡礼', [{ anchor: 'a-tour', title: '东湖', html: '<p>光谷③</p>' }]),
      ],
    });
    expect(articleChanges(draft, { articles: last })).toEqual({
      added: [{ section: '工作动态', title: '新文章' }],
      changed: [{ section: '工作动态', title: '主要经济指标发布' }],
      dropped: [{ section: '工作动态', title: '联盟建设' }],
      unchanged: 1,
    });
  });

  it('says so when the last issue kept no digests: added by title against its 要目', () => {
    const draft = articleDigestsOf({
      sections: [
        section('工作动态', [
          { anchor: 'a-key', title: '主要经济指标发布', html: 'x' },
          { anchor: 'a-new', title: '新文章', html: 'y' },
        ]),
      ],
    });
    expect(
      articleChanges(draft, { contents: [{ section: '工作动态', titles: ['主要经济指标发布'] }] }),
    ).toEqual({
      added: [{ section: '工作动态', title: '新文章' }],
      changed: [],
      dropped: [],
      unchanged: 1,
      byTitle: true,
    });
  });
});
