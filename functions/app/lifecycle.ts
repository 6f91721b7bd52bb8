/**
 * The editorial cycle's use cases, shared by the CLI, the local server and the Lambdas:
 * a trigger makes a draft; a draft is released (now or at an embargo time) or discarded;
 * a released issue is corrected or withdrawn; runs are listed and retried; orphans swept.
 *
 * Numbers are assigned at release and nowhere else: the release renders the PDF with the
 * next number, stores it, and writes the numbered issue with one conditional put — that put
 * *is* the release. Whatever fails before it consumes no number; a lost race re-renders with
 * the next one. See `core/lifecycle.ts` for the states and `adapters/issue-catalog.ts` for the
 * items.
 */
import { archiveKeyOwner, sealedKey } from './archive-keys.ts';
import { draftFileKeys, storeDraftWebEdition } from './draft-review.ts';
import { newSeal, sealedFit, sealedKeys, untilInstant } from './sealed-release.ts';
import { createHash, randomUUID } from 'node:crypto';
import { ConflictError, LeaseHeldError, NotFoundError, ValidationError } from '../errors.ts';
import { isReleaseDue, isWholeSecond, releaseSecond } from '../core/embargo.ts';
import { datePartsIn } from '../core/format.ts';
import {
  draftIdFor,
  editionLabelOf,
  nextNumbering,
  OPEN_DRAFT_STATES,
  parseDraftId,
  parseIssueId,
  refusalOf,
  statusWord,
  type Draft,
  type Numbering,
  type PrintedRecord,
  type ArticleDigest,
  type ReviewRule,
} from '../core/lifecycle.ts';
import { formatBeijing } from '../core/time.ts';
import { recordPlacesOf } from '../core/printed-pages.ts';
import type {
  CorrectionLine,
  EditionKind,
  EditionLabel,
  Issue,
  IssueEdition,
} from '../core/model.ts';
import { sha256Hex } from '../core/digest.ts';
import type { DataFile } from '../core/data-file.ts';
import type { ReportView } from '../core/report-parts.ts';
import {
  runOnTriggerId,
  type Archive,
  type Clock,
  type CoverSource,
  type LifecycleCatalog,
  type Run,
  type RunOutcome,
} from './ports.ts';
import { numberingLineOf, type Place } from './numbering-line.ts';
import { changedFigures, type CorrectionsDeps } from './corrections.ts';

/** How a report is printed, as the cycle sees it (one per request; made by the kind registry). */
export interface ReportJob {
  series: string;
  kind: string;
  /** The report within the series: `torch-bulletin`, `zone-profile:chongqing` … */
  reportKey: string;
  period: string;
  title: string;
  review: ReviewRule;
  /** The last issue printed before this catalog existed (numbers continue from it). */
  reference: { year: number; number: number; total: number };
  /**
   * Loads the inputs once: the hash of what the report prints with its template and series
   * config, the records it prints, why the period is empty, what blocks a release.
   */
  prepare(): Promise<PreparedInputs>;
  /** Renders from the prepared inputs; without `numbering` the masthead prints the draft placeholder. */
  render(opts: RenderOptions): Promise<RenderedPdf>;
}

export interface PreparedInputs {
  inputHash: string;
  /** What the report is made from, known before composing (`inputsKeyOf`); kept on the issue. */
  inputsKey?: string;
  /** The data version it was read at and its build (`dataKeyOf`), when known; kept too. */
  dataKey?: string;
  printed: PrintedRecord[];
  /** Its articles with a digest each, kept with the draft (what the next draft compares). */
  articles?: ArticleDigest[];
  /** Set when nothing of the period would be printed: no draft is made. */
  empty?: string;
  /** What forbids a release (article figures contradicting records …), one line each. */
  blocking?: string[];
}

export interface RenderOptions {
  numbering?: { year: number; number: number; total: number };
  /** Publication date printed on the masthead. */
  date: Date;
  /** 2 and up: a corrected edition (修订版) with its 勘误说明. */
  edition?: number;
  corrections?: CorrectionLine[];
  /** 修订 or 更正, with cause, effect and pages (the 勘误说明's heading and lead). */
  label?: EditionLabel;
}

export interface RenderedPdf {
  pdf: Uint8Array;
  pages: number;
  fileName: string;
  /** Local copy of the PDF, when the renderer wrote one. */
  pdfPath?: string;
  htmlPath?: string;
  /** The view printed (for the web edition and what the catalog lists), when there is one. */
  view?: ReportView;
  timings?: { composeMs: number; htmlMs: number; pdfMs: number };
  /** The data file attached inside the PDF (CSV), stored beside it by the deps' store. */
  dataCsv?: Uint8Array;
  /** What the CSV was written from, for the workbook stored beside it (built again if absent). */
  dataFile?: DataFile;
  /** What the cover (page 1 as an image) is made from on its first request, stored beside the PDF. */
  coverSource?: CoverSource;
}

/** Where a release is stored: the issue (or its corrected edition) the files belong to. */
export interface ReleaseTarget {
  issueId: string;
  series: string;
  year: number;
  /** 1 for the issue as first released; 2 and up for corrected editions. */
  edition: number;
  draftId: string;
  inputHash: string;
  /** Stored ahead of its release second: named by this random seal, not by the issue. */
  seal?: string;
}

/** What storing a release wrote: the PDF, every other key, and catalog fields for the issue. */
export interface StoredRelease {
  s3Key: string;
  sha256: string;
  /** Every object written beside the PDF (web edition …): removed with it when the number is lost. */
  otherKeys: string[];
  /** Catalog fields of the issue from the stored files (webKey, contents, searchText …). */
  fields: Partial<Issue>;
}

export interface LifecycleDeps {
  catalog: LifecycleCatalog;
  archive: Archive;
  /** Builds the job of a request (its parameters as stored with drafts and runs). */
  resolveJob(params: Record<string, string>): Promise<ReportJob>;
  timeZone: string;
  /** The calendar's now (an issue's year, embargoes); the system clock when absent. */
  clock?: Clock;
  /** The same as a function (older callers); `clock` wins when both are given. */
  now?: () => Date;
  log?: (message: string) => void;
  /** Tells confirmed subscribers of a release or a correction (one notice each, idempotent). */
  notify?(issue: Issue, what: 'release' | 'correction'): Promise<void>;
  /** Checks a draft before release (e.g. article figures against records); throws to block it. */
  checkBeforeRelease?(draft: Draft, job: ReportJob): Promise<void>;
  /** Arranges the embargo release on AWS (an EventBridge Scheduler one-time schedule). */
  scheduleRelease?(draftId: string, at: Date): Promise<void>;
  /** Removes what `scheduleRelease` arranged (the draft could not be marked scheduled after all). */
  cancelRelease?(draftId: string): Promise<void>;
  /** Lease of a slot's run and of a release (ms); a holder past it is taken for dead. */
  leaseMs?: number;
  /**
   * How long a run waits for a slot another run holds before it fails with a retryable
   * LeaseHeldError (default: three leases). A Lambda waits at most half of its remaining time,
   * so the error — not the function's timeout — ends the attempt and its retry comes.
   */
  slotWaitMs?: number;
  /** Stores a release's files (the PDF and what goes beside it); by default the PDF alone. */
  store?(target: ReleaseTarget, rendered: RenderedPdf): Promise<StoredRelease>;
  /** The records behind printed figures (the corrections queue compares revisions). */
  records: CorrectionsDeps['records'];
}

const DEFAULT_LEASE_MS = 120_000;
const lease = (deps: LifecycleDeps) => deps.leaseMs ?? DEFAULT_LEASE_MS;
/** Now, by the deps' clock: an issue's year, embargoes, and the leases of runs and slot waits. */
export const nowOf = (deps: Pick<LifecycleDeps, 'clock' | 'now'>): Date =>
  deps.clock?.now() ?? deps.now?.() ?? new Date();

/** A stable hash of a request's parameters: a reused request id must carry the same ones. */
export function paramsHashOf(params: Record<string, string>): string {
  const sorted = Object.keys(params)
    .sort()
    .map((k) => [k, params[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 32);
}

export interface TriggerOptions {
  /** The slot: the scheduled time, or an on-demand request id. */
  slotKey: string;
  /** `schedule`, `api`, `cli` … (recorded with the run). */
  trigger: string;
  /** Make a draft even when the inputs equal the latest release's. */
  force?: boolean;
  /** Release at once even when the series requires review (`npm start` on an empty store). */
  releaseWithoutReview?: boolean;
  /** Take a finished or failed slot again (retry). */
  retake?: boolean;
  /** Who releases when the review rule is waived (recorded); default: the trigger, first run. */
  releasedBy?: string;
  /**
   * The run kept on its slot's trigger, written with the claim and ended with the trigger's
   * finish (two writes a run fewer): the all-zones batch's zones. Listed, read and retried as
   * any run; a run that never holds its slot (held by a live run, or already done) records
   * nothing — the slot's trigger says who has it and what came of it.
   */
  runOnTrigger?: boolean;
}

export interface TriggerResult {
  run: Run;
  outcome: RunOutcome;
  /** What happened, in one sentence for the operator. */
  message: string;
  draft?: Draft;
  issue?: Issue;
  /** Local path of the PDF rendered by this run, if any (the release's when it released). */
  pdfPath?: string;
  /** What this run printed last (the draft's or the release's render), if it printed. */
  rendered?: RenderedPdf;
  /** True when the series' review rule was bent to release at once. */
  reviewBent?: boolean;
}

/**
 * A trigger of a slot: makes its draft (once per slot, whatever races), and releases it at once
 * when the series needs no review. Unchanged inputs and empty periods make no draft.
 */
export async function triggerReport(
  deps: LifecycleDeps,
  params: Record<string, string>,
  opts: TriggerOptions,
  /** The job, when the caller built it already (the all-zones plan). */
  prepared?: ReportJob,
): Promise<TriggerResult> {
  const job = prepared ?? (await deps.resolveJob(params));
  const started = nowOf(deps);
  const onTrigger = opts.runOnTrigger === true;
  const runId = onTrigger ? runOnTriggerId(started, randomUUID()) : randomUUID();
  const run: Run = {
    runId,
    slotKey: opts.slotKey,
    series: job.series,
    kind: job.kind,
    params,
    trigger: opts.trigger,
    ...(opts.releaseWithoutReview ? { releaseWithoutReview: true } : {}),
    ...(opts.releasedBy ? { releasedBy: opts.releasedBy } : {}),
    startedAt: started.toISOString(),
    outcome: 'running',
    leaseUntil: started.getTime() + lease(deps),
  };
  if (!onTrigger) await deps.catalog.putRun(run);
  deps.log?.(`运行 (run) ${runId} · 槽位 (slot) ${opts.slotKey} · ${job.series}`);
  const endOf = (outcome: RunOutcome, message: string, extra: Partial<TriggerResult>) => ({
    outcome,
    detail: message,
    finishedAt: nowOf(deps).toISOString(),
    draftId: extra.draft?.id,
    issueId: extra.issue?.id,
  });
  /** Ends the run: its own item (the trigger's finish ends a run kept on it). */
  const end = async (
    outcome: RunOutcome,
    message: string,
    extra: Partial<TriggerResult> = {},
    fields: Partial<Run> = endOf(outcome, message, extra),
  ): Promise<TriggerResult> => {
    if (!onTrigger) await deps.catalog.updateRun(runId, fields);
    deps.log?.(message);
    return { run: { ...run, ...fields }, outcome, message, ...extra };
  };

  let claim;
  try {
    claim = await waitForSlot(deps, job, params, opts, runId, onTrigger ? run : undefined);
  } catch (err) {
    await end('failed', messageOf(err));
    throw err;
  }
  if (!claim.owned) {
    const t = claim.trigger;
    const draft = t.draftId ? await deps.catalog.getDraft(t.draftId) : undefined;
    // The slot's draft may have been released (or discarded) since its run ended.
    const issueId = t.issueId ?? draft?.issueId;
    const issue = issueId ? await issueOf(deps, issueId) : undefined;
    const outcome: RunOutcome =
      draft?.status === 'published'
        ? 'released'
        : draft?.status === 'discarded'
          ? 'discarded'
          : (t.outcome ?? 'drafted');
    return end(outcome, `槽位 (slot) ${opts.slotKey} 已处理过：${t.detail ?? t.outcome}`, {
      ...(draft ? { draft } : {}),
      ...(issue ? { issue } : {}),
    });
  }

  const finish = async (
    outcome: RunOutcome,
    message: string,
    extra: Partial<TriggerResult> = {},
  ) => {
    const fields = endOf(outcome, message, extra);
    await deps.catalog.finishTrigger(
      job.series,
      opts.slotKey,
      runId,
      {
        state: outcome === 'failed' ? 'failed' : 'done',
        outcome,
        draftId: extra.draft?.id,
        issueId: extra.issue?.id,
        detail: message,
      },
      onTrigger ? fields : undefined,
    );
    return end(outcome, message, extra, fields);
  };

  /** The place in the numbering line the draft is written with, when released at once. */
  let taken: TakenPlace | undefined;
  try {
    const draftId = draftIdFor(job.series, opts.slotKey);
    // A slot claimed for the first time has no draft yet (its id is the slot's); should one be
    // there all the same, creating it returns that one.
    let draft = claim.resumed ? await deps.catalog.getDraft(draftId) : undefined;
    /** Made by this run just now: released without reading it again. */
    let madeNow = false;
    let rendered: RenderedPdf | undefined;
    const bend = job.review === 'required' && opts.releaseWithoutReview === true;
    // Released at once: the draft is not printed (the release prints the numbered PDF).
    const immediate = job.review === 'none' || bend;
    /** Who releases it at once: the draft this run makes is written held by it. */
    const releaser = randomUUID();
    if (!draft) {
      const inputs = await job.prepare();
      if (inputs.empty)
        return await finish('empty', `未生成 ${job.title} ${job.period} 的稿件：${inputs.empty}`);
      /** The report's open drafts before this one was made (read when not forced). */
      let openBefore: Draft[] | undefined;
      if (!opts.force) {
        const latest = await deps.catalog.latestOfReport(job.series, job.reportKey);
        if (latest?.inputHash === inputs.inputHash)
          return await finish(
            'unchanged',
            `自 ${latest.id}（${job.title} ${latest.period ?? ''}）发布以来数据未变：该期已发布，不生成新稿件（--force 可强制生成）`,
            { issue: latest },
          );
        openBefore = await deps.catalog.openDrafts({ reportKey: job.reportKey });
        const same = openBefore.find(
          (d) =>
            d.reportKey === job.reportKey && d.inputHash === inputs.inputHash && !d.correctionOf,
        );
        if (same)
          return await finish(
            'unchanged',
            `输入相同的稿件 ${same.id} 已存在（${statusWord(same.status)}），不生成新稿件（--force 可强制生成）`,
            { draft: same },
          );
      }
      // Released at once: its number taken in the line now, and written with the draft as its
      // first attempt (no attempt written after it).
      if (immediate) taken = await takePlace(deps, job.series, job.reference);
      const made = await makeDraft(deps, job, inputs, {
        id: draftId,
        slotKey: opts.slotKey,
        params,
        runId,
        print: !immediate,
        immediate,
        // Released at once: written already held by its release (no beginRelease after it).
        ...(immediate ? { heldBy: { owner: releaser, leaseMs: lease(deps) } } : {}),
        ...(taken ? { attemptTotal: taken.numbering.total } : {}),
      });
      draft = made.draft;
      rendered = made.rendered;
      madeNow = made.created;
      // A draft there before this run's: released from its own state, not with this place.
      if (!madeNow) await taken?.giveUp();
      // In a series that needs no review every trigger's draft is released at once, and those
      // are never superseded: what this draft can supersede was made before the series' rule
      // changed, long before the read above — so that read serves (one Query a zone profile).
      await supersedeOthers(
        deps,
        draft,
        job.review === 'none' && made.created ? openBefore : undefined,
      );
    }
    if (!OPEN_DRAFT_STATES.includes(draft.status)) {
      const issue = draft.issueId ? await issueOf(deps, draft.issueId) : undefined;
      return await finish(
        draft.status === 'published' ? 'released' : 'drafted',
        `槽位 (slot) ${opts.slotKey}：稿件 ${draft.id} ${statusWord(draft.status)}`,
        { draft, ...(issue ? { issue } : {}) },
      );
    }
    if (immediate) {
      const release = await releaseWithJob(
        deps,
        draft.id,
        {
          by: bend
            ? (opts.releasedBy ?? `${opts.trigger}（首次运行，免审）`)
            : `${opts.trigger}（该刊无需审核）`,
        },
        job,
        madeNow ? draft : undefined,
        madeNow ? releaser : undefined,
        madeNow ? taken : undefined,
      );
      const issue = release.issue;
      rendered = release.rendered ?? rendered;
      const released = release.draft ?? (await deps.catalog.getDraft(draft.id));
      return await finish(
        'released',
        `已发布 ${issue.id}（${formatNumbering(issue)}）${bend ? (opts.releasedBy ? `，由 ${opts.releasedBy} 直接发布` : '；该刊本需审核，首次运行免审') : ''}`,
        { draft: released ?? draft, issue, reviewBent: bend, ...printedBy(rendered) },
      );
    }
    return await finish(
      'drafted',
      `稿件 ${draft.id} 待审：审阅后用 bulletin release ${draft.id} 发布（或 bulletin discard ${draft.id} 弃用）`,
      { draft, ...printedBy(rendered) },
    );
  } catch (err) {
    // The releases after it in the line number again at once, not after the writes below.
    await taken?.giveUp();
    await finish('failed', `运行 ${runId} 失败：${messageOf(err)}`).catch(() => undefined);
    throw err;
  } finally {
    await taken?.giveUp();
  }
}

function printedBy(rendered: RenderedPdf | undefined): Partial<TriggerResult> {
  if (!rendered) return {};
  return { rendered, ...(rendered.pdfPath ? { pdfPath: rendered.pdfPath } : {}) };
}

/** Claims the slot; waits while another live run holds it. */
async function waitForSlot(
  deps: LifecycleDeps,
  job: ReportJob,
  params: Record<string, string>,
  opts: TriggerOptions,
  runId: string,
  /** The run, kept on the trigger it claims. */
  run?: Run,
) {
  const req = {
    series: job.series,
    slotKey: opts.slotKey,
    paramsHash: paramsHashOf(params),
    runId,
    leaseMs: lease(deps),
    ...(run ? { run } : {}),
  };
  const waitMs = deps.slotWaitMs ?? lease(deps) * 3;
  const deadline = nowOf(deps).getTime() + waitMs;
  // Also counted in what it slept: a clock that stands still (a test's) cannot hold it for ever.
  let slept = 0;
  for (;;) {
    const claim = await deps.catalog.claimTrigger(req, { retake: opts.retake === true });
    if (claim.owned || claim.trigger.state !== 'running') return claim;
    // Held: the holder may be alive, or dead with its lease still running. Either way this run
    // has not done the work, so it must not answer as if it had: fail, and let a retry see.
    if (nowOf(deps).getTime() >= deadline || slept >= waitMs)
      throw new LeaseHeldError(
        'lifecycle',
        `槽位 (slot) ${opts.slotKey} 仍被另一次运行占用（运行 ${claim.trigger.owner}，租约至 ${formatBeijing(claim.trigger.leaseUntil, { seconds: true })}）：稍后重试 (retryable)`,
      );
    const pause = 50 + Math.random() * 150;
    slept += pause;
    await new Promise((r) => setTimeout(r, pause));
  }
}

async function makeDraft(
  deps: LifecycleDeps,
  job: ReportJob,
  inputs: PreparedInputs,
  ids: {
    id: string;
    slotKey: string;
    params: Record<string, string>;
    runId?: string;
    correctionOf?: string;
    edition?: number;
    corrections?: CorrectionLine[];
    label?: EditionLabel;
    numbering?: { year: number; number: number; total: number };
    /** False for a draft released at once: its release prints the only PDF. */
    print?: boolean;
    immediate?: boolean;
    /**
     * A draft released at once is written `releasing`, held by its release (as `beginRelease`
     * would leave it, one UpdateItem less): should the process die before it is numbered, its
     * lease runs out and it shows as a release cut off, resumed by a retry.
     */
    heldBy?: { owner: string; leaseMs: number };
    /** Held: the total its release tries first ({@link TakenPlace}). */
    attemptTotal?: number;
  },
): Promise<{ draft: Draft; created: boolean; rendered?: RenderedPdf }> {
  const createdAt = nowOf(deps);
  const rendered =
    ids.print === false
      ? undefined
      : await job.render({
          date: createdAt,
          ...(ids.numbering ? { numbering: ids.numbering } : {}),
          ...(ids.edition
            ? {
                edition: ids.edition,
                corrections: ids.corrections ?? [],
                ...(ids.label ? { label: ids.label } : {}),
              }
            : {}),
        });
  const sha = rendered && sha256Hex(rendered.pdf);
  const s3Key = rendered && `drafts/${job.series}/${ids.id}-${sha!.slice(0, 16)}.pdf`;
  if (rendered && s3Key)
    await deps.archive.put(s3Key, rendered.pdf, {
      fileName: draftFileName(rendered.fileName),
      metadata: { draft: ids.id },
      sha256: sha!,
    });
  // Its web edition beside it (read in the console only).
  const web =
    rendered?.view && s3Key
      ? await storeDraftWebEdition(
          deps.archive,
          { id: ids.id, pdfKey: s3Key, fileName: draftFileName(rendered.fileName) },
          rendered.view,
        )
      : {};
  const draft: Draft = {
    id: ids.id,
    series: job.series,
    kind: job.kind,
    slotKey: ids.slotKey,
    reportKey: job.reportKey,
    params: ids.params,
    period: job.period,
    title: job.title,
    status: 'draft',
    inputHash: inputs.inputHash,
    ...(rendered && s3Key && sha
      ? {
          s3Key,
          fileName: draftFileName(rendered.fileName),
          sha256: sha,
          bytes: rendered.pdf.byteLength,
          pages: rendered.pages,
          ...web,
        }
      : {}),
    printed: inputs.printed,
    ...(rendered?.view ? { places: recordPlacesOf(rendered.view) } : {}),
    ...(inputs.articles?.length ? { articles: inputs.articles } : {}),
    createdAt: createdAt.toISOString(),
    ...(ids.immediate ? { immediate: true } : {}),
    ...(ids.heldBy && ids.attemptTotal !== undefined ? { attemptTotal: ids.attemptTotal } : {}),
    ...(ids.runId ? { runId: ids.runId } : {}),
    ...(ids.correctionOf
      ? {
          correctionOf: ids.correctionOf,
          edition: ids.edition,
          corrections: ids.corrections,
          ...(ids.label ? { label: ids.label } : {}),
        }
      : {}),
  };
  const { draft: stored, created } = await deps.catalog.createDraft(
    draft,
    ids.heldBy ? { heldBy: ids.heldBy } : {},
  );
  if (!created && s3Key && stored.s3Key !== s3Key)
    for (const key of draftFileKeys({ s3Key, ...web })) await removeQuietly(deps, key);
  return { draft: stored, created, ...(created && rendered ? { rendered } : {}) };
}

function draftFileName(fileName: string): string {
  return fileName.replace(/\.pdf$/, '') + '-样稿.pdf';
}

/**
 * Older open drafts of the same report are superseded by a newer one (never numbered).
 * @param known the report's open drafts as read just before `draft` was made, when they serve.
 */
async function supersedeOthers(deps: LifecycleDeps, draft: Draft, known?: Draft[]) {
  const others =
    known ?? (await deps.catalog.openDrafts({ reportKey: draft.reportKey, except: draft.id }));
  for (const other of others) {
    if (other.id === draft.id || other.reportKey !== draft.reportKey) continue;
    if (Boolean(other.correctionOf) !== Boolean(draft.correctionOf)) continue;
    if (other.status === 'releasing') continue;
    // A draft on its way to release by its own trigger, or one newer than this, stays.
    if (other.immediate || other.createdAt > draft.createdAt) continue;
    try {
      await deps.catalog.transitionDraft(other.id, 'supersede', {
        reason: `被 ${draft.id} 取代`,
        decidedAt: nowOf(deps).toISOString(),
      });
      for (const key of draftFileKeys(other)) await removeQuietly(deps, key);
      deps.log?.(`稿件 ${other.id} 已被新稿件 ${draft.id} 取代`);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
}

export interface ReleaseOptions {
  /** Who releases (recorded). */
  by: string;
  /** Embargo: release at this instant instead of now. */
  at?: Date;
  /**
   * The instant the release was planned for (an embargo's time, when the embargo fires it):
   * the issue's year and masthead date are taken from it, not from when the release runs.
   */
  plannedAt?: Date;
}

/**
 * Releases a draft now (numbering it), or schedules it for `opts.at`. Idempotent: releasing a
 * released draft returns its issue. A release that dies half-way is resumed by the next call
 * after its lease, and never takes a second number.
 */
export async function releaseDraft(
  deps: LifecycleDeps,
  draftId: string,
  opts: ReleaseOptions,
): Promise<Issue> {
  return (await releaseWithJob(deps, draftId, opts)).issue;
}

/** How a draft released before was released: the issue it became (or corrected), by whom, when. */
export interface EarlierRelease {
  draft: Draft;
  issue: Issue;
  /** The edition the draft became (1, or the corrected edition's number). */
  edition: number;
  by: string;
  /** ISO */
  at: string;
}

/**
 * The release a draft already had, or undefined when it has not been released: releasing it
 * again changes nothing, and whoever asks is told who released it and when.
 * @throws NotFoundError for an unknown draft id.
 */
export async function earlierRelease(
  deps: LifecycleDeps,
  draftId: string,
): Promise<EarlierRelease | undefined> {
  const draft = await requireDraft(deps, draftId);
  if (draft.status !== 'published' || !draft.issueId) return undefined;
  const issue = await issueOf(deps, draft.issueId);
  if (!issue) return undefined;
  const edition = issue.editions?.find((e) => e.draftId === draft.id);
  return {
    draft,
    issue,
    edition: edition?.edition ?? 1,
    by: draft.decidedBy ?? edition?.releasedBy ?? issue.releasedBy ?? '',
    at: draft.decidedAt ?? edition?.releasedAt ?? issue.publishedAt ?? issue.createdAt,
  };
}

/** {@link releaseDraft}, reusing the job that made the draft when there is one; with its render. */
async function releaseWithJob(
  deps: LifecycleDeps,
  draftId: string,
  opts: ReleaseOptions,
  made?: ReportJob,
  /** The draft as this run just created it (not read again). */
  known?: Draft,
  /** The owner `known` was created held by (`makeDraft`'s `heldBy`): no beginRelease. */
  heldBy?: string,
  /** The place in the numbering line `known` was written with (its `attemptTotal`). */
  taken?: TakenPlace,
): Promise<{ issue: Issue; rendered?: RenderedPdf; draft?: Draft }> {
  const draft = known?.id === draftId ? known : await requireDraft(deps, draftId);
  if (draft.status === 'published' && draft.issueId)
    return { issue: (await issueOf(deps, draft.issueId))! };
  if (opts.at && opts.at.getTime() > nowOf(deps).getTime()) {
    throw new ConflictError(
      'lifecycle',
      `${formatBeijing(opts.at)} 的定时发布须用 scheduleRelease（稿件 ${draftId}）`,
    );
  }
  const createdHeld =
    heldBy !== undefined && draft.status === 'releasing' && draft.releaseOwner === heldBy;
  const owner = createdHeld ? heldBy : randomUUID();
  const held = createdHeld ? draft : await deps.catalog.beginRelease(draftId, owner, lease(deps));
  try {
    const job = made ?? (await deps.resolveJob(held.params));
    const inputs = await job.prepare();
    if (inputs.inputHash !== held.inputHash)
      throw new ConflictError(
        'lifecycle',
        `稿件 ${draftId} 生成后其输入（记录、文章、模板或刊物配置）已变：请重新触发，生成新稿件`,
      );
    await deps.checkBeforeRelease?.(held, job);
    const usable = createdHeld && !held.correctionOf && !opts.plannedAt;
    const first = usable && held.attemptTotal === taken?.numbering.total ? taken : undefined;
    // Not this release's first attempt: out of the line before it joins again behind it.
    if (taken && !first) await taken.giveUp();
    const { issue, rendered } = held.correctionOf
      ? await releaseCorrection(deps, held, job, owner, opts.by)
      : await numberAndStore(deps, held, job, inputs, owner, opts.by, opts.plannedAt, first);
    const released = await deps.catalog.completeRelease(
      draftId,
      owner,
      issue.id,
      opts.by,
      nowOf(deps).toISOString(),
      held,
    );
    for (const key of draftFileKeys(held)) await removeQuietly(deps, key);
    await deps.notify?.(issue, held.correctionOf ? 'correction' : 'release');
    return { issue, draft: released, ...(rendered ? { rendered } : {}) };
  } catch (err) {
    await deps.catalog.abortRelease(draftId, owner, messageOf(err)).catch(() => undefined);
    // A correction that lost to a withdraw is closed, not left open for review.
    await closeIfWithdrawn(deps, held).catch(() => undefined);
    throw err;
  }
}

/** The release proper: render with the next number, store, write the numbered issue. */
async function numberAndStore(
  deps: LifecycleDeps,
  draft: Draft,
  job: ReportJob,
  inputs: PreparedInputs,
  owner: string,
  by: string,
  plannedAt?: Date,
  /** The place the draft was written with (its `attemptTotal`): the first attempt's. */
  taken?: TakenPlace,
): Promise<{ issue: Issue; rendered?: RenderedPdf }> {
  // A run that died after its put: the number it tried may already be this draft's. (Not a
  // draft this run has just written with its place: nothing was tried with it yet.)
  if (draft.attemptTotal !== undefined && !taken) {
    const tried = await deps.catalog.issueByTotal(draft.series, draft.attemptTotal);
    if (tried?.draftId === draft.id) return { issue: tried };
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = attempt === 0 ? taken : undefined;
    const now = first?.now ?? nowOf(deps);
    // The year of 年第N期 is the date of the planned release (the embargo's time, or now for an
    // immediate release) in the series' zone: an embargo at 23:59:50 on 31 December that fires
    // late is still that year's issue.
    const planned = plannedAt ?? now;
    const place = first?.place ?? joinNumberingLine(deps, draft.series, job.reference, planned);
    try {
      const won = await numberOnce(
        deps,
        draft,
        job,
        inputs,
        by,
        owner,
        { now, planned },
        place,
        first !== undefined,
      );
      if (won) return won;
    } finally {
      // A no-op once it wrote its issue; given up last in flight, it writes what the counter
      // owes for the releases before it.
      const owed = place.settle(false);
      if (owed) await deps.catalog.advanceCounter(draft.series, owed).catch(() => undefined);
    }
    // Another release took that number first, or the one before in the line gave up: the files
    // printed with that number are gone; try the next.
  }
  throw new ConflictError('lifecycle', `稿件 ${draft.id} 试了 50 次仍未取得期号`);
}

/**
 * Joins the numbering line of `series` in this process: releases of the series print side by
 * side, each with the number after the one before it, and write in that order
 * (numbering-line.ts).
 */
function joinNumberingLine(
  deps: LifecycleDeps,
  series: string,
  reference: ReportJob['reference'],
  planned: Date,
): Place {
  return numberingLineOf(deps.catalog, series).join(
    async () => (await deps.catalog.lastNumbering(series)) ?? reference,
    (last) => nextNumbering(last, datePartsIn(planned, deps.timeZone).year),
  );
}

/**
 * A release's place in the numbering line taken before its draft was written, and written
 * with the draft as its attempt (`attemptTotal`, held by the release): its first attempt
 * writes no attempt of its own — one UpdateItem less a zone profile. Whoever took it settles it
 * (`settle(false)` is a no-op once the release has settled it).
 */
interface TakenPlace {
  place: Place;
  numbering: Numbering;
  /** When it was taken: the first attempt's `now`. */
  now: Date;
  /** Leaves the line unless the release settled its place (then a no-op). */
  giveUp(): Promise<void>;
}

/** A place in the line of `series` taken now, its number known ({@link TakenPlace}). */
async function takePlace(
  deps: LifecycleDeps,
  series: string,
  reference: ReportJob['reference'],
): Promise<TakenPlace> {
  const now = nowOf(deps);
  const place = joinNumberingLine(deps, series, reference, now);
  const giveUp = async () => {
    // Given up last in flight, it writes what the counter owes (as an attempt does).
    const owed = place.settle(false);
    if (owed) await deps.catalog.advanceCounter(series, owed).catch(() => undefined);
  };
  try {
    return { place, now, numbering: await place.numbering, giveUp };
  } catch (err) {
    await giveUp();
    throw err;
  }
}

/** One attempt of {@link numberAndStore}: print with the number of `place`, store, write. */
async function numberOnce(
  deps: LifecycleDeps,
  draft: Draft,
  job: ReportJob,
  inputs: PreparedInputs,
  by: string,
  owner: string,
  { now, planned }: { now: Date; planned: Date },
  place: Place,
  /** The draft was written with this attempt and its lease just now ({@link TakenPlace}). */
  recorded = false,
): Promise<{ issue: Issue; rendered?: RenderedPdf } | undefined> {
  const numbering = await place.numbering;
  // Each attempt renews the lease: a release outrun by others for the number (ten render
  // Lambdas of one series at once) is alive, and keeps its draft.
  if (!recorded) await deps.catalog.recordAttempt(draft.id, owner, numbering.total, lease(deps));
  const id = `${draft.series}-${numbering.total}`;
  // An embargo printed ahead with this very number is stored already (embargo.ts); otherwise
  // print now — before the second (a release started ahead of it), under a sealed name.
  const sealed = sealedFit(draft, numbering, planned, inputs.inputHash);
  // Release times compare at whole seconds (core/embargo.ts).
  const second = releaseSecond(planned);
  const rendered = sealed ? undefined : await job.render({ numbering, date: planned });
  const stored =
    sealed ??
    (await storeRelease(
      deps,
      {
        issueId: id,
        series: draft.series,
        year: numbering.year,
        edition: 1,
        draftId: draft.id,
        inputHash: inputs.inputHash,
        ...(second > now.getTime() ? { seal: newSeal() } : {}),
      },
      rendered!,
    ));
  const file = sealed ?? {
    fileName: rendered!.fileName,
    bytes: rendered!.pdf.byteLength,
    pages: rendered!.pages,
  };
  const { s3Key, sha256 } = stored;
  const removeFiles = async () => {
    for (const key of [s3Key, ...stored.otherKeys]) await removeQuietly(deps, key);
  };
  // The number follows the release before this one in the line: written first, or not at all.
  if (!(await place.predecessorStored(lease(deps) / 2))) {
    await removeFiles();
    return undefined;
  }
  // The catalog entry is the release: written at its second, not before (equal access).
  await untilInstant(() => nowOf(deps), new Date(second));
  const writtenAt = nowOf(deps);
  const at = writtenAt.toISOString();
  const edition: IssueEdition = {
    edition: 1,
    s3Key,
    fileName: file.fileName,
    sha256,
    bytes: file.bytes,
    pages: file.pages,
    inputHash: inputs.inputHash,
    releasedAt: at,
    releasedBy: by,
    draftId: draft.id,
    ...(stored.otherKeys.length ? { otherKeys: stored.otherKeys } : {}),
  };
  const issue: Issue = {
    id,
    series: draft.series,
    kind: draft.kind,
    ...numbering,
    slotKey: draft.slotKey,
    status: 'published',
    period: draft.period,
    title: draft.title,
    s3Key,
    fileName: file.fileName,
    sha256,
    bytes: file.bytes,
    pages: file.pages,
    inputHash: inputs.inputHash,
    ...(inputs.inputsKey ? { inputsKey: inputs.inputsKey } : {}),
    ...(inputs.dataKey ? { dataKey: inputs.dataKey } : {}),
    createdAt: draft.createdAt,
    publishedAt: at,
    ...(planned.getTime() !== writtenAt.getTime() ? { plannedAt: planned.toISOString() } : {}),
    edition: 1,
    editions: [edition],
    draftId: draft.id,
    reportKey: draft.reportKey,
    params: draft.params,
    releasedBy: by,
    ...stored.fields,
  };
  // The counter is the line's to write: by the last release in flight (numbering-line.ts).
  const written = await deps.catalog.putIssue(issue, inputs.printed, { advanceCounter: false });
  if (written) {
    const last = place.last();
    if (last)
      await deps.catalog
        .advanceCounter(draft.series, numbering)
        // It only speeds up the next numbering: a lagging one is advanced by whoever finds its
        // number taken, so a failure here must not fail a release already written.
        .catch(() => undefined);
    place.settle(true, last);
    deps.log?.(`已发布 ${id}（${formatNumbering(issue)}），来自稿件 ${draft.id}`);
    return { issue: written, ...(rendered ? { rendered } : {}) };
  }
  const taken = await deps.catalog.issueByTotal(draft.series, numbering.total);
  await removeFiles();
  if (taken?.draftId === draft.id) {
    // Written by an earlier attempt of this release; the refused put advanced the counter.
    place.settle(true, true);
    return { issue: taken };
  }
  return undefined;
}

async function releaseCorrection(
  deps: LifecycleDeps,
  draft: Draft,
  job: ReportJob,
  _owner: string,
  by: string,
): Promise<{ issue: Issue; rendered?: RenderedPdf }> {
  const issue = await issueOf(deps, draft.correctionOf!);
  if (!issue) throw new NotFoundError('lifecycle', `没有这一期：${draft.correctionOf}`);
  if (issue.editions?.some((e) => e.draftId === draft.id)) return { issue };
  const editionNo = draft.edition ?? (issue.edition ?? 1) + 1;
  const now = nowOf(deps);
  const rendered = await job.render({
    numbering: { year: issue.year, number: issue.number, total: issue.total },
    date: new Date(issue.publishedAt ?? issue.createdAt),
    edition: editionNo,
    corrections: draft.corrections ?? [],
    ...(draft.label ? { label: draft.label } : {}),
  });
  const stored = await storeRelease(
    deps,
    {
      issueId: issue.id,
      series: issue.series,
      year: issue.year,
      edition: editionNo,
      draftId: draft.id,
      inputHash: draft.inputHash,
    },
    rendered,
  );
  const { s3Key, sha256 } = stored;
  const corrected = await deps.catalog.applyCorrection(
    issue.id,
    editionNo - 1,
    {
      edition: editionNo,
      s3Key,
      fileName: rendered.fileName,
      sha256,
      bytes: rendered.pdf.byteLength,
      pages: rendered.pages,
      inputHash: draft.inputHash,
      releasedAt: now.toISOString(),
      releasedBy: by,
      draftId: draft.id,
      ...(stored.otherKeys.length ? { otherKeys: stored.otherKeys } : {}),
      corrections: draft.corrections ?? [],
      ...(draft.label ? { label: draft.label } : {}),
    },
    draft.printed ?? [],
    // The key of the inputs of the issue's current edition: an older one must not match.
    { ...stored.fields, inputsKey: (await job.prepare()).inputsKey ?? '', dataKey: '' },
  );
  deps.log?.(`已发布 ${issue.id} 的第 ${editionNo} 版（${draft.label?.kind ?? '修订'}版）`);
  return { issue: corrected, rendered };
}

/** The key of a release's PDF: named by its issue, edition and content. */
export function releaseKey(target: ReleaseTarget, sha256: string): string {
  if (target.seal) return sealedKey({ ...target, seal: target.seal }, sha256);
  const edition = target.edition > 1 ? `-e${target.edition}` : '';
  return `issues/${target.series}/${target.year}/${target.issueId}${edition}-${sha256.slice(0, 16)}.pdf`;
}

/** Stores a release with the deps' store, or the PDF alone. */
export async function storeRelease(
  deps: LifecycleDeps,
  target: ReleaseTarget,
  rendered: RenderedPdf,
): Promise<StoredRelease> {
  if (deps.store) return deps.store(target, rendered);
  const sha256 = sha256Hex(rendered.pdf);
  const s3Key = releaseKey(target, sha256);
  await deps.archive.put(s3Key, rendered.pdf, {
    fileName: rendered.fileName,
    metadata: {
      issue: target.issueId,
      draft: target.draftId,
      edition: String(target.edition),
      'input-hash': target.inputHash,
    },
    sha256,
  });
  return { s3Key, sha256, otherKeys: [], fields: {} };
}

/** Schedules the release of a draft for an embargo time (the local scheduler or EventBridge fires it). */
export async function scheduleRelease(
  deps: LifecycleDeps,
  draftId: string,
  opts: { at: Date; by: string },
): Promise<Draft> {
  if (!isWholeSecond(opts.at))
    throw new ValidationError('lifecycle', [
      {
        file: '发布时间',
        location: draftId,
        field: 'at',
        message: `发布时间须为整秒（EventBridge Scheduler 的 at() 不含毫秒）：${opts.at.toISOString()}`,
      },
    ]);
  // The schedule first, then the mark: a draft marked `scheduled` always has a schedule that
  // will fire. A failed call leaves the draft as it was; a mark refused after the schedule was
  // made takes the schedule away again (and a schedule left by a crash in between finds its
  // draft not scheduled and does nothing).
  const current = await requireDraft(deps, draftId);
  const refusal = refusalOf(`稿件 ${draftId}`, 'schedule', current.status);
  if (refusal) throw new ConflictError('lifecycle', refusal);
  await deps.scheduleRelease?.(draftId, opts.at);
  let draft: Draft;
  try {
    draft = await deps.catalog.transitionDraft(draftId, 'schedule', {
      releaseAt: opts.at.toISOString(),
      decidedBy: opts.by,
    });
  } catch (err) {
    await deps
      .cancelRelease?.(draftId)
      .catch((cancel: unknown) =>
        deps.log?.(`未能删除稿件 ${draftId} 的定时发布计划：${messageOf(cancel)}`),
      );
    throw err;
  }
  deps.log?.(`稿件 ${draftId} 将于 ${formatBeijing(opts.at)} 发布`);
  return draft;
}

/**
 * Releases every scheduled draft whose time has come (the local scheduler's tick; the AWS
 * schedule's target). With `aheadMs`, an issue due within that time is released ahead and its
 * catalog entry written at its second (embargo.ts: equal access); a corrected edition waits.
 */
export async function releaseDue(
  deps: LifecycleDeps,
  opts: { draftId?: string; aheadMs?: number } = {},
): Promise<{ released: Issue[]; failed: { draftId: string; reason: string }[] }> {
  const now = nowOf(deps);
  const horizon = new Date(now.getTime() + (opts.aheadMs ?? 0));
  // One light Query finds the embargoes due; only those drafts are read (the tick runs each second).
  const due = opts.draftId
    ? [opts.draftId]
    : (await deps.catalog.scheduledReleases())
        .filter((s) => isReleaseDue(s.releaseAt, horizon))
        .map((s) => s.draftId);
  const drafts = (await Promise.all(due.map((id) => deps.catalog.getDraft(id))))
    .filter((d): d is Draft => d !== undefined)
    .sort((a, b) => Date.parse(a.releaseAt ?? '') - Date.parse(b.releaseAt ?? ''));
  if (opts.draftId && !drafts.length) await requireDraft(deps, opts.draftId);
  const released: Issue[] = [];
  const failed: { draftId: string; reason: string }[] = [];
  for (const d of drafts) {
    if (!d.releaseAt || !isReleaseDue(d.releaseAt, d.correctionOf ? now : horizon)) continue;
    // A release that died mid-way leaves the draft `releasing`: the named draft's schedule
    // tries it again (a live holder's lease makes that a retryable LeaseHeldError, never a
    // quiet "nothing due"); the sweep takes over one whose lease has run out.
    const dead = d.status === 'releasing' && (d.leaseUntil ?? 0) < now.getTime();
    const retry = d.status === 'releasing' && (opts.draftId !== undefined || dead);
    if (d.status !== 'scheduled' && !retry) continue;
    try {
      released.push(
        await releaseDraft(deps, d.id, {
          by: `${d.decidedBy ?? 'operator'}（定时发布 ${formatBeijing(d.releaseAt)}）`,
          plannedAt: new Date(d.releaseAt),
        }),
      );
    } catch (err) {
      failed.push({ draftId: d.id, reason: messageOf(err) });
      deps.log?.(`稿件 ${d.id} 定时发布失败：${messageOf(err)}`);
    }
  }
  return { released, failed };
}

export async function discardDraft(
  deps: LifecycleDeps,
  draftId: string,
  opts: { by: string; reason?: string },
): Promise<Draft> {
  const draft = await deps.catalog.transitionDraft(draftId, 'discard', {
    decidedBy: opts.by,
    decidedAt: nowOf(deps).toISOString(),
    reason: opts.reason,
  });
  for (const key of draftFileKeys(draft)) await removeQuietly(deps, key);
  return draft;
}

export async function withdrawIssue(
  deps: LifecycleDeps,
  issueId: string,
  opts: { by: string; reason: string; replacedBy?: string },
): Promise<Issue> {
  if (!opts.reason.trim()) throw new ConflictError('lifecycle', '撤回须注明原因（--reason "…"）');
  if (opts.replacedBy) {
    const replacement = await issueOf(deps, opts.replacedBy);
    if (replacement?.status !== 'published' || replacement.id === issueId)
      throw new ConflictError(
        'lifecycle',
        `替代期 ${opts.replacedBy} 须为另一已发布的期（--replaced-by 期号，例如 torch-bulletin-552）`,
      );
  }
  const withdrawn = await deps.catalog.withdraw(
    issueId,
    opts.reason.trim(),
    opts.by,
    nowOf(deps).toISOString(),
    opts.replacedBy,
  );
  // Its corrections drafted before are closed (one being released closes itself when it fails).
  for (const draft of await deps.catalog.openDrafts())
    if (draft.correctionOf === issueId && draft.status !== 'releasing')
      await closeIfWithdrawn(deps, draft);
  return withdrawn;
}

/**
 * Closes (discards) the draft of a correction whose issue has been withdrawn — a correction
 * that lost a race to a withdraw must not stay open. Returns whether the issue is withdrawn.
 */
async function closeIfWithdrawn(
  deps: LifecycleDeps,
  draft: Pick<Draft, 'id' | 'correctionOf' | 's3Key'>,
): Promise<boolean> {
  if (!draft.correctionOf) return false;
  const issue = await issueOf(deps, draft.correctionOf);
  if (issue?.status !== 'withdrawn') return false;
  try {
    await deps.catalog.transitionDraft(draft.id, 'discard', {
      decidedBy: issue.withdrawn?.by,
      decidedAt: nowOf(deps).toISOString(),
      reason: `${issue.id} 已撤回：其修订版稿件作废`,
    });
    await removeQuietly(deps, draft.s3Key);
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err; // closed, or being released, meanwhile
  }
  return true;
}

/**
 * Makes the draft of a corrected edition of a released issue: same number, 修订版 on the
 * masthead, a 勘误说明 with each changed figure old → new and the source of the revision.
 * It goes through review like any draft.
 */
export async function correctIssue(
  deps: LifecycleDeps,
  issueId: string,
  opts: {
    by: string;
    trigger?: string;
    /** 修订 (default: a source revised its figures) or 更正 (we printed something wrong). */
    kind?: EditionKind;
    /** Why; a 修订's default names the sources of the revisions, a 更正 needs one. */
    cause?: string;
    /** What it affects; by default the figures changed. */
    effect?: string;
    /** Pages of the issue on which a changed figure is printed. */
    pages?: number[];
  },
): Promise<TriggerResult> {
  if (!parseIssueId(issueId))
    throw new NotFoundError(
      'lifecycle',
      `"${issueId}" 不是期号 (issue id)，例如 torch-bulletin-551`,
    );
  const issue = await issueOf(deps, issueId);
  if (!issue) throw new NotFoundError('lifecycle', `没有这一期：${issueId}`);
  if (issue.status !== 'published' || !issue.params)
    throw new ConflictError(
      'lifecycle',
      issue.status !== 'published'
        ? (refusalOf(`${issueId} 这一期`, 'correct', issue.status) ?? '')
        : `${issueId} 这一期早于编辑流程，没有可重新运行的请求`,
    );
  const changes = await changedFigures(deps, issueId);
  if (!changes.length)
    throw new ConflictError('lifecycle', `${issueId} 发布后，其刊印的记录均未修订：无需勘误`);
  const label = editionLabelOf(changes, opts);
  // The issue's own period, whatever the request left to resolve (an older issue is corrected
  // against its period, not against the latest one).
  const params = issue.period ? { ...issue.params, period: issue.period } : issue.params;
  const job = await deps.resolveJob(params);
  const inputs = await job.prepare();
  const edition = (issue.edition ?? 1) + 1;
  const slotKey = `correct:${issueId}:e${edition}:${inputs.inputHash.slice(0, 12)}`;
  const runId = randomUUID();
  const started = nowOf(deps).toISOString();
  const run: Run = {
    runId,
    slotKey,
    series: issue.series,
    kind: issue.kind,
    params,
    trigger: opts.trigger ?? `correct ${issueId}`,
    startedAt: started,
    outcome: 'running',
    leaseUntil: Date.parse(started) + lease(deps),
  };
  await deps.catalog.putRun(run);
  const { draft, rendered } = await makeDraft(deps, job, inputs, {
    id: draftIdFor(issue.series, slotKey),
    slotKey,
    params,
    runId,
    correctionOf: issueId,
    edition,
    corrections: changes,
    label,
    numbering: { year: issue.year, number: issue.number, total: issue.total },
  });
  await supersedeOthers(deps, draft);
  // Withdrawn since it was found published: the correction lost the race, its draft is closed.
  if (await closeIfWithdrawn(deps, draft)) {
    const detail = `${issueId} 在勘误期间已撤回：修订版稿件 ${draft.id} 已作废`;
    await deps.catalog.updateRun(runId, {
      outcome: 'discarded',
      detail,
      finishedAt: nowOf(deps).toISOString(),
      draftId: draft.id,
    });
    throw new ConflictError('lifecycle', detail);
  }
  let result: TriggerResult = {
    run,
    outcome: 'drafted',
    message: `${issueId} 的修订版稿件 ${draft.id}（第 ${edition} 版，${changes.length} 个数字有变动）待审：审阅后用 bulletin release ${draft.id} 发布`,
    draft,
    ...printedBy(rendered),
  };
  if (job.review === 'none') {
    const corrected = await releaseDraft(deps, draft.id, {
      by: `${opts.by}（该刊无需审核）`,
    });
    result = {
      ...result,
      outcome: 'released',
      issue: corrected,
      message: `已发布 ${issueId} 的第 ${edition} 版（修订版）`,
    };
  }
  await deps.catalog.updateRun(runId, {
    outcome: result.outcome,
    detail: result.message,
    finishedAt: nowOf(deps).toISOString(),
    draftId: draft.id,
    issueId: result.issue?.id,
  });
  deps.log?.(result.message);
  return { ...result, run: { ...run, outcome: result.outcome, detail: result.message } };
}

/** Runs newest first; a running run past its lease shows as `interrupted`. */
export async function listRuns(
  deps: LifecycleDeps,
  opts: { limit?: number } = {},
): Promise<(Run & { state: RunOutcome | 'interrupted' })[]> {
  const now = nowOf(deps).getTime();
  return (await deps.catalog.listRuns(opts)).map((r) => ({
    ...r,
    state: r.outcome === 'running' && (r.leaseUntil ?? 0) < now ? 'interrupted' : r.outcome,
  }));
}

/** Retries a failed or interrupted run: the same request, the same slot, resumed. */
export async function retryRun(
  deps: LifecycleDeps,
  runId: string,
  opts: Omit<TriggerOptions, 'slotKey' | 'trigger' | 'retake'> = {},
): Promise<TriggerResult> {
  const run = await deps.catalog.getRun(runId);
  if (!run) throw new NotFoundError('lifecycle', `没有运行记录 ${runId}（bulletin runs 列出全部）`);
  const interrupted = run.outcome === 'running' && (run.leaseUntil ?? 0) < nowOf(deps).getTime();
  if (run.outcome !== 'failed' && !interrupted)
    throw new ConflictError(
      'lifecycle',
      `运行 ${runId} ${run.outcome === 'running' ? '仍在进行' : `已结束，${statusWord(run.outcome)}`}：只能重试失败或中断的运行`,
    );
  return triggerReport(deps, run.params, {
    ...(run.releaseWithoutReview ? { releaseWithoutReview: true } : {}),
    ...(run.releasedBy ? { releasedBy: run.releasedBy } : {}),
    ...opts,
    slotKey: run.slotKey,
    trigger: `重试 ${runId}`,
    retake: true,
  });
}

/**
 * Removes objects no catalog entry points at: a put whose catalog write never came (a crash, a
 * lost race), drafts discarded or superseded. Objects younger than `graceMs` are left alone
 * (their run may be between its put and its catalog write).
 */
export async function sweepOrphans(
  deps: LifecycleDeps,
  opts: { graceMs?: number; dryRun?: boolean } = {},
): Promise<{ checked: number; removed: string[] }> {
  const grace = opts.graceMs ?? 60 * 60_000;
  const cutoff = nowOf(deps).getTime() - grace;
  const removed: string[] = [];
  let checked = 0;
  for (const prefix of ['drafts/', 'issues/', 'workbooks/', 'covers/']) {
    for await (const obj of deps.archive.list(prefix)) {
      checked += 1;
      if (obj.lastModified.getTime() > cutoff) continue;
      if (await referenced(deps, obj.key)) continue;
      if (!opts.dryRun) await deps.archive.delete(obj.key);
      removed.push(obj.key);
      deps.log?.(`${opts.dryRun ? '将删除' : '已删除'}孤儿文件 ${obj.key}`);
    }
  }
  return { checked, removed };
}

async function referenced(deps: LifecycleDeps, key: string): Promise<boolean> {
  const owner = archiveKeyOwner(key);
  // Not a name we write: leave it.
  if (!owner) return true;
  let issueId = 'issueId' in owner ? owner.issueId : undefined;
  if ('draftId' in owner) {
    const draft = await deps.catalog.getDraft(owner.draftId);
    const open = !!draft && OPEN_DRAFT_STATES.includes(draft.status);
    if (!owner.sealed) return open && draftFileKeys(draft!).includes(key);
    // An embargo printed ahead: its draft's until released, then the issue's it became.
    if (open && sealedKeys(draft!.sealed).includes(key)) return true;
    issueId = draft?.issueId;
  }
  const issue = issueId ? await issueOf(deps, issueId) : undefined;
  if (!issue) return false;
  return [issue, ...(issue.editions ?? [])].some((entry) => keysOf(entry).includes(key));
}

/** Every archive key an issue or edition names (`s3Key`, `webKey`, … and lists of keys). */
function keysOf(entry: object): string[] {
  const strings = (v: unknown): string[] =>
    typeof v === 'string'
      ? [v]
      : Array.isArray(v)
        ? v.flatMap(strings)
        : v && typeof v === 'object'
          ? Object.values(v).flatMap(strings)
          : [];
  return Object.entries(entry).flatMap(([name, value]) =>
    /Keys?$/.test(name) ? strings(value) : [],
  );
}

/** `2026年第1期(总第551期)` */
export function formatNumbering(issue: { year: number; number: number; total: number }): string {
  return `${issue.year}年第${issue.number}期(总第${issue.total}期)`;
}

async function requireDraft(deps: LifecycleDeps, draftId: string): Promise<Draft> {
  if (!parseDraftId(draftId))
    throw new NotFoundError(
      'lifecycle',
      `"${draftId}" 不是稿件号 (draft id)（bulletin drafts 列出全部）`,
    );
  const draft = await deps.catalog.getDraft(draftId);
  if (!draft)
    throw new NotFoundError('lifecycle', `没有稿件 ${draftId}（bulletin drafts 列出全部）`);
  return draft;
}

async function issueOf(deps: LifecycleDeps, issueId: string): Promise<Issue | undefined> {
  const parsed = parseIssueId(issueId);
  return parsed ? deps.catalog.issueByTotal(parsed.series, parsed.total) : undefined;
}

async function removeQuietly(deps: LifecycleDeps, key: string | undefined) {
  if (!key) return;
  await deps.archive.delete(key).catch((err: unknown) => {
    deps.log?.(`未能删除 ${key}（bulletin sweep 会清理）：${messageOf(err)}`);
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
