/**
 * 《火炬动态》: the periodic issue of the national high-tech zones' figures and work news
 * (DESIGN §3.1). The period is the latest with the national GDP figure unless asked.
 */
import { citedKeys } from '../core/articles.ts';
import { REPORT_PARAMS } from '../contract/schedules.ts';
import { SERIES_OF_KIND } from '../contract/kinds.ts';
import {
  BULLETIN_HISTORY_INDICATORS,
  composeBulletin,
  type BulletinView,
} from '../core/compose-bulletin.ts';
import { NATIONAL_HTZ, type Article, type IndicatorRecord } from '../core/model.ts';
import { parsePeriod, samePeriodLastYear } from '../core/periods.ts';
import { recordKey } from '../core/record-key.ts';
import { NotFoundError } from '../errors.ts';
import type { RecordStore } from '../app/ports.ts';
import { inputHashOf } from './input-hash.ts';
import {
  issueLineOf,
  reimprinted,
  type KindContext,
  type Loaded,
  type ReportKindModule,
} from './kind.ts';

interface BulletinState {
  series: string;
}

interface BulletinInputs {
  records: IndicatorRecord[];
  articles: Article[];
}

/** The period a bulletin covers when none is asked for: the latest national GDP figure. */
export async function currentPeriod(records: Pick<RecordStore, 'latestPeriodOf'>): Promise<string> {
  const period = await records.latestPeriodOf(NATIONAL_HTZ, 'gdp');
  if (!period)
    throw new NotFoundError(
      'publish',
      '尚无全国高新区的园区生产总值（GDP）记录：请先导入数据（bulletin ingest data/records/*.csv）',
    );
  return period;
}

/**
 * Loads the inputs of one bulletin with a bounded number of Queries that does not grow with
 * the number of zones: the records of the period and of the same period a year earlier, the
 * editor articles, the national history of the charted indicators, and — when the latest
 * innovation evaluation is older than both periods — the records of that evaluation year.
 */
export async function loadBulletinInputs(
  ctx: Pick<KindContext, 'records'>,
  series: string,
  period: string,
): Promise<Loaded<BulletinInputs>> {
  const previousPeriod = samePeriodLastYear(period);
  const [records, previous, articles, ...histories] = await Promise.all([
    ctx.records.recordsOfPeriod(period),
    ctx.records.recordsOfPeriod(previousPeriod),
    ctx.records.articles(series, period),
    ...BULLETIN_HISTORY_INDICATORS.map((code) => ctx.records.history(NATIONAL_HTZ, code)),
  ]);
  const all = new Map<string, IndicatorRecord>();
  const add = (rs: IndicatorRecord[]) => {
    for (const r of rs) all.set(recordKey(r), r);
  };
  add(records);
  add(previous);
  for (const h of histories) add(h);
  const endYear = parsePeriod(period)?.year ?? 0;
  const evaluation = histories[BULLETIN_HISTORY_INDICATORS.indexOf('innovation-index')]!.map(
    (r) => r.period,
  )
    .filter((p) => parsePeriod(p)?.granularity === 'annual' && Number(p) <= endYear)
    .sort()
    .at(-1);
  if (evaluation && evaluation !== period && evaluation !== previousPeriod) {
    add((await ctx.records.recordsOfPeriod(evaluation)).filter((r) => r.zone === NATIONAL_HTZ));
  }
  // Records the editor articles cite (one BatchGetItem): a citation of another period prints too.
  const cited = citedKeys(articles).filter((k) => !all.has(recordKey(k)));
  if (cited.length) add([...(await ctx.records.currentValues(cited)).values()]);
  const used = [...all.values()];
  return { inputs: { records: used, articles }, inputHash: inputHashOf(used, articles) };
}

export const torchBulletin: ReportKindModule<BulletinState, BulletinInputs, BulletinView> = {
  id: 'torch-bulletin',
  params: REPORT_PARAMS['torch-bulletin'],
  seriesOf: (params) => params.series ?? SERIES_OF_KIND['torch-bulletin'],
  async resolve(ctx, params) {
    return {
      period: params.period ?? (await currentPeriod(ctx.records)),
      state: { series: params.series ?? SERIES_OF_KIND['torch-bulletin'] },
    };
  },
  title: (series) => series.title,
  previewStem: (_params, resolved) => `preview-torch-bulletin-${resolved.period}`,
  load: (ctx, resolved) => loadBulletinInputs(ctx, resolved.state.series, resolved.period),
  compose: (ctx, series, resolved, inputs, imprint) =>
    composeBulletin({
      series,
      ...(imprint.issue ? { issue: imprint.issue } : {}),
      date: imprint.date,
      period: resolved.period,
      records: inputs.records,
      articles: inputs.articles,
      reference: ctx.reference,
      expectedIndicators: series.keyIndicators,
      timeZone: ctx.timeZone,
    }),
  reimprint(ctx, series, view, imprint) {
    // composeBulletin prints the imprint in the masthead, colophon, title and file name only.
    const issueLine = issueLineOf(imprint, ctx.timeZone);
    const documentTitle = `${series.title} ${issueLine}`;
    const done = reimprinted(ctx, series, view, imprint);
    return {
      ...done,
      documentTitle,
      fileName: imprint.issue
        ? `${series.title}-${imprint.issue.year}-第${imprint.issue.number}期.pdf`
        : `${series.title}-预览.pdf`,
      metadata: { ...done.metadata, title: documentTitle },
    };
  },
  template: 'torch-bulletin/bulletin',
  contents: 'numbered',
};
