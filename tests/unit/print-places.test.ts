/**
 * Where a draft prints each record (the console's 与上一期相比, column 印于): the blocks that
 * print a figure made from it, by title, each with its pages, in page order; ranks left out.
 */
import { describe, expect, it } from 'vitest';
import { recordPlacesOf } from '../../functions/core/printed-pages.ts';
import type { Figure, FigureRef } from '../../functions/core/figures.ts';
import type { ReportView } from '../../functions/core/report-parts.ts';

const ref = (zone: string): FigureRef => ({
  zone,
  indicator: 'gdp',
  period: '2024',
  revision: 1,
  source: 's',
  value: 1,
});
const fig = (refs: FigureRef[], derived?: Figure['derived']): Figure => ({
  text: 'x',
  value: 1,
  refs,
  ...(derived ? { derived } : {}),
});

describe('recordPlacesOf', () => {
  it('names each block printing a record with its pages, in page order; not a rank', () => {
    const view: Pick<ReportView, 'trace' | 'placements' | 'sections' | 'blockPages'> = {
      trace: [fig([ref('zgc')]), fig([ref('zgc'), ref('wuhan')], 'rank'), fig([ref('zgc')])],
      placements: [
        { figure: 0, anchor: 'a-table' },
        { figure: 1, anchor: 'a-lead' },
        { figure: 2, anchor: 'a-lead' },
        { figure: 0, anchor: 'a-lead' },
      ],
      sections: [
        {
          name: '要闻',
          anchor: 's1',
          entries: [],
          blocks: [
            { article: { anchor: 'a-lead', title: '2024年主要经济指标发布' } },
            { table: { anchor: 'a-table', caption: '表1 主要指标', columns: [], rows: [] } },
          ],
        },
      ],
      blockPages: { 'a-lead': [1, 2], 'a-table': [3] },
    };
    expect(recordPlacesOf(view)).toEqual({
      'zgc#gdp#2024': [
        { title: '2024年主要经济指标发布', pages: [1, 2] },
        { title: '表1 主要指标', pages: [3] },
      ],
    });
    // Not printed yet: the blocks all the same, without pages.
    expect(recordPlacesOf({ ...view, blockPages: undefined })['zgc#gdp#2024']).toEqual([
      { title: '表1 主要指标', pages: [] },
      { title: '2024年主要经济指标发布', pages: [] },
    ]);
  });
});
