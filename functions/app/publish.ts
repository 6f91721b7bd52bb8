/**
 * Generate and publish a bulletin: pull the records of the latest period, compose, render
 * the PDF, put it in the archive and only then mark the catalog entry published.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BulletinError, NotFoundError } from '../errors.ts';
import { composeBulletin, type BulletinView } from '../core/compose-bulletin.ts';
import { datePartsIn } from '../core/format.ts';
import { NATIONAL_HTZ, type Issue } from '../core/model.ts';
import { samePeriodLastYear } from '../core/periods.ts';
import type { Reference } from '../core/reference.ts';
import { sha256Hex, type Archive } from '../adapters/archive.ts';
import type { IssueCatalog } from '../adapters/issue-catalog.ts';
import type { PdfRenderer } from '../adapters/pdf-renderer.ts';
import type { RecordStore } from '../adapters/record-store.ts';
import type { Notifier } from '../adapters/notifier.ts';
import type { SubscriberStore } from '../adapters/subscriber-store.ts';
import { notifySubscribers, type NotifyOutcome } from './notify.ts';
import { renderHtml, templatesDir } from './templates.ts';

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

export interface RenderedBulletin {
  view: BulletinView;
  pdf: Uint8Array;
  pages: number;
  pdfPath: string;
  htmlPath: string;
  inputHash: string;
  timings: { composeMs: number; htmlMs: number; pdfMs: number };
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

/** Loads the inputs of one bulletin: two periods of records and the editor articles. */
export async function loadBulletinInputs(
  deps: Pick<PublishDeps, 'records'>,
  series: string,
  period: string,
) {
  const [records, previous, articles] = await Promise.all([
    deps.records.recordsOfPeriod(period),
    deps.records.recordsOfPeriod(samePeriodLastYear(period)),
    deps.records.articles(series, period),
  ]);
  const inputHash = createHash('sha256')
    .update(JSON.stringify({ records: sortRecords([...records, ...previous]), articles }))
    .digest('hex');
  return { records: [...records, ...previous], articles, inputHash };
}

function sortRecords<T extends { zone: string; indicator: string; period: string }>(rs: T[]): T[] {
  return [...rs].sort((a, b) =>
    `${a.zone}#${a.indicator}#${a.period}`.localeCompare(`${b.zone}#${b.indicator}#${b.period}`),
  );
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
  const t1 = performance.now();
  const html = await renderHtml('torch-bulletin', view);
  await mkdir(deps.workDir, { recursive: true });
  const htmlPath = join(deps.workDir, `${opts.fileStem}.html`);
  await writeFile(htmlPath, html);
  const t2 = performance.now();
  const result = await deps.renderer.renderPdf({
    htmlPath,
    allowedRoots: [deps.workDir, templatesDir()],
    metadata: { title: view.documentTitle },
  });
  const pdfPath = join(deps.workDir, `${opts.fileStem}.pdf`);
  await writeFile(pdfPath, result.pdf);
  const t3 = performance.now();
  return {
    view,
    pdf: result.pdf,
    pages: result.pages,
    pdfPath,
    htmlPath,
    inputHash: inputs.inputHash,
    timings: { composeMs: t1 - t0, htmlMs: t2 - t1, pdfMs: t3 - t2 },
  };
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
  const seriesId = req.series ?? 'torch-bulletin';
  const series = deps.reference.seriesById(seriesId);
  if (!series) throw new NotFoundError('publish', `unknown series "${seriesId}"`);
  const now = deps.now?.() ?? new Date();
  const period = req.period ?? (await currentPeriod(deps.records));
  const { year } = datePartsIn(now, deps.timeZone);
  const issue = await deps.catalog.claimIssue({
    series: seriesId,
    kind: 'torch-bulletin',
    slotKey: req.slotKey,
    year,
    period,
    title: series.title,
    reference: series.numbering.reference,
    now,
  });
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
    const rendered = await renderBulletin(deps, {
      series: seriesId,
      period: issue.period ?? period,
      issue,
      date: issueDate,
      fileStem: issue.id,
    });
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
