/**
 * Publish a report of any kind as one straight pipeline, each step a function:
 *
 *   resolve the request → claim its issue (the slot's number) → load the inputs once →
 *   compose → render → archive the PDF → mark the catalog entry published → notify.
 *
 * The catalog entry is marked published only after the PDF is in the archive; a retry of a
 * published slot returns the issue without rendering again. Each kind is its own series in the
 * catalog (numbered per series), stored under `issues/<series>/<year>/`.
 */
import { randomUUID } from 'node:crypto';
import { BulletinError } from '../errors.ts';
import { datePartsIn } from '../core/format.ts';
import { formatSize } from '../core/display.ts';
import type { DataKeys, Issue, IssueContents } from '../core/model.ts';
import { sha256Hex } from '../core/digest.ts';
import type { ReportView } from '../core/report-parts.ts';
import type { Imprint, Loaded } from '../reports/kind.ts';
import { notifySubscribers, type NotifyOutcome } from './notify.ts';
import type { Archive, IssueCatalog, Notifier, RecordStore, SubscriberStore } from './ports.ts';
import {
  composeReport,
  imprintReport,
  loadReport,
  renderReport,
  resolveReport,
  type RenderDeps,
  type RenderedReport,
  type ReportDeps,
  type Resolution,
} from './render-report.ts';
import type { ReportKind, ReportRequest } from './requests.ts';
import { contentsOf, renderWebEdition, searchTextOf } from './web-edition.ts';
import { DATA_CSV_TYPE, DATA_XLSX_TYPE, dataFileNames, dataXlsx } from './data-export.ts';
import { buildDataFile } from '../core/data-file.ts';

export type { ReportKind, ReportRequest, RenderedReport };
export { currentPeriod } from './render-report.ts';

export interface PublishDeps extends ReportDeps, RenderDeps {
  records: RecordStore;
  catalog: IssueCatalog;
  archive: Archive;
  now?: () => Date;
  log?: (message: string) => void;
  /** With `notifier` and `publicBaseUrl`: confirmed subscribers are told of a published issue. */
  subscribers?: SubscriberStore;
  notifier?: Notifier;
  /** Base URL of the HTTP API, for the links in notices. */
  publicBaseUrl?: string;
}

/** A report resolved, loaded and (optionally) composed beforehand: the all-zones plan's. */
export interface PreparedReport {
  resolution: Resolution;
  loaded: Loaded<unknown>;
  /** Composed for another imprint; re-imprinted with the issue's numbers. */
  view?: ReportView;
}

/**
 * Publishes a report of any kind exactly once per slot — the entry the Lambda handlers, the
 * API, the local server, the schedules and the CLI call.
 * @param prepared what the caller already resolved, loaded and composed (not read again).
 * @throws ValidationError for parameters the kind does not take; NotFoundError for an unknown
 *   zone, region or series, or no data.
 */
export async function publishReport(
  deps: PublishDeps,
  req: ReportRequest,
  prepared?: PreparedReport,
): Promise<PublishResult> {
  let r = prepared?.resolution ?? (await resolveReport(deps, req));
  const issue = await claimIssue(deps, r, req.slotKey);
  if (issue.status === 'published') return alreadyPublished(deps, issue);
  try {
    if (issue.status === 'failed') await deps.catalog.markRendering(issue);
    // A slot claimed earlier (the API's claim, a failed run) keeps the period it was numbered for.
    if (issue.period && issue.period !== r.resolved.period) {
      r = await resolveReport(deps, { ...req, period: issue.period });
      prepared = undefined;
    }
    const t0 = performance.now();
    const loaded = prepared?.loaded ?? (await loadReport(deps, r));
    const imprint = imprintOf(issue);
    const view = prepared
      ? imprintReport(deps, r, prepared, imprint)
      : composeReport(deps, r, loaded, imprint);
    const composeMs = performance.now() - t0;
    // Unique per run: two runs of one slot never write the same work files.
    const fileStem = `${issue.id}-${randomUUID().slice(0, 8)}`;
    const rendered = await renderReport(deps, r, view, loaded, fileStem, composeMs);
    for (const w of rendered.warnings) deps.log?.(`warning: issue ${issue.id}: ${w}`);
    const t1 = performance.now();
    const stored = await archiveReport(deps, issue, rendered);
    const published = await markPublished(deps, issue, rendered, stored);
    const storeMs = performance.now() - t1;
    if ('concurrent' in published) {
      deps.log?.(`issue ${issue.id} was published by a concurrent run of slot ${req.slotKey}`);
      return alreadyPublished(deps, published.concurrent, false);
    }
    deps.log?.(
      `published ${published.id} (${rendered.pages} pages, ${rendered.pdf.byteLength} bytes)`,
    );
    return {
      issue: published,
      rendered: true,
      pdfPath: rendered.pdfPath,
      htmlPath: rendered.htmlPath,
      timings: { ...rendered.timings, storeMs },
      ...(await notifyPublished(deps, published)),
    };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    await deps.catalog.markFailed(issue, reason).catch(() => undefined);
    if (err instanceof BulletinError) throw err;
    throw new BulletinError('publish', `issue ${issue.id} failed: ${reason}`, { cause: err });
  }
}

/**
 * Numbers the issue of a request without loading or rendering anything (the HTTP API answers
 * with the id at once and queues the work). A later {@link publishReport} with the same slot
 * finds this number and renders.
 */
export async function claimReport(deps: PublishDeps, req: ReportRequest): Promise<Issue> {
  return claimIssue(deps, await resolveReport(deps, req), req.slotKey);
}

/** A bulletin of `series` (default 《火炬动态》): {@link publishReport} of a torch-bulletin. */
export function publishBulletin(
  deps: PublishDeps,
  req: { series?: string; period?: string; slotKey: string },
): Promise<PublishResult> {
  return publishReport(deps, { kind: 'torch-bulletin', ...req });
}

/** Claim: the issue of the slot, numbered exactly once (an existing claim is returned). */
export async function claimIssue(
  deps: PublishDeps,
  r: Resolution,
  slotKey: string,
): Promise<Issue> {
  const now = deps.now?.() ?? new Date();
  return deps.catalog.claimIssue({
    series: r.series.id,
    kind: r.kind.id,
    slotKey,
    year: datePartsIn(now, deps.timeZone).year,
    period: r.resolved.period,
    title: r.title,
    reference: r.series.numbering.reference,
    now,
  });
}

/** The numbers and date an issue prints. */
export function imprintOf(issue: Issue): Imprint {
  return {
    issue: { year: issue.year, number: issue.number, total: issue.total },
    date: new Date(issue.createdAt),
  };
}

/** What the archive holds of a report: the PDF, its web edition, and what the catalog lists. */
export interface StoredReport {
  s3Key: string;
  sha256: string;
  webKey?: string;
  contents?: IssueContents;
  searchText?: string;
  dataKeys?: DataKeys;
  coverKey?: string;
  coverSize?: { width: number; height: number };
}

/**
 * Archive: puts the PDF under a key named by its content, so that a concurrent or retried run
 * of the same issue never overwrites the PDF the catalog already points at (renders differ in
 * their timestamps; s3rver ignores If-None-Match, so a conditional put cannot be relied on).
 */
export async function archiveReport(
  deps: Pick<PublishDeps, 'archive'>,
  issue: Issue,
  rendered: RenderedReport,
): Promise<StoredReport> {
  const contentSha = sha256Hex(rendered.pdf);
  const s3Key = `issues/${issue.series}/${issue.year}/${issue.id}-${contentSha.slice(0, 16)}.pdf`;
  const { sha256 } = await deps.archive.put(s3Key, rendered.pdf, {
    fileName: rendered.view.fileName,
    metadata: { issue: issue.id, 'input-hash': rendered.inputHash },
  });
  // The data behind the issue beside it: the CSV attached inside the PDF, and a workbook.
  const dataKeys = await archiveData(deps, issue, rendered, s3Key);
  // Page 1 as an image, for the archive.
  const cover = rendered.cover;
  const coverKey = cover ? s3Key.replace(/\.pdf$/, '-cover.png') : undefined;
  if (cover && coverKey)
    await deps.archive.put(coverKey, cover.png, {
      fileName: rendered.view.fileName.replace(/\.pdf$/, '-封面.png'),
      contentType: 'image/png',
      metadata: { issue: issue.id },
    });
  // The web edition: the same composed view as the PDF, stored beside it.
  const webKey = s3Key.replace(/\.pdf$/, '.html');
  const html = renderWebEdition(rendered.view, {
    archiveUrl: `/series/${encodeURIComponent(issue.series)}`,
    pdfUrl: `/bulletins/${encodeURIComponent(issue.id)}/download`,
    pdfSize: formatSize(rendered.pdf.byteLength),
    feedUrl: `/feeds/${encodeURIComponent(issue.series)}.atom`,
    dataLinks: dataLinksOf(issue.id),
  });
  await deps.archive.put(webKey, new TextEncoder().encode(html), {
    fileName: rendered.view.fileName.replace(/\.pdf$/, '.html'),
    contentType: 'text/html; charset=utf-8',
    metadata: { issue: issue.id },
  });
  return {
    s3Key,
    sha256,
    webKey,
    contents: contentsOf(rendered.view),
    searchText: searchTextOf(rendered.view),
    dataKeys,
    ...(cover && coverKey
      ? { coverKey, coverSize: { width: cover.width, height: cover.height } }
      : {}),
  };
}

/** Where a reader downloads an issue's data (relative links, as the web edition's others). */
export function dataLinksOf(issueId: string): { label: string; url: string }[] {
  const base = `/bulletins/${encodeURIComponent(issueId)}`;
  return [
    { label: '数据（CSV）', url: `${base}/data.csv` },
    { label: '数据（Excel）', url: `${base}/data.xlsx` },
  ];
}

/** Stores the issue's data as CSV (the bytes attached in the PDF) and as a workbook. */
async function archiveData(
  deps: Pick<PublishDeps, 'archive'>,
  issue: Issue,
  rendered: RenderedReport,
  pdfKey: string,
): Promise<DataKeys> {
  const names = dataFileNames(rendered.view.fileName);
  const keys = {
    csv: pdfKey.replace(/\.pdf$/, '-data.csv'),
    xlsx: pdfKey.replace(/\.pdf$/, '-data.xlsx'),
  };
  const metadata = { issue: issue.id };
  const csv = await deps.archive.put(keys.csv, rendered.dataCsv, {
    fileName: names.csv,
    contentType: DATA_CSV_TYPE,
    metadata,
  });
  const xlsx = await deps.archive.put(keys.xlsx, await dataXlsx(buildDataFile(rendered.view)), {
    fileName: names.xlsx,
    contentType: DATA_XLSX_TYPE,
    metadata,
  });
  return { ...keys, sha256: { csv: csv.sha256, xlsx: xlsx.sha256 } };
}

/**
 * Catalog: marks the issue published with its archived PDF. When another run of the slot
 * published first, its issue is returned as `{ concurrent }` (its PDF stands, ours is unused).
 */
export async function markPublished(
  deps: Pick<PublishDeps, 'catalog' | 'now'>,
  issue: Issue,
  rendered: RenderedReport,
  stored: StoredReport,
): Promise<Issue | { concurrent: Issue }> {
  try {
    return await deps.catalog.markPublished(issue, {
      s3Key: stored.s3Key,
      fileName: rendered.view.fileName,
      sha256: stored.sha256,
      bytes: rendered.pdf.byteLength,
      pages: rendered.pages,
      inputHash: rendered.inputHash,
      publishedAt: (deps.now?.() ?? new Date()).toISOString(),
      ...(stored.webKey ? { webKey: stored.webKey } : {}),
      ...(stored.contents ? { contents: stored.contents } : {}),
      ...(stored.searchText ? { searchText: stored.searchText } : {}),
      ...(stored.dataKeys ? { dataKeys: stored.dataKeys } : {}),
      ...(stored.coverKey ? { coverKey: stored.coverKey } : {}),
      ...(stored.coverSize ? { coverSize: stored.coverSize } : {}),
    });
  } catch (err) {
    const winner = await deps.catalog.get(issue.id).catch(() => undefined);
    if (winner?.status !== 'published') throw err;
    return { concurrent: winner };
  }
}

/** A slot already published: nothing rendered; a notice a dead run left unsent is sent. */
async function alreadyPublished(
  deps: PublishDeps,
  issue: Issue,
  logIt = true,
): Promise<PublishResult> {
  if (logIt) deps.log?.(`issue ${issue.id} of slot ${issue.slotKey} is already published`);
  return {
    issue,
    rendered: false,
    timings: { composeMs: 0, htmlMs: 0, pdfMs: 0, storeMs: 0 },
    ...(await notifyPublished(deps, issue)),
  };
}

export interface PublishResult {
  issue: Issue;
  /** False when the slot had already been published (a retried schedule). */
  rendered: boolean;
  pdfPath?: string;
  htmlPath?: string;
  timings: { composeMs: number; htmlMs: number; pdfMs: number; storeMs: number };
  /** What notifying subscribers did (absent when no notifier is configured). */
  notices?: NotifyOutcome;
  /** Why notifying failed; the issue stays published and a retry sends what is missing. */
  noticeError?: string;
}

/**
 * Tells subscribers about a published issue. Never throws: a failure is logged and
 * returned, and must not turn a published issue back into a failed one.
 */
async function notifyPublished(
  deps: PublishDeps,
  issue: Issue,
): Promise<Pick<PublishResult, 'notices' | 'noticeError'>> {
  if (!deps.subscribers || !deps.notifier) return {};
  try {
    if (!deps.publicBaseUrl)
      throw new BulletinError('publish', 'no public base URL for links (BULLETIN_PUBLIC_BASE_URL)');
    const notices = await notifySubscribers(
      {
        subscribers: deps.subscribers,
        notifier: deps.notifier,
        reference: deps.reference,
        publicBaseUrl: deps.publicBaseUrl,
        timeZone: deps.timeZone,
        ...(deps.now ? { now: deps.now } : {}),
        ...(deps.log ? { log: deps.log } : {}),
      },
      issue,
    );
    return { notices };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    deps.log?.(`issue ${issue.id} is published, but notifying subscribers failed: ${reason}`);
    return { noticeError: reason };
  }
}
