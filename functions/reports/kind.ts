/**
 * What a report kind declares: its request parameters, its series, how a request resolves to
 * a subject and a period (cheap: enough to number and title an issue), how its inputs are
 * loaded (once), how they are composed into a view, and which template prints it. One module
 * per kind (`./<kind>.ts`), listed in `./registry.ts`; nothing outside switches over kinds.
 */
import type { z } from 'zod';
import type { ReportKind } from '../contract/kinds.ts';
import type { ReportParams } from '../contract/schedules.ts';
import type { Series } from '../core/model.ts';
import type { Reference } from '../core/reference.ts';
import type { ChartSink } from '../core/charts.ts';
import { datePartsIn, formatIssueLine } from '../core/format.ts';
import { colophonBlocks, mastheadOf, type ReportView } from '../core/report-parts.ts';
import type { RecordStore } from '../app/ports.ts';

/** What a kind reads and composes with. */
export interface KindContext {
  records: RecordStore;
  reference: Reference;
  timeZone: string;
  /**
   * Where a compose puts its charts to be drawn later with other reports' (the all-zones
   * plan's `ChartBatch`); a kind that draws none, or cannot wait, draws them itself. Absent:
   * every kind draws its charts as it composes.
   */
  charts?: ChartSink;
}

/** The issue numbers and date printed on a report; no numbers for a preview. */
export interface Imprint {
  issue?: { year: number; number: number; total: number };
  date: Date;
}

/** A request resolved: its subject and period, and what resolving read (`state`). */
export interface Resolved<S> {
  period: string;
  /** What the report is about, as printed (`东湖高新区`, `长三角`); absent for the bulletin. */
  subject?: string;
  /**
   * Which report of its series this is, for the editorial cycle (`zone-profile:chongqing`):
   * a kind with one report per series (the bulletin) leaves it out.
   */
  key?: string;
  /** Kind-specific: what `resolve` found that `load` reuses (a zone's records …). */
  state: S;
}

/** A kind's inputs, loaded once, and their hash (what the catalog remembers). */
export interface Loaded<I> {
  inputs: I;
  inputHash: string;
}

export interface ReportKindModule<S = unknown, I = unknown, V extends ReportView = ReportView> {
  id: ReportKind;
  /** The request parameters (the contract's schema for this kind). */
  params: z.ZodType<ReportParams>;
  /** The series an issue of this request is published in. */
  seriesOf(params: ReportParams): string;
  /**
   * The subject and period of a request, reading as little as possible (what the API needs to
   * hand out an issue number: never a whole period).
   * @throws NotFoundError for an unknown zone or region, or no data yet.
   */
  resolve(ctx: KindContext, params: ReportParams): Promise<Resolved<S>>;
  /** The catalog title of an issue. */
  title(series: Series, resolved: Resolved<S>): string;
  /** The file stem of a preview (`preview-zone-profile-东湖高新区`). */
  previewStem(params: ReportParams, resolved: Resolved<S>): string;
  /** Reads the inputs once (bounded Queries), with their hash. */
  load(ctx: KindContext, resolved: Resolved<S>): Promise<Loaded<I>>;
  /** Composes the view (pure); its `fileName` names the PDF. */
  compose(ctx: KindContext, series: Series, resolved: Resolved<S>, inputs: I, imprint: Imprint): V;
  /**
   * The view of another imprint (numbers, date) without composing again; optional. The
   * all-zones batch composes each profile once to plan and prints that view.
   */
  reimprint?(ctx: KindContext, series: Series, view: V, imprint: Imprint): V;
  /** The template under `templates/`: `<folder>/<file>` without `.hbs`. */
  template: string;
  /**
   * `numbered`: the contents print page numbers (two or more prints to find them);
   * `linked`: the contents are links without numbers (one print).
   */
  contents: 'numbered' | 'linked';
}

/** A file-name-safe form of a zone or region name (Chinese is kept). */
export function fileSlug(text: string): string {
  return text.replace(/[^\p{L}\p{N}-]+/gu, '-').slice(0, 40);
}

/** The issue line an imprint prints: `2026年第1期(总第551期)`, or `2026年（预览）`. */
export function issueLineOf(imprint: Imprint, timeZone: string): string {
  return imprint.issue
    ? formatIssueLine(imprint.issue.year, imprint.issue.number, imprint.issue.total)
    : `${datePartsIn(imprint.date, timeZone).year}年（预览）`;
}

/**
 * A composed view under another imprint: the masthead (issue line, date, issuer), the
 * colophon and the author — what every kind prints from the imprint. A kind whose title or file
 * name also names the issue sets those on top (see the bulletin).
 */
export function reimprinted<V extends ReportView>(
  ctx: Pick<KindContext, 'timeZone'>,
  series: Series,
  view: V,
  imprint: Imprint,
): V {
  const issueLine = issueLineOf(imprint, ctx.timeZone);
  const masthead = {
    ...view.masthead,
    ...mastheadOf(series, issueLine, imprint.date, ctx.timeZone, !imprint.issue),
  };
  return {
    ...view,
    masthead,
    metadata: { ...view.metadata, author: masthead.issuer },
    colophon: colophonBlocks(series, imprint.date),
  };
}
