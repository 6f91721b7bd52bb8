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
import { createHash, randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../errors.ts';
import { datePartsIn } from '../core/format.ts';
import {
  draftIdFor,
  nextNumbering,
  OPEN_DRAFT_STATES,
  parseDraftId,
  parseIssueId,
  type Draft,
  type PrintedRecord,
  type ReviewRule,
} from '../core/lifecycle.ts';
import type { CorrectionLine, Issue, IssueEdition } from '../core/model.ts';
import { sha256Hex } from '../core/digest.ts';
import type { Archive, LifecycleCatalog, Run, RunOutcome } from './ports.ts';

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
  /** Loads the inputs once: their hash (records, articles, template, series config), the records printed, or why the period is empty. */
  prepare(): Promise<PreparedInputs>;
  /** Renders from the prepared inputs; without `numbering` the masthead prints the draft placeholder. */
  render(opts: RenderOptions): Promise<RenderedPdf>;
}

export interface PreparedInputs {
  inputHash: string;
  printed: PrintedRecord[];
  /** Set when the period has no data for the series' key indicators: no draft is made. */
  empty?: string;
}

export interface RenderOptions {
  numbering?: { year: number; number: number; total: number };
  /** Publication date printed on the masthead. */
  date: Date;
  /** 2 and up: a corrected edition (修订版) with its 勘误说明. */
  edition?: number;
  corrections?: CorrectionLine[];
}

export interface RenderedPdf {
  pdf: Uint8Array;
  pages: number;
  fileName: string;
  /** Local copy of the PDF, when the renderer wrote one. */
  pdfPath?: string;
}

export interface LifecycleDeps {
  catalog: LifecycleCatalog;
  archive: Archive;
  /** Builds the job of a request (its parameters as stored with drafts and runs). */
  resolveJob(params: Record<string, string>): Promise<ReportJob>;
  timeZone: string;
  now?: () => Date;
  log?: (message: string) => void;
  /** Tells confirmed subscribers of a release or a correction (one notice each, idempotent). */
  notify?(issue: Issue, what: 'release' | 'correction'): Promise<void>;
  /** Checks a draft before release (e.g. article figures against records); throws to block it. */
  checkBeforeRelease?(draft: Draft, job: ReportJob): Promise<void>;
  /** Arranges the embargo release on AWS (an EventBridge Scheduler one-time schedule). */
  scheduleRelease?(draftId: string, at: Date): Promise<void>;
  /** Lease of a slot's run and of a release (ms); a holder past it is taken for dead. */
  leaseMs?: number;
}

const DEFAULT_LEASE_MS = 120_000;
const lease = (deps: LifecycleDeps) => deps.leaseMs ?? DEFAULT_LEASE_MS;
const nowOf = (deps: LifecycleDeps) => deps.now?.() ?? new Date();

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
}

export interface TriggerResult {
  run: Run;
  outcome: RunOutcome;
  /** What happened, in one sentence for the operator. */
  message: string;
  draft?: Draft;
  issue?: Issue;
  /** Local path of the PDF rendered by this run, if any. */
  pdfPath?: string;
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
): Promise<TriggerResult> {
  const job = await deps.resolveJob(params);
  const runId = randomUUID();
  const started = nowOf(deps);
  const run: Run = {
    runId,
    slotKey: opts.slotKey,
    series: job.series,
    kind: job.kind,
    params,
    trigger: opts.trigger,
    startedAt: started.toISOString(),
    outcome: 'running',
    leaseUntil: Date.now() + lease(deps),
  };
  await deps.catalog.putRun(run);
  deps.log?.(`run ${runId} · slot ${opts.slotKey} · ${job.series}`);
  const end = async (
    outcome: RunOutcome,
    message: string,
    extra: Partial<TriggerResult> = {},
  ): Promise<TriggerResult> => {
    const fields: Partial<Run> = {
      outcome,
      detail: message,
      finishedAt: nowOf(deps).toISOString(),
      draftId: extra.draft?.id,
      issueId: extra.issue?.id,
    };
    await deps.catalog.updateRun(runId, fields);
    deps.log?.(message);
    return { run: { ...run, ...fields }, outcome, message, ...extra };
  };

  let claim;
  try {
    claim = await waitForSlot(deps, job, params, opts, runId);
  } catch (err) {
    await end('failed', messageOf(err));
    throw err;
  }
  if (!claim.owned) {
    const t = claim.trigger;
    const draft = t.draftId ? await deps.catalog.getDraft(t.draftId) : undefined;
    const issue = t.issueId ? await issueOf(deps, t.issueId) : undefined;
    return end(
      t.outcome ?? 'drafted',
      `slot ${opts.slotKey} was already handled: ${t.detail ?? t.outcome}`,
      {
        ...(draft ? { draft } : {}),
        ...(issue ? { issue } : {}),
      },
    );
  }

  const finish = async (
    outcome: RunOutcome,
    message: string,
    extra: Partial<TriggerResult> = {},
  ) => {
    await deps.catalog.finishTrigger(job.series, opts.slotKey, runId, {
      state: outcome === 'failed' ? 'failed' : 'done',
      outcome,
      draftId: extra.draft?.id,
      issueId: extra.issue?.id,
      detail: message,
    });
    return end(outcome, message, extra);
  };

  try {
    const draftId = draftIdFor(job.series, opts.slotKey);
    let draft = await deps.catalog.getDraft(draftId);
    let pdfPath: string | undefined;
    if (!draft) {
      const inputs = await job.prepare();
      if (inputs.empty)
        return await finish('empty', `no draft for ${job.title} ${job.period}: ${inputs.empty}`);
      if (!opts.force) {
        const latest = await deps.catalog.latestOfReport(job.series, job.reportKey);
        if (latest?.inputHash === inputs.inputHash)
          return await finish(
            'unchanged',
            `nothing changed since ${latest.id} (${job.title} ${latest.period ?? ''}): it is already out; no new draft (--force makes one)`,
            { issue: latest },
          );
        const same = (await deps.catalog.openDrafts()).find(
          (d) =>
            d.reportKey === job.reportKey && d.inputHash === inputs.inputHash && !d.correctionOf,
        );
        if (same)
          return await finish(
            'unchanged',
            `draft ${same.id} with the same inputs is already ${same.status}; no new draft (--force makes one)`,
            { draft: same },
          );
      }
      const made = await makeDraft(deps, job, inputs, {
        id: draftId,
        slotKey: opts.slotKey,
        params,
        runId,
      });
      draft = made.draft;
      pdfPath = made.pdfPath;
      await supersedeOthers(deps, draft);
    }
    if (!OPEN_DRAFT_STATES.includes(draft.status)) {
      const issue = draft.issueId ? await issueOf(deps, draft.issueId) : undefined;
      return await finish(
        draft.status === 'published' ? 'released' : 'drafted',
        `slot ${opts.slotKey}: draft ${draft.id} is ${draft.status}`,
        { draft, ...(issue ? { issue } : {}) },
      );
    }
    const bend = job.review === 'required' && opts.releaseWithoutReview === true;
    if (job.review === 'none' || bend) {
      const issue = await releaseDraft(deps, draft.id, {
        by: bend
          ? `${opts.trigger} (first run: review waived)`
          : `${opts.trigger} (series needs no review)`,
      });
      const released = await deps.catalog.getDraft(draft.id);
      return await finish(
        'released',
        `released ${issue.id} (${formatNumbering(issue)})${bend ? ' — the series needs review, waived for this first run' : ''}`,
        { draft: released ?? draft, issue, reviewBent: bend, ...(pdfPath ? { pdfPath } : {}) },
      );
    }
    return await finish(
      'drafted',
      `draft ${draft.id} is ready for review: bulletin release ${draft.id} (or discard)`,
      { draft, ...(pdfPath ? { pdfPath } : {}) },
    );
  } catch (err) {
    await finish('failed', `run ${runId} failed: ${messageOf(err)}`).catch(() => undefined);
    throw err;
  }
}

/** Claims the slot; waits while another live run holds it. */
async function waitForSlot(
  deps: LifecycleDeps,
  job: ReportJob,
  params: Record<string, string>,
  opts: TriggerOptions,
  runId: string,
) {
  const req = {
    series: job.series,
    slotKey: opts.slotKey,
    paramsHash: paramsHashOf(params),
    runId,
    leaseMs: lease(deps),
  };
  const deadline = Date.now() + lease(deps) * 3;
  for (;;) {
    const claim = await deps.catalog.claimTrigger(req, { retake: opts.retake === true });
    if (claim.owned || claim.trigger.state !== 'running') return claim;
    if (Date.now() > deadline)
      throw new ConflictError('lifecycle', `slot ${opts.slotKey} is still held by another run`);
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 150));
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
    numbering?: { year: number; number: number; total: number };
  },
): Promise<{ draft: Draft; pdfPath?: string }> {
  const createdAt = nowOf(deps);
  const rendered = await job.render({
    date: createdAt,
    ...(ids.numbering ? { numbering: ids.numbering } : {}),
    ...(ids.edition ? { edition: ids.edition, corrections: ids.corrections ?? [] } : {}),
  });
  const sha = sha256Hex(rendered.pdf);
  const s3Key = `drafts/${job.series}/${ids.id}-${sha.slice(0, 16)}.pdf`;
  await deps.archive.put(s3Key, rendered.pdf, {
    fileName: draftFileName(rendered.fileName),
    metadata: { draft: ids.id },
  });
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
    s3Key,
    fileName: draftFileName(rendered.fileName),
    sha256: sha,
    bytes: rendered.pdf.byteLength,
    pages: rendered.pages,
    printed: inputs.printed,
    createdAt: createdAt.toISOString(),
    ...(ids.runId ? { runId: ids.runId } : {}),
    ...(ids.correctionOf
      ? { correctionOf: ids.correctionOf, edition: ids.edition, corrections: ids.corrections }
      : {}),
  };
  const { draft: stored, created } = await deps.catalog.createDraft(draft);
  if (!created && stored.s3Key !== s3Key) await removeQuietly(deps, s3Key);
  return { draft: stored, ...(created && rendered.pdfPath ? { pdfPath: rendered.pdfPath } : {}) };
}

function draftFileName(fileName: string): string {
  return fileName.replace(/\.pdf$/, '') + '-样稿.pdf';
}

/** Older open drafts of the same report are superseded by a newer one (never numbered). */
async function supersedeOthers(deps: LifecycleDeps, draft: Draft) {
  for (const other of await deps.catalog.openDrafts()) {
    if (other.id === draft.id || other.reportKey !== draft.reportKey) continue;
    if (Boolean(other.correctionOf) !== Boolean(draft.correctionOf)) continue;
    if (other.status === 'releasing') continue;
    try {
      await deps.catalog.transitionDraft(other.id, 'supersede', {
        reason: `superseded by ${draft.id}`,
        decidedAt: nowOf(deps).toISOString(),
      });
      await removeQuietly(deps, other.s3Key);
      deps.log?.(`draft ${other.id} superseded by ${draft.id}`);
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
  const draft = await requireDraft(deps, draftId);
  if (draft.status === 'published' && draft.issueId) return (await issueOf(deps, draft.issueId))!;
  if (opts.at && opts.at.getTime() > nowOf(deps).getTime()) {
    throw new ConflictError(
      'lifecycle',
      `use scheduleRelease for a release at ${opts.at.toISOString()} (draft ${draftId})`,
    );
  }
  const owner = randomUUID();
  const held = await deps.catalog.beginRelease(draftId, owner, lease(deps));
  try {
    const job = await deps.resolveJob(held.params);
    const inputs = await job.prepare();
    if (inputs.inputHash !== held.inputHash)
      throw new ConflictError(
        'lifecycle',
        `the inputs of draft ${draftId} changed since it was made (records, articles, template or series config): trigger again for a new draft`,
      );
    await deps.checkBeforeRelease?.(held, job);
    const issue = held.correctionOf
      ? await releaseCorrection(deps, held, job, owner, opts.by)
      : await numberAndStore(deps, held, job, inputs, owner, opts.by);
    await deps.catalog.completeRelease(
      draftId,
      owner,
      issue.id,
      opts.by,
      nowOf(deps).toISOString(),
    );
    await removeQuietly(deps, held.s3Key);
    await deps.notify?.(issue, held.correctionOf ? 'correction' : 'release');
    return issue;
  } catch (err) {
    await deps.catalog.abortRelease(draftId, owner, messageOf(err)).catch(() => undefined);
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
): Promise<Issue> {
  // A run that died after its put: the number it tried may already be this draft's.
  if (draft.attemptTotal !== undefined) {
    const tried = await deps.catalog.issueByTotal(draft.series, draft.attemptTotal);
    if (tried?.draftId === draft.id) return tried;
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const now = nowOf(deps);
    const last = (await deps.catalog.lastNumbering(draft.series)) ?? job.reference;
    const numbering = nextNumbering(last, datePartsIn(now, deps.timeZone).year);
    await deps.catalog.recordAttempt(draft.id, owner, numbering.total);
    const rendered = await job.render({ numbering, date: now });
    const sha256 = sha256Hex(rendered.pdf);
    const id = `${draft.series}-${numbering.total}`;
    const s3Key = `issues/${draft.series}/${numbering.year}/${id}-${sha256.slice(0, 16)}.pdf`;
    await deps.archive.put(s3Key, rendered.pdf, {
      fileName: rendered.fileName,
      metadata: { issue: id, draft: draft.id, 'input-hash': inputs.inputHash },
    });
    const at = now.toISOString();
    const edition: IssueEdition = {
      edition: 1,
      s3Key,
      fileName: rendered.fileName,
      sha256,
      bytes: rendered.pdf.byteLength,
      pages: rendered.pages,
      inputHash: inputs.inputHash,
      releasedAt: at,
      releasedBy: by,
      draftId: draft.id,
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
      fileName: rendered.fileName,
      sha256,
      bytes: rendered.pdf.byteLength,
      pages: rendered.pages,
      inputHash: inputs.inputHash,
      createdAt: draft.createdAt,
      publishedAt: at,
      edition: 1,
      editions: [edition],
      draftId: draft.id,
      reportKey: draft.reportKey,
      params: draft.params,
      releasedBy: by,
    };
    const written = await deps.catalog.putIssue(issue, inputs.printed);
    if (written) {
      deps.log?.(`released ${id} (${formatNumbering(issue)}) from draft ${draft.id}`);
      return written;
    }
    const taken = await deps.catalog.issueByTotal(draft.series, numbering.total);
    if (taken?.draftId === draft.id) {
      await removeQuietly(deps, s3Key);
      return taken;
    }
    // Another release took that number first: our PDF printed it, so it goes; try the next.
    await removeQuietly(deps, s3Key);
  }
  throw new ConflictError('lifecycle', `could not number draft ${draft.id} after 50 attempts`);
}

async function releaseCorrection(
  deps: LifecycleDeps,
  draft: Draft,
  job: ReportJob,
  _owner: string,
  by: string,
): Promise<Issue> {
  const issue = await issueOf(deps, draft.correctionOf!);
  if (!issue) throw new NotFoundError('lifecycle', `no issue ${draft.correctionOf}`);
  if (issue.editions?.some((e) => e.draftId === draft.id)) return issue;
  const editionNo = draft.edition ?? (issue.edition ?? 1) + 1;
  const now = nowOf(deps);
  const rendered = await job.render({
    numbering: { year: issue.year, number: issue.number, total: issue.total },
    date: new Date(issue.publishedAt ?? issue.createdAt),
    edition: editionNo,
    corrections: draft.corrections ?? [],
  });
  const sha256 = sha256Hex(rendered.pdf);
  const s3Key = `issues/${issue.series}/${issue.year}/${issue.id}-e${editionNo}-${sha256.slice(0, 16)}.pdf`;
  await deps.archive.put(s3Key, rendered.pdf, {
    fileName: rendered.fileName,
    metadata: { issue: issue.id, draft: draft.id, edition: String(editionNo) },
  });
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
      corrections: draft.corrections ?? [],
    },
    draft.printed ?? [],
  );
  deps.log?.(`released edition ${editionNo} (修订版) of ${issue.id}`);
  return corrected;
}

/** Schedules the release of a draft for an embargo time (the local scheduler or EventBridge fires it). */
export async function scheduleRelease(
  deps: LifecycleDeps,
  draftId: string,
  opts: { at: Date; by: string },
): Promise<Draft> {
  const draft = await deps.catalog.transitionDraft(draftId, 'schedule', {
    releaseAt: opts.at.toISOString(),
    decidedBy: opts.by,
  });
  await deps.scheduleRelease?.(draftId, opts.at);
  deps.log?.(`draft ${draftId} will be released at ${opts.at.toISOString()}`);
  return draft;
}

/** Releases every scheduled draft whose time has come (the local scheduler's tick; the AWS schedule's target). */
export async function releaseDue(
  deps: LifecycleDeps,
  opts: { draftId?: string } = {},
): Promise<{ released: Issue[]; failed: { draftId: string; reason: string }[] }> {
  const now = nowOf(deps).getTime();
  const drafts = opts.draftId
    ? [await requireDraft(deps, opts.draftId)]
    : await deps.catalog.openDrafts();
  const released: Issue[] = [];
  const failed: { draftId: string; reason: string }[] = [];
  for (const d of drafts) {
    if (d.status !== 'scheduled' || !d.releaseAt || Date.parse(d.releaseAt) > now) continue;
    try {
      released.push(
        await releaseDraft(deps, d.id, {
          by: `${d.decidedBy ?? 'operator'} (embargo ${d.releaseAt})`,
        }),
      );
    } catch (err) {
      failed.push({ draftId: d.id, reason: messageOf(err) });
      deps.log?.(`embargo release of ${d.id} failed: ${messageOf(err)}`);
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
  await removeQuietly(deps, draft.s3Key);
  return draft;
}

export async function withdrawIssue(
  deps: LifecycleDeps,
  issueId: string,
  opts: { by: string; reason: string },
): Promise<Issue> {
  if (!opts.reason.trim())
    throw new ConflictError('lifecycle', 'a withdrawal needs a reason (--reason "…")');
  return deps.catalog.withdraw(issueId, opts.reason.trim(), opts.by, nowOf(deps).toISOString());
}

/** One released issue whose printed records were revised since, with what changed. */
export interface CorrectionCandidate {
  issueId: string;
  title: string;
  edition: number;
  changes: CorrectionLine[];
}

/** Compares what an issue printed with the records as they are now. */
export function diffPrinted(printed: PrintedRecord[], now: PrintedRecord[]): CorrectionLine[] {
  const current = new Map(now.map((r) => [r.key, r]));
  const lines: CorrectionLine[] = [];
  for (const old of printed) {
    const cur = current.get(old.key);
    if (!cur || (cur.value === old.value && cur.revision === old.revision)) continue;
    if (cur.value === old.value) continue;
    const [zone = '', indicator = '', period = ''] = old.key.split('#');
    lines.push({
      zone,
      indicator,
      period,
      printedAs: old.label,
      oldValue: old.value,
      newValue: cur.value,
      unit: cur.unit,
      oldRevision: old.revision,
      newRevision: cur.revision,
      source: cur.source,
    });
  }
  return lines;
}

/** Released issues of the given series whose records were revised after release. */
export async function correctionCandidates(
  deps: LifecycleDeps,
  series: string[],
): Promise<CorrectionCandidate[]> {
  const out: CorrectionCandidate[] = [];
  for (const s of series) {
    const issues = (await deps.catalog.allIssues(s)).filter(
      (i) => i.status === 'published' && i.params,
    );
    // Only the latest issue of each report can be corrected against the current records.
    const seen = new Set<string>();
    for (const issue of issues) {
      const key = issue.reportKey ?? issue.series;
      if (seen.has(key)) continue;
      seen.add(key);
      const printed = await deps.catalog.printedOf(issue.id);
      const job = await deps.resolveJob(issue.params!);
      const changes = diffPrinted(printed, (await job.prepare()).printed);
      if (changes.length)
        out.push({
          issueId: issue.id,
          title: issue.title ?? s,
          edition: issue.edition ?? 1,
          changes,
        });
    }
  }
  return out;
}

/**
 * Makes the draft of a corrected edition of a released issue: same number, 修订版 on the
 * masthead, a 勘误说明 with each changed figure old → new and the source of the revision.
 * It goes through review like any draft.
 */
export async function correctIssue(
  deps: LifecycleDeps,
  issueId: string,
  opts: { by: string; trigger?: string },
): Promise<TriggerResult> {
  if (!parseIssueId(issueId))
    throw new NotFoundError(
      'lifecycle',
      `"${issueId}" is not an issue id (e.g. torch-bulletin-551)`,
    );
  const issue = await issueOf(deps, issueId);
  if (!issue) throw new NotFoundError('lifecycle', `no issue ${issueId}`);
  if (issue.status !== 'published' || !issue.params)
    throw new ConflictError(
      'lifecycle',
      issue.status !== 'published'
        ? `cannot correct issue ${issueId}: it is ${issue.status} (allowed only from published)`
        : `issue ${issueId} predates the editorial cycle: it has no request to re-run`,
    );
  const job = await deps.resolveJob(issue.params);
  const inputs = await job.prepare();
  const changes = diffPrinted(await deps.catalog.printedOf(issueId), inputs.printed);
  if (!changes.length)
    throw new ConflictError(
      'lifecycle',
      `no record behind ${issueId} changed since its release: nothing to correct`,
    );
  const edition = (issue.edition ?? 1) + 1;
  const slotKey = `correct:${issueId}:e${edition}:${inputs.inputHash.slice(0, 12)}`;
  const runId = randomUUID();
  const started = nowOf(deps).toISOString();
  const run: Run = {
    runId,
    slotKey,
    series: issue.series,
    kind: issue.kind,
    params: issue.params,
    trigger: opts.trigger ?? `correct ${issueId}`,
    startedAt: started,
    outcome: 'running',
    leaseUntil: Date.now() + lease(deps),
  };
  await deps.catalog.putRun(run);
  const { draft, pdfPath } = await makeDraft(deps, job, inputs, {
    id: draftIdFor(issue.series, slotKey),
    slotKey,
    params: issue.params,
    runId,
    correctionOf: issueId,
    edition,
    corrections: changes,
    numbering: { year: issue.year, number: issue.number, total: issue.total },
  });
  await supersedeOthers(deps, draft);
  let result: TriggerResult = {
    run,
    outcome: 'drafted',
    message: `correction draft ${draft.id} of ${issueId} (edition ${edition}, ${changes.length} changed figure(s)) is ready for review`,
    draft,
    ...(pdfPath ? { pdfPath } : {}),
  };
  if (job.review === 'none') {
    const corrected = await releaseDraft(deps, draft.id, {
      by: `${opts.by} (series needs no review)`,
    });
    result = {
      ...result,
      outcome: 'released',
      issue: corrected,
      message: `released edition ${edition} (修订版) of ${issueId}`,
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
  const now = Date.now();
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
  if (!run) throw new NotFoundError('lifecycle', `no run ${runId} (bulletin runs lists them)`);
  const interrupted = run.outcome === 'running' && (run.leaseUntil ?? 0) < Date.now();
  if (run.outcome !== 'failed' && !interrupted)
    throw new ConflictError(
      'lifecycle',
      `run ${runId} ${run.outcome === 'running' ? 'is still running' : `ended ${run.outcome}`}: only a failed or interrupted run is retried`,
    );
  return triggerReport(deps, run.params, {
    ...opts,
    slotKey: run.slotKey,
    trigger: `retry of ${runId}`,
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
  for (const prefix of ['drafts/', 'issues/']) {
    for await (const obj of deps.archive.list(prefix)) {
      checked += 1;
      if (obj.lastModified.getTime() > cutoff) continue;
      if (await referenced(deps, obj.key)) continue;
      if (!opts.dryRun) await deps.archive.delete(obj.key);
      removed.push(obj.key);
      deps.log?.(`${opts.dryRun ? 'would remove' : 'removed'} orphan ${obj.key}`);
    }
  }
  return { checked, removed };
}

async function referenced(deps: LifecycleDeps, key: string): Promise<boolean> {
  const draftMatch = /^drafts\/[^/]+\/(.+)-[0-9a-f]{16}\.pdf$/.exec(key);
  if (draftMatch) {
    const draft = await deps.catalog.getDraft(draftMatch[1]!);
    return !!draft && draft.s3Key === key && OPEN_DRAFT_STATES.includes(draft.status);
  }
  const issueMatch = /^issues\/[^/]+\/\d{4}\/(.+?-\d+)(?:-e\d+)?-[0-9a-f]{16}\.pdf$/.exec(key);
  if (issueMatch) {
    const issue = await issueOf(deps, issueMatch[1]!);
    if (!issue) return false;
    return issue.s3Key === key || (issue.editions ?? []).some((e) => e.s3Key === key);
  }
  // Not a name we write: leave it.
  return true;
}

/** `2026年第1期(总第551期)` */
export function formatNumbering(issue: { year: number; number: number; total: number }): string {
  return `${issue.year}年第${issue.number}期(总第${issue.total}期)`;
}

async function requireDraft(deps: LifecycleDeps, draftId: string): Promise<Draft> {
  if (!parseDraftId(draftId))
    throw new NotFoundError(
      'lifecycle',
      `"${draftId}" is not a draft id (bulletin drafts lists them)`,
    );
  const draft = await deps.catalog.getDraft(draftId);
  if (!draft)
    throw new NotFoundError('lifecycle', `no draft ${draftId} (bulletin drafts lists them)`);
  return draft;
}

async function issueOf(deps: LifecycleDeps, issueId: string): Promise<Issue | undefined> {
  const parsed = parseIssueId(issueId);
  return parsed ? deps.catalog.issueByTotal(parsed.series, parsed.total) : undefined;
}

async function removeQuietly(deps: LifecycleDeps, key: string | undefined) {
  if (!key) return;
  await deps.archive.delete(key).catch((err: unknown) => {
    deps.log?.(`could not remove ${key} (the sweep will): ${messageOf(err)}`);
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
