/**
 * 指标快报: one page of the national high-tech zones' key indicators for the latest period —
 * value, 同比增长, 占全国比重 and the source of each — for readers who want the figures
 * without the bulletin. The period is the latest with the national GDP figure unless asked.
 */
import { SERIES_OF_KIND } from '../contract/kinds.ts';
import { REPORT_PARAMS } from '../contract/schedules.ts';
import { growthOf, MISSING, RecordIndex, shareOf, valueFigure } from '../core/figures.ts';
import { datePartsIn, formatIssueLine } from '../core/format.ts';
import { PRECISION_RULE } from '../core/numbers.ts';
import { CHINA, NATIONAL_HTZ, type IndicatorRecord } from '../core/model.ts';
import { formatPeriodZh, samePeriodLastYear } from '../core/periods.ts';
import {
  alignCells,
  colophonBlocks,
  mastheadOf,
  Tracer,
  glossaryOf,
  type ReportView,
  type TableBlock,
} from '../core/report-parts.ts';
import { inputHashOf } from './input-hash.ts';
import { issueLineOf, reimprinted, type ReportKindModule } from './kind.ts';
import { currentPeriod } from './torch-bulletin.ts';

interface FlashInputs {
  /** National and whole-country records of the period and of the same period a year earlier. */
  records: IndicatorRecord[];
}

export const indicatorFlash: ReportKindModule<null, FlashInputs, ReportView> = {
  id: 'indicator-flash',
  params: REPORT_PARAMS['indicator-flash'],
  seriesOf: () => SERIES_OF_KIND['indicator-flash'],
  resolve: async (ctx, params) => ({
    period: params.period ?? (await currentPeriod(ctx.records)),
    state: null,
  }),
  title: (series) => series.title,
  previewStem: (_params, resolved) => `preview-indicator-flash-${resolved.period}`,
  async load(ctx, resolved) {
    const periods = [resolved.period, samePeriodLastYear(resolved.period)];
    const read = await Promise.all(periods.map((p) => ctx.records.recordsOfPeriod(p)));
    const records = read.flat().filter((r) => r.zone === NATIONAL_HTZ || r.zone === CHINA);
    return { inputs: { records }, inputHash: inputHashOf(records) };
  },
  compose(ctx, series, resolved, inputs, imprint) {
    const { period } = resolved;
    const periodZh = formatPeriodZh(period);
    const index = new RecordIndex(inputs.records);
    const tracer = new Tracer().at('key-indicators');
    const missing: string[] = [];
    const printed = [];
    const rows: TableBlock['rows'] = [];
    for (const code of series.keyIndicators) {
      const ind = ctx.reference.indicator(code);
      if (!ind) continue;
      const r = index.get(NATIONAL_HTZ, code, period);
      if (!r) {
        missing.push(ind.name);
        rows.push({
          cells: [
            { text: ind.name, header: true },
            ...[0, 1, 2, 3].map(() => ({ text: MISSING, missing: true })),
          ],
          missing: true,
        });
        continue;
      }
      const value = tracer.use(valueFigure(r, ind));
      const growth = tracer.use(growthOf(r, index));
      const share = tracer.use(shareOf(r, index, CHINA));
      printed.push(value, growth, share);
      rows.push({
        cells: [
          { text: ind.name, header: true },
          { text: value.text },
          { text: growth?.text ?? MISSING, missing: !growth },
          { text: share?.text ?? MISSING, missing: !share },
          { text: tracer.marks([value, growth, share]) },
        ],
      });
    }
    const table = alignCells({
      anchor: 'key-indicators',
      caption: `${periodZh}国家高新区主要指标`,
      columns: [
        { label: '指标', align: 'left' },
        { label: '数值', align: 'right' },
        { label: '同比增长', align: 'right' },
        { label: '占全国比重', align: 'right' },
        { label: '来源', align: 'center' },
      ],
      rows,
      sourceLine: tracer.sourceLine(printed),
      ...(missing.length ? { note: '注：“—”表示本期无数据。' } : {}),
    });
    const issueLine = imprint.issue
      ? formatIssueLine(imprint.issue.year, imprint.issue.number, imprint.issue.total)
      : `${datePartsIn(imprint.date, ctx.timeZone).year}年（预览）`;
    const masthead = mastheadOf(series, issueLine, imprint.date, ctx.timeZone, !imprint.issue);
    const documentTitle = `${series.title} ${issueLine}`;
    return {
      kind: 'indicator-flash',
      lang: 'zh-CN',
      documentTitle,
      fileName: `${series.title}-${period}.pdf`,
      metadata: {
        title: documentTitle,
        author: masthead.issuer,
        subject: `${periodZh}国家高新区主要指标`,
        keywords: [series.title, '国家高新区', periodZh],
      },
      masthead,
      period,
      periodZh,
      sections: [
        {
          name: '主要指标',
          anchor: 'sec-1',
          entries: [{ anchor: 'key-indicators', title: table.caption }],
          blocks: [{ table }],
        },
      ],
      dataQuality: {
        missing,
        notes: [
          '同比增长、占全国比重取自来源文件；来源未报送的，按上年同期和全国同期数据计算。',
          ...(tracer.trace.some((f) => f.derived) ? [PRECISION_RULE] : []),
          '数值按来源报送的单位和精度刊印；增速为名义增速。',
        ],
      },
      sources: tracer.list(),
      colophon: colophonBlocks(series, imprint.date),
      trace: tracer.trace,
      placements: tracer.placements,
      glossary: glossaryOf(tracer.trace, ctx.reference),
    };
  },
  reimprint(ctx, series, view, imprint) {
    const documentTitle = `${series.title} ${issueLineOf(imprint, ctx.timeZone)}`;
    const done = reimprinted(ctx, series, view, imprint);
    return { ...done, documentTitle, metadata: { ...done.metadata, title: documentTitle } };
  },
  template: 'indicator-flash/indicator-flash',
  contents: 'linked',
};
