/**
 * Generate and publish a bulletin: pull the records of the latest period, compose, render
 * the PDF, put it in the archive and only then mark the catalog entry published.
 */
import { randomUUID } from 'node:crypto';
import { BulletinError, NotFoundError, ValidationError } from '../errors.ts';
import { datePartsIn } from '../core/format.ts';
import { NATIONAL_HTZ, type Issue } from '../core/model.ts';
import type { Reference } from '../core/reference.ts';
import { sha256Hex } from '../core/digest.ts';
import type {
  Archive,
  IssueCatalog,
  Notifier,
  PdfRenderer,
  RecordStore,
  SubscriberStore,
} from './ports.ts';
import { notifySubscribers, type NotifyOutcome } from './notify.ts';
import {
  loadRegionalInputs,
  loadZoneProfileInputs,
  renderBulletin,
  renderRegionalReport,
  renderZoneProfile,
  type RenderedReport,
} from './render-report.ts';

export {
  loadBulletinInputs,
  renderBulletin,
  renderRegionalReport,
  renderZoneProfile,
  type RenderedBulletin,
  type RenderedReport,
} from './render-report.ts';
import { formatSize } from '../core/display.ts';
import { contentsOf, renderWebEdition, searchTextOf } from './web-edition.ts';

/** The report kinds, each published in the series of the same id. */
export const REPORT_KINDS = ['torch-bulletin', 'zone-profile', 'regional-report'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export interface ReportRequest {
  kind: ReportKind;
  /** Data period; default per kind (the bulletin: latest national GDP; a zone: its latest year). */
  period?: string;
  /** zone-profile: zone id, name or alias. */
  zone?: string;
  /** regional-report: province, city, region or alliance (京津冀 / 长三角 / 东北 …). */
  region?: string;
  /** Idempotency key: the scheduled time, or an on-demand request id. */
  slotKey: string;
}

/**
 * Publishes a report of any kind — the entry the Lambda handlers, the API and the CLI call.
 * Each kind is its own series in the catalog (numbered per series), stored under
 * `issues/<series>/<year>/`.
 * @throws ValidationError when the zone or region a kind needs is missing.
 */
export async function publishReport(deps: PublishDeps, req: ReportRequest): Promise<PublishResult> {
  return publishIssue(deps, await resolveReport(deps, req));
}

/**
 * Numbers the issue of a request without rendering it (the HTTP API answers with the id at
 * once and queues the work). A later {@link publishReport} with the same slot finds this
 * number and renders.
 */
export async function claimReport(deps: PublishDeps, req: ReportRequest): Promise<Issue> {
  return claimIssueFor(deps, await resolveReport(deps, req));
}

/** What a request publishes: its series, period, catalog title and renderer. */
async function resolveReport(deps: PublishDeps, req: ReportRequest): Promise<IssueSpec> {
  switch (req.kind) {
    case 'torch-bulletin':
      return bulletinSpec(deps, {
        slotKey: req.slotKey,
        ...(req.period ? { period: req.period } : {}),
      });
    case 'zone-profile': {
      if (!req.zone) throw missingArgument('zone-profile', 'zone');
      const inputs = await loadZoneProfileInputs(deps, req.zone, req.period);
      return {
        seriesId: 'zone-profile',
        kind: 'zone-profile',
        slotKey: req.slotKey,
        period: inputs.period,
        title: `${deps.reference.seriesById('zone-profile')?.title ?? '园区画像'}·${inputs.zone.shortName}`,
        render: (issue, date, period, fileStem) =>
          renderZoneProfile(deps, { issue, date, fileStem, zone: inputs.zone.id, period }),
      };
    }
    case 'regional-report': {
      if (!req.region) throw missingArgument('regional-report', 'region');
      const inputs = await loadRegionalInputs(deps, req.region, req.period);
      return {
        seriesId: 'regional-report',
        kind: 'regional-report',
        slotKey: req.slotKey,
        period: inputs.period,
        title: `${deps.reference.seriesById('regional-report')?.title ?? '区域发展报告'}·${inputs.region.name}`,
        render: (issue, date, period, fileStem) =>
          renderRegionalReport(deps, { issue, date, fileStem, region: req.region!, period }),
      };
    }
    default:
      throw missingArgument(String((req as { kind: unknown }).kind), 'kind');
  }
}

function missingArgument(kind: string, field: string): ValidationError {
  return new ValidationError('publish', [
    { file: 'request', location: kind, field, message: `${kind} needs "${field}"` },
  ]);
}

export interface PublishDeps {
  records: RecordStore;
  catalog: IssueCatalog;
  archive: Archive;
  renderer: PdfRenderer;
  reference: Reference;
  /** Folder for the HTML and PDF files of each render. */
  workDir: string;
  timeZone: string;
  now?: () => Date;
  log?: (message: string) => void;
  /** With `notifier` and `publicBaseUrl`: confirmed subscribers are told of a published issue. */
  subscribers?: SubscriberStore;
  notifier?: Notifier;
  /** Base URL of the HTTP API, for the links in notices. */
  publicBaseUrl?: string;
}

export interface BulletinRequest {
  series?: string;
  /** Data period; default: the latest period with the national GDP figure. */
  period?: string;
  /** Idempotency key: the scheduled time, or an on-demand request id. */
  slotKey: string;
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

/** The period a bulletin covers when none is asked for. */
export async function currentPeriod(records: RecordStore): Promise<string> {
  const period = await records.latestPeriodOf(NATIONAL_HTZ, 'gdp');
  if (!period)
    throw new NotFoundError(
      'publish',
      'no national GDP record yet: ingest data first (bulletin ingest data/records/*.csv)',
    );
  return period;
}

/**
 * Publishes the bulletin of a slot exactly once: claims the issue number for the slot,
 * renders, stores the PDF, then marks the issue published. A retry of a published slot
 * returns the published issue without rendering again.
 */
export async function publishBulletin(
  deps: PublishDeps,
  req: BulletinRequest,
): Promise<PublishResult> {
  return publishIssue(deps, await bulletinSpec(deps, req));
}

async function bulletinSpec(deps: PublishDeps, req: BulletinRequest): Promise<IssueSpec> {
  const seriesId = req.series ?? 'torch-bulletin';
  const period = req.period ?? (await currentPeriod(deps.records));
  return {
    seriesId,
    kind: 'torch-bulletin',
    slotKey: req.slotKey,
    period,
    render: (issue, date, issuePeriod, fileStem) =>
      renderBulletin(deps, { series: seriesId, period: issuePeriod, issue, date, fileStem }),
  };
}

/** What to publish: a series, its kind, the slot, and how to render an issue of it. */
interface IssueSpec {
  seriesId: string;
  kind: ReportKind;
  slotKey: string;
  period: string;
  /** Catalog title; default the series title. */
  title?: string;
  /** `fileStem` names the HTML and PDF work files: unique per run, so two runs never mix. */
  render(issue: Issue, date: Date, period: string, fileStem: string): Promise<RenderedReport>;
}

async function claimIssueFor(deps: PublishDeps, spec: IssueSpec): Promise<Issue> {
  const series = deps.reference.seriesById(spec.seriesId);
  if (!series) throw new NotFoundError('publish', `unknown series "${spec.seriesId}"`);
  const now = deps.now?.() ?? new Date();
  return deps.catalog.claimIssue({
    series: spec.seriesId,
    kind: spec.kind,
    slotKey: spec.slotKey,
    year: datePartsIn(now, deps.timeZone).year,
    period: spec.period,
    title: spec.title ?? series.title,
    reference: series.numbering.reference,
    now,
  });
}

/**
 * Publishes one issue of a series exactly once: claims the issue number for the slot,
 * renders, stores the PDF, then marks the issue published. A retry of a published slot
 * returns the published issue without rendering again.
 */
async function publishIssue(deps: PublishDeps, spec: IssueSpec): Promise<PublishResult> {
  const { seriesId, period, slotKey } = spec;
  const req = { slotKey };
  const issue = await claimIssueFor(deps, spec);
  const zeroTimings = { composeMs: 0, htmlMs: 0, pdfMs: 0, storeMs: 0 };
  if (issue.status === 'published') {
    deps.log?.(`issue ${issue.id} of slot ${req.slotKey} is already published`);
    // A run that died while notifying left some subscribers out: the retry completes it.
    return {
      issue,
      rendered: false,
      timings: zeroTimings,
      ...(await notifyPublished(deps, issue)),
    };
  }
  try {
    if (issue.status === 'failed') await deps.catalog.markRendering(issue);
    const issueDate = new Date(issue.createdAt);
    const rendered = await spec.render(
      issue,
      issueDate,
      issue.period ?? period,
      `${issue.id}-${randomUUID().slice(0, 8)}`,
    );
    const t0 = performance.now();
    // Named by content: a concurrent or retried run of the same issue never overwrites the PDF
    // the catalog already points at (renders differ in their timestamps; s3rver ignores
    // If-None-Match, so a conditional put cannot be relied on).
    const contentSha = sha256Hex(rendered.pdf);
    const s3Key = `issues/${seriesId}/${issue.year}/${issue.id}-${contentSha.slice(0, 16)}.pdf`;
    const { sha256 } = await deps.archive.put(s3Key, rendered.pdf, {
      fileName: rendered.view.fileName,
      metadata: { issue: issue.id, 'input-hash': rendered.inputHash },
    });
    // The web edition: the same composed view as the PDF, stored beside it.
    const webKey = s3Key.replace(/\.pdf$/, '.html');
    const html = renderWebEdition(rendered.view, {
      archiveUrl: `/series/${encodeURIComponent(seriesId)}`,
      pdfUrl: `/bulletins/${encodeURIComponent(issue.id)}/download`,
      pdfSize: formatSize(rendered.pdf.byteLength),
      feedUrl: `/feeds/${encodeURIComponent(seriesId)}.atom`,
    });
    await deps.archive.put(webKey, new TextEncoder().encode(html), {
      fileName: rendered.view.fileName.replace(/\.pdf$/, '.html'),
      contentType: 'text/html; charset=utf-8',
      metadata: { issue: issue.id },
    });
    let published: Issue;
    try {
      published = await deps.catalog.markPublished(issue, {
        s3Key,
        fileName: rendered.view.fileName,
        sha256,
        bytes: rendered.pdf.byteLength,
        pages: rendered.pages,
        inputHash: rendered.inputHash,
        publishedAt: (deps.now?.() ?? new Date()).toISOString(),
        webKey,
        contents: contentsOf(rendered.view),
        searchText: searchTextOf(rendered.view),
      });
    } catch (err) {
      // Another run of this slot published first: its PDF stands, ours is an unused copy.
      const winner = await deps.catalog.get(issue.id).catch(() => undefined);
      if (winner?.status !== 'published') throw err;
      deps.log?.(`issue ${issue.id} was published by a concurrent run of slot ${req.slotKey}`);
      return {
        issue: winner,
        rendered: false,
        timings: zeroTimings,
        ...(await notifyPublished(deps, winner)),
      };
    }
    const storeMs = performance.now() - t0;
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
