/**
 * The report kinds as the editorial cycle sees them: a request's parameters → a
 * {@link ReportJob} over the kind registry (`functions/reports/`). The job resolves and loads
 * its inputs once (the hash the cycle compares, the records printed, whether the period is
 * empty) and renders a draft (样稿 masthead), a numbered issue or a corrected edition (修订版 +
 * 勘误说明) from that one load. Nothing here switches over kinds.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportParams } from '../contract/schedules.ts';
import { paramsOf } from './requests.ts';
import { checkArticles, formatArticleProblem } from '../core/articles.ts';
import { articleDigestsOf } from '../core/draft-changes.ts';
import type { PrintedRecord } from '../core/lifecycle.ts';
import { editionLabel, editionLabelOf, erratumOf } from '../core/lifecycle.ts';
import { recordKey, RecordKeyMap } from '../core/record-key.ts';
import { printsItsRecords } from '../core/printed-pages.ts';
import type { ReportView } from '../core/report-parts.ts';
import type { Imprint, Loaded } from '../reports/kind.ts';
import type { PreparedInputs, RenderOptions, ReportJob } from './lifecycle.ts';
import {
  composeReport,
  imprintReport,
  loadReport,
  renderReportFiles,
  resolveReport,
  type RenderDeps,
  type ReportDeps,
  type Resolution,
} from './render-report.ts';
import { codeStamp } from './code-stamp.ts';
import { templatesDir } from './templates.ts';
import { timed } from './step-times.ts';

/**
 * What the all-zones plan already resolved, loaded and composed for a request (not read again);
 * in another process (a render Lambda of the map), only the data version the plan read.
 */
export interface PreparedReport {
  resolution?: Resolution;
  loaded?: Loaded<unknown>;
  /** Composed for another imprint; re-imprinted for the draft or the release. */
  view?: ReportView;
  /** The records store's data version, read before `loaded` was (`RecordStore.dataVersion`). */
  dataVersion?: string;
}

/**
 * The view as JSON, as far as it is printed, without what changes from one compose to the
 * next: ECharts numbers its
 * renderer instances and their CSS classes (`zr3-cls-0`, `zr7-cls-21`) in the SVG it writes.
 */
export function stableViewJson(view: unknown): string {
  let text = '';
  stableViewPieces(view, (piece) => (text += piece));
  return text;
}

/**
 * `hash` updated with {@link stableViewJson}'s text, piece by piece: the same digest, without
 * the text put together first (a zone profile's ≈ 120 kB).
 */
export function hashStableView(hash: Hash, view: unknown): Hash {
  stableViewPieces(view, (piece) => hash.update(piece));
  return hash;
}

/**
 * {@link stableViewJson}'s text in pieces, in order: the view's JSON without `trace` and
 * `revision` keys, each name ECharts generated relabelled by its first appearance (`zr-0`,
 * `zr-1`, …) so that the same chart gives the same text and different charts stay different.
 * The names are those `/\bzr\d+-[\w-]*?\d+\b/g` matches, relabelled as `String#replace` with it
 * did until session 13 of issue 27 — found by `indexOf('zr')` and a scan of the few candidates
 * instead of the expression over the whole text.
 */
function stableViewPieces(view: unknown, emit: (piece: string) => void): void {
  // `trace` and the revision numbers in it say where printed figures come from; they are not
  // printed, and a revision elsewhere that prints the same figures must not re-render.
  const printed = (key: string, value: unknown) =>
    key === 'trace' || key === 'revision' ? undefined : value;
  relabelRendererNames(JSON.stringify(view, printed), emit);
}

/** ASCII character classes of a regular expression without the `u` flag. */
const isDigit = (c: number) => c >= 48 && c <= 57;
const isWord = (c: number) =>
  isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** `text` in pieces, ECharts' generated names in it relabelled ({@link stableViewPieces}). */
export function relabelRendererNames(text: string, emit: (piece: string) => void): void {
  const labels = new Map<string, string>();
  let copied = 0;
  for (let at = text.indexOf('zr'); at >= 0; at = text.indexOf('zr', at + 1)) {
    const end = rendererNameEnd(text, at);
    if (end < 0) continue;
    const name = text.slice(at, end);
    let label = labels.get(name);
    if (!label) labels.set(name, (label = `zr-${labels.size}`));
    emit(text.slice(copied, at));
    emit(label);
    copied = end;
    at = end - 1;
  }
  emit(copied === 0 ? text : text.slice(copied));
}

/**
 * Where the match of `/\bzr\d+-[\w-]*?\d+\b/` that starts at `at` (a `zr`) ends, or -1 when
 * none starts there. The lazy `[\w-]*?` takes the fewest characters after which a run of
 * digits ends at a word boundary: a run that ends where the word does.
 */
function rendererNameEnd(text: string, at: number): number {
  if (at > 0 && isWord(text.charCodeAt(at - 1))) return -1;
  let i = at + 2;
  const digits = i;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  if (i === digits || text.charCodeAt(i) !== 45 /* - */) return -1;
  // Each start of `\d+` after the `-`, fewest characters of `[\w-]*?` first.
  for (let k = i + 1; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (isDigit(c)) {
      let e = k + 1;
      while (e < text.length && isDigit(text.charCodeAt(e))) e++;
      if (e === text.length || !isWord(text.charCodeAt(e))) return e;
      // A later start in the same run ends where this one does: on past it.
      k = e - 1;
    } else if (!isWord(c) && c !== 45) return -1;
  }
  return -1;
}

/** Hash of the template files a kind prints with (its own folder and `shared/`), cached. */
const templateHashes = new Map<string, Promise<string>>();
function templateHash(template: string): Promise<string> {
  const folder = template.split('/')[0] ?? template;
  let h = templateHashes.get(folder);
  if (!h) {
    h = (async () => {
      const hash = createHash('sha256');
      for (const dir of [folder, 'shared', join('shared', 'partials')]) {
        const full = join(templatesDir(), dir);
        const names = await readdir(full).catch(() => [] as string[]);
        for (const name of names.sort()) {
          const bytes = await readFile(join(full, name)).catch(() => undefined);
          if (bytes) hash.update(`${dir}/${name}\0`).update(bytes);
        }
      }
      return hash.digest('hex');
    })();
    templateHashes.set(folder, h);
  }
  return h;
}

const referenceHashes = new WeakMap<object, string>();
function referenceHash(reference: ReportDeps['reference']): string {
  let h = referenceHashes.get(reference);
  if (!h) {
    const { zones, indicators, series } = reference;
    h = createHash('sha256').update(JSON.stringify({ zones, indicators, series })).digest('hex');
    referenceHashes.set(reference, h);
  }
  return h;
}

function seriesHashOf(series: Resolution['series']): string {
  return createHash('sha256').update(JSON.stringify(series)).digest('hex');
}

/**
 * What, besides its data, makes a report of `kind` in `series`: the template files, the series
 * configuration, the reference data (zones, indicators), the time zone and the code that
 * composes (`codeStamp`).
 */
export async function buildKeyOf(
  deps: Pick<ReportDeps, 'reference' | 'timeZone'>,
  kind: Pick<Resolution['kind'], 'template'>,
  series: Resolution['series'],
): Promise<string> {
  const parts = [
    await templateHash(kind.template),
    seriesHashOf(series),
    referenceHash(deps.reference),
    deps.timeZone ?? '',
    codeStamp(),
  ];
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

/**
 * The key of a report made from the data at `dataVersion` (`RecordStore.dataVersion`, read
 * before any of its records) with this build: while no batch has been written since, and the
 * build is the same, every report of the kind prints what it printed — nothing is read.
 */
export async function dataKeyOf(
  deps: Pick<ReportDeps, 'reference' | 'timeZone'>,
  kind: Pick<Resolution['kind'], 'template'>,
  series: Resolution['series'],
  dataVersion: string,
): Promise<string> {
  return createHash('sha256')
    .update(`${dataVersion}\0${await buildKeyOf(deps, kind, series)}`)
    .digest('hex');
}

/**
 * The key of what a report is made from, known without composing it: the records (and articles)
 * its kind loaded, every field of them (`Loaded.inputHash`), and its build ({@link buildKeyOf}).
 * Equal keys print the same report, so the all-zones plan skips a zone whose latest release
 * has this key without composing it; a different key says nothing (a revision elsewhere may
 * move nothing printed): the printed hash (`inputHash`) decides then.
 */
export async function inputsKeyOf(
  deps: Pick<ReportDeps, 'reference' | 'timeZone'>,
  r: Resolution,
  loaded: Loaded<unknown>,
): Promise<string> {
  return createHash('sha256')
    .update(`${loaded.inputHash}\0${await buildKeyOf(deps, r.kind, r.series)}`)
    .digest('hex');
}

/**
 * The records a view printed (the refs of its figures, operands included), each with the text it
 * was printed as when a figure printed the record itself, and a label a reader recognises.
 */
export function printedRecordsOf(deps: Pick<ReportDeps, 'reference'>, view: ReportView) {
  const out = new RecordKeyMap<PrintedRecord>();
  // Ranks and counts name every record they ranked or counted (178 zones × indicators in a zone
  // profile) and print none of their values: they give no records (`printsItsRecords`). A
  // revision of another zone's record that only moves a rank is not listed as a correction; one
  // never changes a count; the zone's own values are listed, through their own figures.
  for (const figure of view.trace.filter(printsItsRecords))
    for (const ref of figure.refs) {
      const plain = !figure.derived && figure.refs.length === 1;
      const own = plain && (figure.measure ?? 'value') === 'value' ? figure.text : undefined;
      // A derived figure prints from its operands' values; a plain one prints what it measures.
      const measure = plain ? (figure.measure ?? 'value') : 'value';
      const seen = out.get(ref);
      if (seen) {
        if (own && !seen.text) seen.text = own;
        if (!seen.measures!.includes(measure)) seen.measures!.push(measure);
        continue;
      }
      const zone = deps.reference.zone(ref.zone);
      const indicator = deps.reference.indicator(ref.indicator);
      out.set(ref, {
        key: recordKey(ref),
        value: ref.value,
        revision: ref.revision,
        unit: indicator?.unit ?? '',
        label: `${zone?.shortName ?? zone?.name ?? ref.zone} · ${indicator?.name ?? ref.indicator} · ${ref.period}`,
        source: ref.source,
        ...(own ? { text: own } : {}),
        measures: [measure],
      });
    }
  const sorted = out.sorted().map(([, p]) => p);
  for (const p of sorted) p.measures!.sort();
  return sorted;
}

/** Why a view has nothing to publish: no figure it prints comes from a record of its period. */
export function emptyReason(view: ReportView): string | undefined {
  const fromPeriod = view.trace.some((f) => f.refs.some((r) => r.period === view.period));
  return fromPeriod ? undefined : `数据期 ${view.period} 没有可刊印的记录（该报告在此期间无数据）`;
}

/** A draft's title: the view's, its preview mark (（预览）) given way to （样稿）. */
const draftTitle = (title: string) => `${title.replace(/（预览）$/, '')}（样稿）`;

/** The masthead and erratum of a draft or a corrected edition, set on a composed view. */
function dress(view: ReportView, opts: RenderOptions): ReportView & { erratum?: object } {
  if (!opts.numbering)
    return {
      ...view,
      masthead: { ...view.masthead, issueLine: '样稿 · 期号于发布时确定' },
      // A draft, not a preview: 火炬动态 2026年（样稿）, never （预览）（样稿）.
      documentTitle: draftTitle(view.documentTitle),
      metadata: { ...view.metadata, title: draftTitle(view.metadata.title) },
      // Named by its data period until it has a number (`火炬动态-2023` + `-样稿`).
      fileName: view.fileName.replace('预览', view.period),
    };
  const corrections = opts.corrections ?? [];
  const tag = opts.label ?? editionLabelOf(corrections, {});
  const label = editionLabel(opts.edition ?? 1, tag.kind);
  if (!label) return view;
  return {
    ...view,
    masthead: { ...view.masthead, issueLine: `${view.masthead.issueLine} ${label}` },
    documentTitle: `${view.documentTitle} ${label}`,
    fileName: view.fileName.replace(/\.pdf$/, `-${label}.pdf`),
    erratum: erratumOf(label, tag, corrections),
  };
}

/** The request parameters a draft and a run keep: its kind and the kind's own parameters. */
export function requestParams(req: ReportParams & { kind?: string }): Record<string, string> {
  return { kind: req.kind ?? 'torch-bulletin', ...paramsOf(req) };
}

/**
 * The job of one request: resolved and loaded once (memoised), rendered as often as the cycle
 * asks (a draft, then the numbered release; a corrected edition).
 */
export async function reportJob(
  deps: ReportDeps & Partial<RenderDeps> & { now?: () => Date; log?: (message: string) => void },
  params: Record<string, string>,
  prepared?: PreparedReport,
): Promise<ReportJob> {
  const r =
    prepared?.resolution ??
    (await resolveReport(deps, { ...params, kind: params.kind ?? 'torch-bulletin' }));
  let loading: Promise<{
    loaded: Loaded<unknown>;
    view: ReportView;
    /** How long the view took to compose here (0 when the plan handed it over composed). */
    composedMs: number;
    inputs: PreparedInputs;
  }>;
  const load = () =>
    (loading ??= (async () => {
      const loaded = prepared?.loaded ?? (await loadReport(deps, r));
      // A fixed date: what the data and the layout print, not the day it is printed on.
      const c0 = performance.now();
      const view = prepared?.view ?? composeReport(deps, r, loaded, { date: new Date(0) });
      const composedMs = prepared?.view ? 0 : performance.now() - c0;
      const seriesHash = seriesHashOf(r.series);
      // The hash of what the report prints (a revision elsewhere that moves nothing printed —
      // another zone's record behind a rank that stays — is no change), its template and series.
      const tplHash = await templateHash(r.kind.template);
      const inputHash = timed('hash', () =>
        hashStableView(createHash('sha256'), view)
          .update(`\0${tplHash}\0${seriesHash}`)
          .digest('hex'),
      );
      const empty = emptyReason(view);
      // A figure in an editor article that contradicts its record blocks the release.
      const blocking = checkArticles(view).errors.map((e) => formatArticleProblem('error', e));
      return {
        loaded,
        view,
        composedMs,
        inputs: {
          inputHash,
          inputsKey: await inputsKeyOf(deps, r, loaded),
          ...(prepared?.dataVersion
            ? { dataKey: await dataKeyOf(deps, r.kind, r.series, prepared.dataVersion) }
            : {}),
          printed: timed('hash', () => printedRecordsOf(deps, view)),
          articles: timed('hash', () => articleDigestsOf(view)),
          ...(empty ? { empty } : {}),
          ...(blocking.length ? { blocking } : {}),
        },
      };
    })());
  return {
    series: r.series.id,
    kind: r.kind.id,
    reportKey: r.resolved.key ?? r.series.id,
    period: r.resolved.period,
    title: r.title,
    review: r.series.review,
    reference: r.series.numbering.reference,
    async prepare() {
      return (await load()).inputs;
    },
    async render(opts) {
      const { loaded, view: planned, composedMs } = await load();
      const t0 = performance.now();
      const imprint: Imprint = {
        date: opts.date,
        ...(opts.numbering ? { issue: opts.numbering } : {}),
      };
      const view = dress(imprintReport(deps, r, { loaded, view: planned }, imprint), opts);
      // The view composed once for the job (its plan), then imprinted for this print.
      const composeMs = composedMs + performance.now() - t0;
      const stem = `${(r.resolved.key ?? r.series.id).replace(/[^a-z0-9-]/gi, '_')}-${randomUUID().slice(0, 8)}`;
      const { renderer, workDir } = deps;
      if (!renderer || workDir === undefined)
        throw new Error(`${r.title} 的任务只用于规划，不能打印（没有渲染器）`);
      const files = await renderReportFiles({ renderer, workDir }, r.kind, view, stem);
      // What the printed PDF clips at the margin, said where the run is logged.
      for (const w of files.warnings) deps.log?.(`注意：${r.title} ${r.resolved.period}：${w}`);
      return {
        pdf: files.pdf,
        pages: files.pages,
        fileName: view.fileName,
        pdfPath: files.pdfPath,
        htmlPath: files.htmlPath,
        view: files.view,
        timings: { composeMs, htmlMs: files.htmlMs, pdfMs: files.pdfMs },
        ...(files.dataCsv ? { dataCsv: files.dataCsv, dataFile: files.dataFile } : {}),
        ...(files.coverSource ? { coverSource: files.coverSource } : {}),
      };
    },
  };
}
