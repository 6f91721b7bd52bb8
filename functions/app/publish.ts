/**
 * Publishing: every trigger of a report — a schedule, `POST /reports`, the CLI, `npm start`,
 * the all-zones batch — goes through the editorial cycle (`lifecycle.ts`) with a job over the
 * kind registry (`report-jobs.ts`):
 *
 *   trigger (one run per slot) → resolve + load once → unchanged / empty? → draft →
 *   review (the series says whether it is needed) → release: number, print, store, catalog →
 *   notify.
 *
 * The issue number is taken at release and nowhere else (see `lifecycle.ts`). This module
 * builds the cycle's dependencies from the publish dependencies (one construction for the
 * CLI, the local server and the Lambdas), stores a release (the PDF and its web edition,
 * named by content under `issues/<series>/<year>/`), and tells subscribers.
 */
import { partKey } from './archive-keys.ts';
import { ConflictError } from '../errors.ts';
import { formatSize } from '../core/display.ts';
import { sha256Hex } from '../core/digest.ts';
import type { Issue } from '../core/model.ts';
import { draftIdFor } from '../core/lifecycle.ts';
import {
  correctIssue,
  formatNumbering,
  paramsHashOf,
  releaseDraft,
  releaseDue,
  releaseKey,
  retryRun,
  triggerReport,
  type LifecycleDeps,
  type ReleaseTarget,
  type RenderedPdf,
  type StoredRelease,
  type TriggerResult,
} from './lifecycle.ts';
import { notifySubscribers, type NotifyOutcome } from './notify.ts';
import type {
  Archive,
  Clock,
  IssueCatalog,
  LifecycleCatalog,
  Notifier,
  RecordStore,
  SubscriberStore,
} from './ports.ts';
import {
  resolveReport,
  type RenderDeps,
  type RenderedReport,
  type ReportDeps,
} from './render-report.ts';
import { reportJob, requestParams, type PreparedReport } from './report-jobs.ts';
import type { OperatorJob, ReportKind, ReportRequest } from './requests.ts';
import { contentsOf, renderWebEdition, searchTextOf } from './web-edition.ts';
import { PACKED_JSON_TYPE, packBytes, packJson } from './packed-json.ts';
import { packParts, type PartName } from './release-parts.ts';
import { buildDataFile } from '../core/data-file.ts';
import { timed } from './step-times.ts';
import { coverSourceBytes } from './issue-cover.ts';
import { recordPagesOf } from '../core/printed-pages.ts';

export type { ReportKind, ReportRequest, RenderedReport, PreparedReport };
export { currentPeriod } from './render-report.ts';

export interface PublishDeps extends ReportDeps, RenderDeps {
  records: RecordStore;
  /** The catalog as readers see it (released issues). */
  catalog: IssueCatalog;
  /** The editorial cycle's side of the catalog: drafts, numbering, runs. */
  cycle: LifecycleCatalog;
  archive: Archive;
  /** The calendar's now (an issue's year, embargoes); the system clock when absent. */
  clock?: Clock;
  now?: () => Date;
  log?: (message: string) => void;
  /** With `notifier` and `publicBaseUrl`: confirmed subscribers are told of a release. */
  subscribers?: SubscriberStore;
  notifier?: Notifier;
  /** Base URL of the HTTP API, for the links in notices. */
  publicBaseUrl?: string;
  /** Arranges an embargoed release on AWS (an EventBridge Scheduler one-time schedule). */
  scheduleRelease?(draftId: string, at: Date): Promise<void>;
  /** Removes the schedule `scheduleRelease` made (the draft could not be marked after all). */
  cancelRelease?(draftId: string): Promise<void>;
  /** Lease of a slot's run and of a release (ms). */
  leaseMs?: number;
  /** How long a run waits for a slot another run holds (see LifecycleDeps.slotWaitMs). */
  slotWaitMs?: number;
}

/** A trigger of a report: the request, its slot, and how it is to be released. */
export interface PublishRequest extends ReportRequest {
  /** Who or what triggers it (`cli`, `schedule`, `api`, `npm start` …), recorded with the run. */
  trigger?: string;
  /** Make a draft even when the inputs equal the latest release's. */
  force?: boolean;
  /**
   * Release at once even when the series needs review: `by` says who released it (an editor
   * who reviewed it themselves), else it is recorded as the first run's waiver (`npm start`).
   */
  releaseNow?: { by?: string };
  /** The run kept on its slot's trigger (`TriggerOptions.runOnTrigger`: the all-zones batch). */
  runOnTrigger?: boolean;
}

export interface PublishResult extends TriggerResult {
  /** True when this run printed a PDF (false: already out, unchanged, empty, or another run's). */
  printed: boolean;
  timings: { composeMs: number; htmlMs: number; pdfMs: number };
  /** What notifying subscribers did (absent when nothing was released or no notifier is set). */
  notices?: NotifyOutcome;
  /** Why notifying failed; the issue stays released and a retry sends what is missing. */
  noticeError?: string;
}

/**
 * Triggers a report of any kind through the editorial cycle — the entry the Lambda handlers,
 * the API, the local server, the schedules and the CLI call. One run per slot: a retried slot
 * returns what its first run made.
 * @param prepared what the caller already resolved, loaded and composed (not read again).
 * @throws ValidationError for parameters the kind does not take; NotFoundError for an unknown
 *   zone, region or series, or no data; the cycle's errors (a reused request id with other
 *   parameters, a slot held by a live run).
 */
export async function publishReport(
  deps: PublishDeps,
  req: PublishRequest,
  prepared?: PreparedReport,
): Promise<PublishResult> {
  const params = requestParams(req);
  const notices: Pick<PublishResult, 'notices' | 'noticeError'> = {};
  const cycle = cycleOf(deps, notices);
  const job = prepared ? await reportJob(deps, params, prepared) : undefined;
  const result = await triggerReport(
    cycle,
    params,
    {
      slotKey: req.slotKey,
      trigger: req.trigger ?? 'cli',
      ...(req.force ? { force: true } : {}),
      ...(req.runOnTrigger ? { runOnTrigger: true } : {}),
      ...(req.releaseNow
        ? {
            releaseWithoutReview: true,
            ...(req.releaseNow.by ? { releasedBy: req.releaseNow.by } : {}),
          }
        : {}),
    },
    job,
  );
  return {
    ...result,
    printed: Boolean(result.rendered),
    timings: result.rendered?.timings ?? { composeMs: 0, htmlMs: 0, pdfMs: 0 },
    ...notices,
  };
}

/** What `POST /reports` answers: the slot, its draft id, and how far the trigger got. */
export interface ReportStarted {
  status: string;
  slotKey: string;
  draftId: string;
  runId?: string;
  issueId?: string;
  message?: string;
}

/**
 * Accepts an on-demand request (`POST /reports`) before it runs: its parameters resolve (an
 * unknown zone is refused now, not in the queue), and a request id used before with other
 * parameters is refused. `run` then makes it (at once locally; by queueing it on AWS).
 * @returns the answer: the slot's outcome when it already ran, else `run`'s.
 */
export async function acceptReportRequest(
  deps: PublishDeps,
  req: ReportRequest,
  run: () => Promise<Partial<ReportStarted> & { status: string }>,
): Promise<ReportStarted> {
  const r = await resolveReport(deps, req);
  const draftId = draftIdFor(r.series.id, req.slotKey);
  const trigger = await deps.cycle.getTrigger(r.series.id, req.slotKey);
  if (trigger && trigger.paramsHash !== paramsHashOf(requestParams(req)))
    throw new ConflictError(
      'reports',
      `槽位 (slot) "${req.slotKey}" 已用于其他参数的请求：请换一个请求号 (requestId)`,
    );
  // A slot that ran (or runs) is answered from its trigger, never run twice; its draft may
  // have been released or discarded since.
  if (trigger) {
    const draft = trigger.draftId ? await deps.cycle.getDraft(trigger.draftId) : undefined;
    const issueId = trigger.issueId ?? draft?.issueId;
    const status =
      draft?.status === 'published'
        ? 'released'
        : draft?.status === 'discarded'
          ? 'discarded'
          : trigger.state === 'done'
            ? (trigger.outcome ?? 'done')
            : trigger.state;
    return {
      status,
      slotKey: req.slotKey,
      draftId,
      ...(issueId ? { issueId } : {}),
      ...(trigger.detail ? { message: trigger.detail } : {}),
    };
  }
  return { slotKey: req.slotKey, draftId, ...(await run()) };
}

/** A trigger's result as `POST /reports` answers it. */
export function startedOf(result: PublishResult): Omit<ReportStarted, 'slotKey' | 'draftId'> {
  return {
    status: result.outcome,
    runId: result.run.runId,
    message: result.message,
    ...(result.issue ? { issueId: result.issue.id } : {}),
  };
}

/**
 * Runs editorial work handed over by the API (on AWS, in the function that has the browser).
 * @returns one line saying what it did.
 */
export async function runOperatorJob(deps: PublishDeps, job: OperatorJob): Promise<string> {
  const cycle = cycleOf(deps);
  switch (job.action) {
    case 'release': {
      const issue = await releaseDraft(cycle, job.draftId, { by: job.by });
      return `已发布 ${issue.id}（${formatNumbering(issue)}），来自稿件 ${job.draftId}，发布人 ${job.by}`;
    }
    case 'release-due': {
      const { released, failed } = await releaseDue(cycle, { draftId: job.draftId });
      // Failed (a held lease included): an error, so the Scheduler's target is retried and
      // what is left goes to the dead-letter queue — never "nothing due".
      if (failed.length) throw new ConflictError('lifecycle', `定时发布失败：${failed[0]!.reason}`);
      return released.length
        ? `定时发布时间已到，已发布 ${released.map((i) => i.id).join('、')}`
        : `稿件 ${job.draftId}：没有到期待发布的（已发布、已弃用或已改期）`;
    }
    case 'correct': {
      const r = await correctIssue(cycle, job.issueId, {
        by: job.by,
        trigger: 'api',
        ...job.label,
      });
      return r.message;
    }
    case 'retry':
      return (await retryRun(cycle, job.runId)).message;
  }
}

/**
 * The editorial cycle's dependencies from the publish dependencies: jobs over the registry,
 * releases stored with their web edition, the article check before release, notices.
 * @param notices receives what notifying did (a failed notice never fails a release).
 */
export function cycleOf(
  deps: PublishDeps,
  notices: Pick<PublishResult, 'notices' | 'noticeError'> = {},
): LifecycleDeps {
  return {
    catalog: deps.cycle,
    archive: deps.archive,
    records: deps.records,
    timeZone: deps.timeZone,
    resolveJob: (params) => reportJob(deps, params),
    store: (target, rendered) => archiveReport(deps, target, rendered),
    async checkBeforeRelease(draft, job) {
      const problems = (await job.prepare()).blocking ?? [];
      if (problems.length)
        throw new ConflictError(
          'lifecycle',
          `稿件 ${draft.id} 不能发布：文章有 ${problems.length} 处错误 — ${problems.join('；')}`,
        );
    },
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.log ? { log: deps.log } : {}),
    ...(deps.leaseMs ? { leaseMs: deps.leaseMs } : {}),
    ...(deps.scheduleRelease ? { scheduleRelease: deps.scheduleRelease } : {}),
    ...(deps.cancelRelease ? { cancelRelease: deps.cancelRelease } : {}),
    ...(deps.slotWaitMs !== undefined ? { slotWaitMs: deps.slotWaitMs } : {}),
    async notify(issue) {
      // A corrected edition is its own notice (notify.ts keys notices by edition).
      const outcome = await notifyReleased(deps, issue);
      Object.assign(notices, outcome);
    },
  };
}

/**
 * Stores a release: the PDF under a key named by its issue, edition and content (a concurrent
 * or retried release never overwrites the PDF the catalog points at), and beside it, in ONE
 * object (`release-parts.ts`), the web edition from the same composed view, the data file and
 * what the cover is made from; returns what the catalog lists of them (each part's sha256).
 */
export async function archiveReport(
  deps: Pick<PublishDeps, 'archive'>,
  target: ReleaseTarget,
  rendered: RenderedPdf,
): Promise<StoredRelease> {
  const contentSha = sha256Hex(rendered.pdf);
  const s3Key = releaseKey(target, contentSha);
  const pdf = deps.archive.put(s3Key, rendered.pdf, {
    fileName: rendered.fileName,
    // Hashed once: for its key here, not again by the put.
    sha256: contentSha,
    metadata: {
      issue: target.issueId,
      draft: target.draftId,
      edition: String(target.edition),
      'input-hash': target.inputHash,
    },
  });
  const view = rendered.view;
  if (!view) {
    const { sha256 } = await pdf;
    return { s3Key, sha256, otherKeys: [], fields: {} };
  }
  const partsKey = partKey(s3Key, 'parts');
  const parts: Partial<Record<PartName, Uint8Array>> = {};
  const fields: Partial<Issue> = {};
  // The web edition: the same composed view as the PDF (served decompressed).
  const html = timed('web edition', () =>
    renderWebEdition(view, {
      archiveUrl: `/series/${encodeURIComponent(target.series)}`,
      pdfUrl: `/bulletins/${encodeURIComponent(target.issueId)}/download`,
      pdfSize: formatSize(rendered.pdf.byteLength),
      feedUrl: `/feeds/${encodeURIComponent(target.series)}.atom`,
      ...(rendered.dataCsv ? { dataLinks: dataLinksOf(target.issueId) } : {}),
      // A corrected edition links the editions before it (each stays downloadable).
      earlierEditions: Array.from({ length: target.edition - 1 }, (_, i) => ({
        label: i === 0 ? '原版' : `第${i + 1}版`,
        url: `/bulletins/${encodeURIComponent(target.issueId)}/download?edition=${i + 1}`,
      })),
    }),
  );
  parts.web = packBytes(Buffer.from(html));
  // The data behind the issue: the data file as JSON — the CSV (the one attached inside the
  // PDF) is made from it on every download, the workbook on the first (`data-download.ts`);
  // neither is stored here.
  if (rendered.dataCsv) {
    const dataFile = rendered.dataFile ?? timed('data files', () => buildDataFile(view));
    parts.data = timed('data files', () => packJson(dataFile));
  }
  // What page 1's image, for the archive, is made from on its first request (`issue-cover.ts`).
  if (rendered.coverSource) parts.cover = coverSourceBytes(rendered.coverSource);
  // Put beside the PDF at the same time (neither depends on the other's answer).
  const stored = deps.archive.put(partsKey, packParts(parts), {
    fileName: rendered.fileName.replace(/\.pdf$/, '-部件.bin'),
    contentType: PACKED_JSON_TYPE,
    metadata: { issue: target.issueId },
  });
  // Both settled before failing: none is left in flight (what was put is an orphan for the
  // sweep).
  const settled = await Promise.allSettled([pdf, stored]);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const { sha256 } = await pdf;
  // Each part's sha256 in the catalog: a web edition, data file or cover source that differs
  // is refused, as the PDF is. The fields that named each part's own object name this one.
  if (parts.data)
    fields.dataKeys = {
      json: partsKey,
      sha256: { csv: sha256Hex(rendered.dataCsv!), json: sha256Hex(parts.data) },
    };
  if (parts.cover)
    fields.coverKeys = { source: partsKey, sha256: { source: sha256Hex(parts.cover) } };
  const web = sha256Hex(parts.web);
  Object.assign(
    fields,
    timed('web edition', () => ({
      webKey: partsKey,
      partsSha256: { web },
      contents: contentsOf(view),
      searchText: searchTextOf(view),
      // Where each record's figures are printed in this edition: a correction names its pages.
      ...(view.blockPages ? { recordPages: recordPagesOf(view, view.blockPages) } : {}),
    })),
  );
  return { s3Key, sha256, otherKeys: [partsKey], fields };
}

/** The download links of an issue's data (CSV and Excel). */
export function dataLinksOf(issueId: string): { label: string; url: string }[] {
  const base = `/bulletins/${encodeURIComponent(issueId)}`;
  return [
    { label: '数据（CSV）', url: `${base}/data.csv` },
    { label: '数据（Excel）', url: `${base}/data.xlsx` },
  ];
}

/**
 * Tells confirmed subscribers of a release or a correction — what every release does (its
 * cycle's `notify`), and what `bulletin notify` does again for an issue released when no mail
 * could be sent. Never throws: a failure is logged and returned, and must not turn a released
 * issue back into a failed one.
 */
export async function notifyReleased(
  deps: PublishDeps,
  issue: Issue,
): Promise<Pick<PublishResult, 'notices' | 'noticeError'>> {
  if (!deps.subscribers || !deps.notifier) return {};
  try {
    if (!deps.publicBaseUrl)
      throw new ConflictError('publish', '没有用于邮件链接的公开地址 (BULLETIN_PUBLIC_BASE_URL)');
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
    deps.log?.(
      `${issue.id} 已发布，但通知订阅者失败：${reason}（bulletin notify ${issue.id} 可补发）`,
    );
    return { noticeError: reason };
  }
}
