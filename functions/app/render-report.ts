/**
 * Loading, composing and rendering the three report kinds, without numbering or storing
 * anything (the preview path; `publish.ts` adds the catalog and the archive).
 *
 * The bulletin prints once: before printing, the renderer measures in the browser on which page
 * each contents entry's anchor will land and writes the numbers into the contents (see
 * `adapters/print/paginate.ts`); the printed PDF's named destinations must agree, else (or with
 * a renderer that cannot measure) the PDF's own numbers are printed in a second pass, and a
 * third runs only if those moved the layout. Zone profiles and regional reports (3–8 pages) print their
 * contents as a list of links without page numbers, in one pass (their colophon follows the
 * text, never moved to the foot of the last page). The renderer appends the metadata (title,
 * author, subject, keywords) as an incremental update; `zh-CN` comes from `<html lang>`.
 */
import { citedKeys } from '../core/articles.ts';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, RenderError } from '../errors.ts';
import { didYouMean } from '../core/suggest.ts';
import {
  BULLETIN_HISTORY_INDICATORS,
  composeBulletin,
  type BulletinView,
} from '../core/compose-bulletin.ts';
import {
  composeZoneProfile,
  latestAnnualPeriod,
  zoneProfileContext,
  type ZoneProfileContext,
  type ZoneProfileView,
} from '../core/compose-zone-profile.ts';
import {
  composeRegionalReport,
  selectRegion,
  type RegionalView,
} from '../core/compose-regional.ts';
import {
  NATIONAL_HTZ,
  type Article,
  type IndicatorRecord,
  type Issue,
  type Series,
} from '../core/model.ts';
import { parsePeriod, samePeriodLastYear } from '../core/periods.ts';
import { recordKey } from '../core/record-key.ts';
import type { ReportView } from '../core/report-parts.ts';
import type { PublishDeps } from './publish.ts';
import { renderHtml, templatesDir } from './templates.ts';
import type { RenderResult } from './ports.ts';

export interface RenderedReport<V extends ReportView = ReportView> {
  view: V;
  pdf: Uint8Array;
  pages: number;
  pdfPath: string;
  htmlPath: string;
  inputHash: string;
  /** Renders it took: the bulletin until its contents' numbers were stable (2, rarely 3); 1 else. */
  passes: number;
  timings: { composeMs: number; htmlMs: number; pdfMs: number };
}

export type RenderedBulletin = RenderedReport<BulletinView>;

/** Records as hashed: each one's JSON, in the order of its key (zone#indicator#period). */
export interface SortedRecords {
  keys: string[];
  json: string[];
}

/** Sorts records by key with a plain code-unit comparison (no `localeCompare`: 10× cheaper). */
export function sortedRecordsOf(records: IndicatorRecord[]): SortedRecords {
  const keyed = records.map((r) => ({
    key: recordKey(r),
    json: JSON.stringify(r),
  }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { keys: keyed.map((k) => k.key), json: keyed.map((k) => k.json) };
}

/** Two sorted record lists as one (a zone's few records into a period's many: linear). */
export function mergeSorted(a: SortedRecords, b: SortedRecords): SortedRecords {
  const out: SortedRecords = { keys: [], json: [] };
  let i = 0;
  let j = 0;
  while (i < a.keys.length || j < b.keys.length) {
    const fromA = j >= b.keys.length || (i < a.keys.length && a.keys[i]! <= b.keys[j]!);
    const [list, at] = fromA ? [a, i++] : [b, j++];
    out.keys.push(list.keys[at]!);
    out.json.push(list.json[at]!);
  }
  return out;
}

/** The hash of sorted records and articles (the JSON of `{records, articles}`). */
export function hashSorted(records: SortedRecords, articles: Article[] = []): string {
  const hash = createHash('sha256').update('{"records":[');
  records.json.forEach((json, i) => hash.update(i ? `,${json}` : json));
  return hash.update(`],"articles":${JSON.stringify(articles)}}`).digest('hex');
}

/** A stable hash of the inputs of a report: records (sorted) and articles. */
export function inputHashOf(records: IndicatorRecord[], articles: Article[] = []): string {
  return hashSorted(sortedRecordsOf(records), articles);
}

/**
 * Loads the inputs of one bulletin with a bounded number of Queries that does not grow with
 * the number of zones: the records of the period and of the same period a year earlier, the
 * editor articles, the national history of the charted indicators, and — when the latest
 * innovation evaluation is older than both periods — the records of that evaluation year.
 */
export async function loadBulletinInputs(
  deps: Pick<PublishDeps, 'records'>,
  series: string,
  period: string,
) {
  const previousPeriod = samePeriodLastYear(period);
  const [records, previous, articles, ...histories] = await Promise.all([
    deps.records.recordsOfPeriod(period),
    deps.records.recordsOfPeriod(previousPeriod),
    deps.records.articles(series, period),
    ...BULLETIN_HISTORY_INDICATORS.map((code) => deps.records.history(NATIONAL_HTZ, code)),
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
    add((await deps.records.recordsOfPeriod(evaluation)).filter((r) => r.zone === NATIONAL_HTZ));
  }
  // Records the editor articles cite (one BatchGetItem): a citation of another period prints too.
  const cited = citedKeys(articles).filter((k) => !all.has(`${k.zone}#${k.indicator}#${k.period}`));
  if (cited.length) add([...(await deps.records.currentValues(cited)).values()]);
  const used = [...all.values()];
  return { records: used, articles, inputHash: inputHashOf(used, articles) };
}

/** Composes and renders a bulletin (no numbering, nothing stored): also the preview path. */
export async function renderBulletin(
  deps: PublishDeps,
  opts: { series: string; period: string; issue?: Issue; date: Date; fileStem: string },
): Promise<RenderedBulletin> {
  const series = deps.reference.seriesById(opts.series);
  if (!series) throw new NotFoundError('publish', `unknown series "${opts.series}"`);
  const t0 = performance.now();
  const inputs = await loadBulletinInputs(deps, opts.series, opts.period);
  const view = composeBulletin({
    series,
    ...(opts.issue
      ? { issue: { year: opts.issue.year, number: opts.issue.number, total: opts.issue.total } }
      : {}),
    date: opts.date,
    period: opts.period,
    records: inputs.records,
    articles: inputs.articles,
    reference: deps.reference,
    expectedIndicators: series.keyIndicators,
    timeZone: deps.timeZone,
  });
  const composeMs = performance.now() - t0;
  const files = await renderReportFiles(deps, view, opts.fileStem);
  return {
    ...files,
    inputHash: inputs.inputHash,
    timings: { composeMs, htmlMs: files.htmlMs, pdfMs: files.pdfMs },
  };
}

/** The view with each contents entry's page number set from `pages` (anchor → page). */
export function withPageNumbers<V extends ReportView>(view: V, pages: Map<string, number>): V {
  return {
    ...view,
    sections: view.sections.map((s) => ({
      ...s,
      entries: s.entries.map((e) => {
        const page = pages.get(e.anchor);
        const { page: _old, ...rest } = e;
        return page === undefined ? rest : { ...rest, page };
      }),
    })),
  };
}

const MAX_PASSES = 4;
/**
 * Kinds whose contents print page numbers (multi-pass). The others list their sections as
 * links without numbers, which needs no pass to find the pages.
 */
const NUMBERED_CONTENTS: ReadonlySet<string> = new Set(['torch-bulletin']);
/** A colophon starting this close to the top of the last page has the page to itself. */
const COLOPHON_ALONE_PT = 90;

/**
 * Renders a composed view to `<workDir>/<fileStem>.html` and `.pdf`: for the bulletin two
 * passes for the contents' page numbers, for the other kinds one; then the metadata.
 * @throws RenderError when an entry's anchor is missing from the PDF or the numbers never settle.
 */
export async function renderReportFiles<V extends ReportView>(
  deps: Pick<PublishDeps, 'renderer' | 'workDir'>,
  view: V,
  fileStem: string,
): Promise<{
  view: V;
  pdf: Uint8Array;
  pages: number;
  htmlPath: string;
  pdfPath: string;
  passes: number;
  htmlMs: number;
  pdfMs: number;
}> {
  const kind = view.kind;
  const numberedContents = NUMBERED_CONTENTS.has(kind);
  const anchors = view.sections.flatMap((s) => s.entries.map((e) => e.anchor));
  const metadata = {
    title: view.metadata.title,
    author: view.metadata.author,
    subject: view.metadata.subject,
    keywords: view.metadata.keywords,
    creator: 'Torch Bulletin',
  };
  await mkdir(deps.workDir, { recursive: true });
  const htmlPath = join(deps.workDir, `${fileStem}.html`);
  let htmlMs = 0;
  let pdfMs = 0;
  let pages = new Map<string, number>();
  let colophonAlone = false;
  /** The settled pass before the colophon was moved to the page foot, to fall back on. */
  let beforeMove: { result: RenderResult; numbered: V & { colophonAlone: boolean } } | undefined;
  const finish = async (
    result: RenderResult,
    numbered: V & { colophonAlone: boolean },
    pass: number,
  ) => {
    const t2 = performance.now();
    const { pdf } = result;
    // The HTML beside the PDF is the one it was printed from.
    await writeFile(htmlPath, await renderHtml(kind, numbered));
    const pdfPath = join(deps.workDir, `${fileStem}.pdf`);
    await writeFile(pdfPath, pdf);
    pdfMs += performance.now() - t2;
    return {
      view: numbered,
      pdf,
      pages: result.pages,
      htmlPath,
      pdfPath,
      passes: pass,
      htmlMs,
      pdfMs,
    };
  };
  for (let pass = 1; pass <= MAX_PASSES; pass += 1) {
    const t0 = performance.now();
    const numbered = {
      ...withPageNumbers(view, pages),
      colophonAlone,
      ...(numberedContents ? {} : { contentsLinked: true }),
    };
    await writeFile(htmlPath, await renderHtml(kind, numbered));
    const t1 = performance.now();
    const result = await deps.renderer.renderPdf({
      htmlPath,
      allowedRoots: [deps.workDir, templatesDir()],
      metadata,
      // The first pass measures the contents' page numbers before printing (one print).
      ...(numberedContents && pass === 1
        ? {
            paginate: {
              measure: [...anchors, 'colophon'],
              fill: '.contents-page',
              footOfLastPage: {
                id: 'colophon',
                className: 'colophon-alone',
                withinPt: COLOPHON_ALONE_PT,
              },
            },
          }
        : {}),
    });
    htmlMs += t1 - t0;
    if (!numberedContents) {
      // One print: no page numbers to find, and the colophon stays where the text ends (moving
      // it to the foot of a last page it would open alone took a second print in most profiles).
      pdfMs += performance.now() - t1;
      return finish(result, numbered, pass);
    }
    const positions = new Map(Object.entries(result.destinations));
    pdfMs += performance.now() - t1;
    const found = new Map([...positions].map(([a, p]) => [a, p.page]));
    const lost = anchors.filter((a) => !found.has(a));
    if (lost.length)
      throw new RenderError(
        `contents anchors missing from the PDF of ${fileStem}: ${lost.join(', ')}`,
      );
    const measured = result.pagination;
    if (measured) {
      // The numbers measured before printing, proved against the PDF's own destinations.
      const proved =
        measured.pages === result.pages &&
        anchors.every((a) => measured.positions[a]?.page === found.get(a));
      if (proved) {
        const measuredPages = new Map(anchors.map((a) => [a, found.get(a)!]));
        const printed = {
          ...withPageNumbers(view, measuredPages),
          colophonAlone: measured.footOfLastPage,
        };
        return finish(result, printed, pass);
      }
      // Not what was measured: print the PDF's numbers, as without measuring.
      pages = new Map(anchors.map((a) => [a, found.get(a)!]));
      continue;
    }
    const settled = anchors.every((a) => pages.get(a) === found.get(a));
    pages = new Map(anchors.map((a) => [a, found.get(a)!]));
    if (!settled) continue;
    if (beforeMove) {
      // Moving the colophon must not cost a page or move an article; else keep the first layout.
      const worse = result.pages > beforeMove.result.pages;
      return worse
        ? finish(beforeMove.result, beforeMove.numbered, pass)
        : finish(result, numbered, pass);
    }
    // The colophon opening the last page alone: print it at that page's foot instead.
    const colophon = positions.get('colophon');
    if (colophon?.page === result.pages && colophon.fromTop < COLOPHON_ALONE_PT) {
      beforeMove = { result, numbered };
      colophonAlone = true;
      continue;
    }
    return finish(result, numbered, pass);
  }
  if (beforeMove) return finish(beforeMove.result, beforeMove.numbered, MAX_PASSES);
  throw new RenderError(
    `contents page numbers of ${fileStem} did not settle in ${MAX_PASSES} renders`,
  );
}

export interface ReportOptions {
  /** Numbers of a published issue; absent for a preview. */
  issue?: Issue;
  date: Date;
  fileStem: string;
}

/** What every zone profile of one period shares: its records, sorted for the hash, the ranks. */
export interface ZonePeriodInputs {
  periodRecords: IndicatorRecord[];
  sorted: SortedRecords;
  context: ZoneProfileContext;
}

/**
 * Built once per pair of period record arrays: an all-zones run reads each period once (its
 * record store is `cachedReads` of batch.ts) and so gets the same arrays, and
 * the same sorted records and rankings, for every zone. Keyed weakly by those arrays.
 */
const periodInputsByArrays = new WeakMap<
  IndicatorRecord[],
  WeakMap<IndicatorRecord[], Map<string, ZonePeriodInputs>>
>();

/**
 * The period records of a zone profile (the period and the same period a year earlier) with
 * what every profile of the period shares.
 */
export async function zonePeriodInputs(
  deps: Pick<PublishDeps, 'records' | 'reference'>,
  period: string,
): Promise<ZonePeriodInputs> {
  const [current, previous] = await Promise.all([
    deps.records.recordsOfPeriod(period),
    deps.records.recordsOfPeriod(samePeriodLastYear(period)),
  ]);
  let byPrevious = periodInputsByArrays.get(current);
  if (!byPrevious) periodInputsByArrays.set(current, (byPrevious = new WeakMap()));
  let byPeriod = byPrevious.get(previous);
  if (!byPeriod) byPrevious.set(previous, (byPeriod = new Map()));
  let shared = byPeriod.get(period);
  if (!shared) {
    const periodRecords = [...current, ...previous];
    shared = {
      periodRecords,
      sorted: sortedRecordsOf(periodRecords),
      context: zoneProfileContext(periodRecords, period, deps.reference),
    };
    byPeriod.set(period, shared);
  }
  return shared;
}

/** Inputs of a zone profile: the zone's own records and the records of its period. */
export async function loadZoneProfileInputs(
  deps: Pick<PublishDeps, 'records' | 'reference'>,
  zoneText: string,
  period?: string,
) {
  const zone = deps.reference.resolveZone(zoneText);
  if (!zone || zone.level === 'aggregate')
    throw new NotFoundError(
      'publish',
      `unknown zone "${zoneText}" (give an id, name or alias)${didYouMean(
        zoneText,
        deps.reference.zones
          .filter((z) => z.level !== 'aggregate')
          .map((z) => ({
            label: z.name,
            names: [z.id, z.name, z.shortName ?? '', ...(z.aliases ?? [])],
          })),
      )}`,
    );
  const zoneRecords = await deps.records.recordsOfZone(zone.id);
  const profilePeriod = period ?? latestAnnualPeriod(zoneRecords);
  if (!profilePeriod)
    throw new NotFoundError('publish', `no records of zone ${zone.id} yet: ingest data first`);
  const shared = await zonePeriodInputs(deps, profilePeriod);
  return {
    zone,
    period: profilePeriod,
    zoneRecords,
    periodRecords: shared.periodRecords,
    context: shared.context,
    inputHash: hashSorted(mergeSorted(sortedRecordsOf(zoneRecords), shared.sorted)),
  };
}

/** Composes and renders a zone profile (nothing stored). */
export async function renderZoneProfile(
  deps: PublishDeps,
  opts: ReportOptions & { zone: string; period?: string },
): Promise<RenderedReport<ZoneProfileView>> {
  const series = seriesOf(deps, 'zone-profile');
  const t0 = performance.now();
  const inputs = await loadZoneProfileInputs(deps, opts.zone, opts.period);
  const view = composeZoneProfile({
    series,
    ...(opts.issue ? { issue: numbersOf(opts.issue) } : {}),
    date: opts.date,
    zone: inputs.zone.id,
    zoneRecords: inputs.zoneRecords,
    periodRecords: inputs.periodRecords,
    context: inputs.context,
    period: inputs.period,
    reference: deps.reference,
    keyIndicators: series.keyIndicators,
    timeZone: deps.timeZone,
  });
  const composeMs = performance.now() - t0;
  const files = await renderReportFiles(deps, view, opts.fileStem);
  return {
    ...files,
    inputHash: inputs.inputHash,
    timings: { composeMs, htmlMs: files.htmlMs, pdfMs: files.pdfMs },
  };
}

/**
 * Inputs of a regional report: the zones chosen by name and the records of the period (by
 * default the latest year in which a zone of the region reports GDP: one small Query per
 * zone of the region) and of the year before.
 */
export async function loadRegionalInputs(
  deps: Pick<PublishDeps, 'records' | 'reference'>,
  regionText: string,
  period?: string,
) {
  const region = selectRegion(deps.reference, regionText);
  if (!region)
    throw new NotFoundError(
      'publish',
      `no zones found for region "${regionText}" (a province, city, 东部/中部/西部/东北 or an alliance such as 京津冀、长三角)`,
    );
  let reportPeriod = period;
  if (!reportPeriod) {
    const latest = await Promise.all(
      region.zoneIds.map((id) => deps.records.latestPeriodOf(id, 'gdp')),
    );
    reportPeriod =
      latest
        .filter((p): p is string => !!p && parsePeriod(p)?.granularity === 'annual')
        .sort()
        .at(-1) ?? (await deps.records.latestPeriodOf(NATIONAL_HTZ, 'gdp'));
  }
  if (!reportPeriod) throw new NotFoundError('publish', 'no GDP records yet: ingest data first');
  const [current, previous] = await Promise.all([
    deps.records.recordsOfPeriod(reportPeriod),
    deps.records.recordsOfPeriod(samePeriodLastYear(reportPeriod)),
  ]);
  const records = [...current, ...previous];
  return { region, period: reportPeriod, records, inputHash: inputHashOf(records) };
}

/** Composes and renders a regional report (nothing stored). */
export async function renderRegionalReport(
  deps: PublishDeps,
  opts: ReportOptions & { region: string; period?: string },
): Promise<RenderedReport<RegionalView>> {
  const series = seriesOf(deps, 'regional-report');
  const t0 = performance.now();
  const inputs = await loadRegionalInputs(deps, opts.region, opts.period);
  const view = composeRegionalReport({
    series,
    ...(opts.issue ? { issue: numbersOf(opts.issue) } : {}),
    date: opts.date,
    region: inputs.region,
    period: inputs.period,
    records: inputs.records,
    reference: deps.reference,
    keyIndicators: series.keyIndicators,
    timeZone: deps.timeZone,
  });
  const composeMs = performance.now() - t0;
  const files = await renderReportFiles(deps, view, opts.fileStem);
  return {
    ...files,
    inputHash: inputs.inputHash,
    timings: { composeMs, htmlMs: files.htmlMs, pdfMs: files.pdfMs },
  };
}

function seriesOf(deps: Pick<PublishDeps, 'reference'>, id: string): Series {
  const series = deps.reference.seriesById(id);
  if (!series) throw new NotFoundError('publish', `unknown series "${id}"`);
  return series;
}

function numbersOf(issue: Issue) {
  return { year: issue.year, number: issue.number, total: issue.total };
}
