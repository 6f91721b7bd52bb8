/**
 * The ports: every interface through which the application (`app/`, `reports/`) reaches an
 * outside service. Adapters (`adapters/<service>/`) implement them; `wiring/services.ts`
 * picks the adapters; `app/` imports its types from here and never from an adapter module.
 */
import type {
  Article,
  CorrectionDismissal,
  IndicatorRecord,
  Issue,
  IssueEdition,
} from '../core/model.ts';
import type { Draft, PrintedRecord } from '../core/lifecycle.ts';
import type { Granularity } from '../core/periods.ts';
import type { RecordKey } from '../core/record-key.ts';
import type { DeskRecord, DraftAccess, Role } from '../core/desk.ts';

export type { RecordKey };

// ── Time: the one source of "now" for the cycle's calendar decisions (an issue's year, an
//    embargo, the release calendar). Wiring gives the system clock; tests any instant.

export interface Clock {
  now(): Date;
}

// ── Records: indicator observations with their revisions, periods and articles (DynamoDB).

export interface ArticleKey {
  series: string;
  period: string;
  id: string;
}

/** What writing one record did. */
export type WriteOutcome = 'created' | 'revised' | 'unchanged';

/** A stored revision of an article. */
export interface ArticleRevision {
  article: Article;
  revision: number;
}

export interface BatchWriteResult {
  batchId: string;
  /** In input order. */
  records: WriteOutcome[];
  articles: WriteOutcome[];
}

export interface RecordStore {
  /** Current (latest revision) values for many keys; absent keys are missing from the map. */
  currentValues(keys: RecordKey[]): Promise<Map<string, IndicatorRecord>>;
  /**
   * Stores a whole batch, all or nothing: a record (or article) that differs from its current
   * revision becomes a new revision, the earlier one kept; an unchanged one is skipped. The
   * batch becomes visible to every read at once, when all of it is written; a failure or a
   * kill at any point leaves the store as it was. One batch writes at a time (others wait).
   * The records may come as a stream of chunks (written as they come, in bounded memory; an
   * error thrown by the stream undoes the batch); `total` is their count, for `onProgress`.
   */
  writeBatch(
    batch: {
      records:
        | readonly Omit<IndicatorRecord, 'revision'>[]
        | AsyncIterable<readonly Omit<IndicatorRecord, 'revision'>[]>;
      articles: Article[];
    },
    opts?: { onProgress?: (done: number, total: number) => void; total?: number },
  ): Promise<BatchWriteResult>;
  /**
   * What this store would refuse in a record (numbers it cannot hold, keys or items too long),
   * as field → message: checked for a whole batch before its first write.
   */
  recordRefusals(record: Omit<IndicatorRecord, 'revision'>): { field: string; message: string }[];
  /** The same for an article (too large, keys too long). */
  articleRefusals(article: Article): { field: string; message: string }[];
  /**
   * Rolls back a batch whose writer died (what the next {@link RecordStore.writeBatch} does
   * first). Returns the ids of the batches rolled back.
   */
  recover(): Promise<string[]>;
  /**
   * A stamp that changes with every batch that may change what reads return: written before
   * the batch becomes visible, so a stamp read before some records were read never stands for
   * data newer than they. Undefined for a store no batch has written since it was kept.
   */
  dataVersion(): Promise<string | undefined>;
  latestPeriod(granularity: Granularity): Promise<string | undefined>;
  periods(granularity: Granularity): Promise<string[]>;
  /** The latest period in which `zone` reports `indicator` (a descending Query, Limit 1). */
  latestPeriodOf(zone: string, indicator: string): Promise<string | undefined>;
  recordsOfPeriod(period: string): Promise<IndicatorRecord[]>;
  history(zone: string, indicator: string): Promise<IndicatorRecord[]>;
  recordsOfZone(zone: string): Promise<IndicatorRecord[]>;
  /** Every revision of one key, oldest first. */
  revisions(key: RecordKey): Promise<IndicatorRecord[]>;
  articles(series: string, period: string): Promise<Article[]>;
  /** Every revision of one article, oldest first. */
  articleRevisions(key: ArticleKey): Promise<ArticleRevision[]>;
}

// ── The issue catalog: slots, exactly-once numbering, issue state (DynamoDB).

export interface IssueCatalog {
  get(id: string): Promise<Issue | undefined>;
  list(
    series: string,
    opts?: { limit?: number; cursor?: string; status?: Issue['status'] },
  ): Promise<{ items: Issue[]; cursor?: string }>;
  latest(series: string): Promise<Issue | undefined>;
  /**
   * Every released (not withdrawn) issue of a series, newest first, with only `fields` read (a
   * projection: an item also keeps the records its issue printed and their pages — tens of kB a
   * zone profile, ≈ 180 kB for one released before issue 27 — which a plan over every zone's
   * latest release does not need). Its `id` is always read.
   */
  listReleased<K extends keyof Issue>(
    series: string,
    fields: readonly K[],
  ): Promise<Pick<Issue, K | 'id'>[]>;
  /**
   * Records the workbook made on a released issue's first data download (`xlsx` key and its
   * sha256), once: only while the issue is published, its data file is still `json` and no
   * workbook is recorded. @returns the issue as it now stands (another download's workbook
   * when that one was first; undefined when there is no such issue).
   */
  recordWorkbook(
    id: string,
    made: { json: string; xlsx: string; sha256: string },
  ): Promise<Issue | undefined>;
  /**
   * Records the cover made on a released issue's first cover request (its PNG's key, sha256 and
   * size), once: only while the issue is published, its cover source is still `source` and no
   * cover is recorded. @returns the issue as it now stands (another request's cover when that
   * one was first; undefined when there is no such issue).
   */
  recordCover(
    id: string,
    made: { source: string; png: string; sha256: string; size: { width: number; height: number } },
  ): Promise<Issue | undefined>;
}

// ── The editorial cycle: drafts, release numbering, corrections, withdrawals, triggers and
//    runs (DynamoDB; see adapters/dynamodb/issue-catalog.ts for the items).

/** How a trigger of a slot ended, or that it is still running. */
export type RunOutcome =
  'running' | 'drafted' | 'released' | 'scheduled' | 'unchanged' | 'empty' | 'failed' | 'discarded';

/** One trigger (schedule, API, CLI) and what came of it. */
export interface Run {
  runId: string;
  slotKey: string;
  series: string;
  kind: string;
  params: Record<string, string>;
  /** Who or what triggered it: `schedule`, `api`, `cli`, `retry of <run>` … */
  trigger: string;
  /** Released at once whatever the review rule, by this (a retry does the same). */
  releaseWithoutReview?: boolean;
  releasedBy?: string;
  startedAt: string;
  finishedAt?: string;
  outcome: RunOutcome;
  /** For a running run: when its lease ends (a run past it was killed: `interrupted`). */
  leaseUntil?: number;
  detail?: string;
  draftId?: string;
  issueId?: string;
}

/** The trigger record of a slot. */
export interface Trigger {
  series: string;
  slotKey: string;
  paramsHash: string;
  owner: string;
  leaseUntil: number;
  state: 'running' | 'done' | 'failed';
  outcome?: RunOutcome;
  draftId?: string;
  issueId?: string;
  detail?: string;
}

export type TriggerClaim =
  { owned: true; resumed: boolean; trigger: Trigger } | { owned: false; trigger: Trigger };

/** The catalog side of the editorial cycle: every method is one conditional write or a read. */
export interface LifecycleCatalog {
  /**
   * Stores a draft once per slot; a second call for the same id returns the first draft.
   * `heldBy`: written `releasing`, held by `owner` for `leaseMs` — as `beginRelease` would
   * leave it (a draft released at once by the run that makes it).
   */
  createDraft(
    draft: Draft,
    opts?: { heldBy?: { owner: string; leaseMs: number } },
  ): Promise<{ draft: Draft; created: boolean }>;
  getDraft(id: string): Promise<Draft | undefined>;
  /**
   * The open drafts (draft, scheduled, releasing), newest first; of one report only when
   * `reportKey` is given; without the draft `except` (the caller's own, which it has just
   * written: not read again).
   */
  openDrafts(opts?: { reportKey?: string; except?: string }): Promise<Draft[]>;
  /**
   * The open drafts that carry a release time (an embargo): id and time only, one Query on the
   * open-drafts index (which may lag a write by a moment: read the draft before acting on it).
   */
  scheduledReleases(): Promise<{ draftId: string; releaseAt: string }[]>;
  /** A legal move of a draft, refused with a ConflictError (and nothing written) otherwise. */
  transitionDraft(
    id: string,
    action: 'schedule' | 'unschedule' | 'discard' | 'supersede' | 'seal',
    fields?: Record<string, unknown>,
  ): Promise<Draft>;
  /** Takes a draft into `releasing` for `owner` until the lease ends. */
  beginRelease(id: string, owner: string, leaseMs: number, now?: number): Promise<Draft>;
  /**
   * Records the total about to be tried (only while `owner` holds the release) and, given
   * `leaseMs`, renews the lease from now: a release that keeps losing the race for a number to
   * other processes is alive, and must not lose its draft to the lease it started with.
   */
  recordAttempt(id: string, owner: string, total: number, leaseMs?: number): Promise<void>;
  /** Back to the state before the release (nothing was numbered). */
  abortRelease(id: string, owner: string, reason: string): Promise<void>;
  /**
   * The release done: the draft published as `issueId`. `held`: the draft as `owner` holds it
   * (what beginRelease returned): the answer is made from it, not read back (a zone profile's
   * draft is ≈ 56 kB at 60 zones) — the write's condition (still held by `owner`) guarantees
   * nobody else changed it meanwhile.
   */
  completeRelease(
    id: string,
    owner: string,
    issueId: string,
    by: string,
    at: string,
    held?: Draft,
  ): Promise<Draft>;
  /** Last released numbering of a series (or undefined before the first release). */
  lastNumbering(
    series: string,
  ): Promise<{ year: number; number: number; total: number } | undefined>;
  /**
   * Writes the numbered issue: the release itself, and advances the counter to it (unless
   * `advanceCounter` is false: the caller writes it, see `numbering-line.ts`). Returns
   * undefined when that total is already taken (the counter is advanced to the series' newest
   * issue; pick the next and re-render).
   */
  putIssue(
    issue: Issue,
    printed: PrintedRecord[],
    opts?: { advanceCounter?: boolean },
  ): Promise<Issue | undefined>;
  issueByTotal(series: string, total: number): Promise<Issue | undefined>;
  printedOf(issueId: string): Promise<PrintedRecord[]>;
  advanceCounter(series: string, n: { total: number; year: number; number: number }): Promise<void>;
  /** The newest released (not withdrawn) issue of one report of a series. */
  latestOfReport(series: string, reportKey: string): Promise<Issue | undefined>;
  /** Adds a corrected edition to a published issue whose current edition is `fromEdition`. */
  applyCorrection(
    issueId: string,
    fromEdition: number,
    edition: IssueEdition,
    printed: PrintedRecord[],
    /** Catalog fields of the new edition's files (webKey, contents, searchText …). */
    fields?: Partial<Issue>,
  ): Promise<Issue>;
  /** Takes a published issue back; `replacedBy` names the issue that replaces it, if one does. */
  withdraw(
    issueId: string,
    reason: string,
    by: string,
    at: string,
    replacedBy?: string,
  ): Promise<Issue>;
  /** Keeps an editor's dismissal of a corrections-queue entry with the issue (appended). */
  dismissCorrection(issueId: string, dismissal: CorrectionDismissal): Promise<Issue>;
  /**
   * Claims a slot for a run, or tells who holds it / what came of it. `run`: the run's record
   * kept on the slot's trigger (one write for both; listed and read as a run, see `listRuns`,
   * `getRun`) instead of an item of its own — the all-zones batch's zones.
   */
  claimTrigger(
    req: {
      series: string;
      slotKey: string;
      paramsHash: string;
      runId: string;
      leaseMs: number;
      run?: Run;
    },
    opts?: { retake?: boolean },
  ): Promise<TriggerClaim>;
  getTrigger(series: string, slotKey: string): Promise<Trigger | undefined>;
  /** Extends the lease of a slot while its owner works. */
  renewTrigger(series: string, slotKey: string, runId: string, leaseMs: number): Promise<void>;
  finishTrigger(
    series: string,
    slotKey: string,
    runId: string,
    result: Pick<Trigger, 'state' | 'outcome' | 'draftId' | 'issueId' | 'detail'>,
    /** The end of the run kept on this trigger (claimed with `run`), in the same write. */
    run?: Partial<Run>,
  ): Promise<void>;
  putRun(run: Run): Promise<void>;
  updateRun(runId: string, fields: Partial<Run>): Promise<void>;
  /** A run, kept as its own item or on its slot's trigger ({@link runOnTriggerId}). */
  getRun(runId: string): Promise<Run | undefined>;
  /** Runs newest first: those kept on their triggers among them. */
  listRuns(opts?: { limit?: number }): Promise<Run[]>;
  /** Every issue of a series (all statuses), newest first. */
  allIssues(series: string): Promise<Issue[]>;
}

// ── The release calendar's changes: a planned release moved or cancelled, with its reason
//    (DynamoDB, the catalog's table; one Query lists them all).

/** One change of a planned release, as announced. */
export interface CalendarChange {
  action: 'moved' | 'cancelled';
  /** The planned time before this change (ISO with offset). */
  from: string;
  /** The new time of a move. */
  to?: string;
  reason: string;
  by: string;
  /** When the change was made. */
  at: string;
}

/** A planned release's changes, oldest first, under the key of the entry as first planned. */
export interface CalendarAmendment {
  /** `schedule:<schedule id>:<planned ISO time>` or `embargo:<draft id>`. */
  entryKey: string;
  changes: CalendarChange[];
}

export interface CalendarStore {
  /** Every entry that was ever moved or cancelled. */
  amendments(): Promise<CalendarAmendment[]>;
  /** Appends a change to an entry's list (created with its first change). */
  recordChange(entryKey: string, change: CalendarChange): Promise<CalendarAmendment>;
}

/**
 * The report schedules where a service fires them (AWS: EventBridge Scheduler; locally the server's
 * cron jobs need none of this): the console's switch, and a moved release date's one-off firing.
 */
export interface ReportScheduler {
  /** Turns a schedule on or off where it fires, changing nothing else about it. */
  setEnabled(scheduleId: string, enabled: boolean): Promise<void>;
  /**
   * Fires the schedule's firing first planned at `firstAt` once at `at` instead (under the first
   * time's slot); again for the same firing: moves it.
   */
  fireMovedAt(scheduleId: string, firstAt: Date, at: Date): Promise<void>;
  /** Removes that one-off firing (none: nothing to do). */
  dropMovedFiring(scheduleId: string, firstAt: Date): Promise<void>;
}

// ── Subscribers: double opt-in subscriptions and once-only notice markers (DynamoDB).

export type SubscriptionStatus = 'pending' | 'confirmed' | 'unsubscribed';

export interface Subscription {
  series: string;
  /** sha256 (hex) of the trimmed, lowercased address: the key, safe to log. */
  addressHash: string;
  email: string;
  status: SubscriptionStatus;
  /** Confirms (while pending) and unsubscribes; rotated when an unsubscribed address returns. */
  token: string;
  createdAt: string;
  confirmationSentAt?: string;
  confirmedAt?: string;
  unsubscribedAt?: string;
}

export interface SubscribeOutcome {
  subscription: Subscription;
  /** `confirm`: send the confirmation mail now; `none`: nothing to send (confirmed, or sent recently). */
  action: 'confirm' | 'none';
}

export interface SubscriberStore {
  /**
   * Records a (double opt-in) subscription request. New and returning (unsubscribed)
   * addresses become pending with a fresh token; a pending one is asked to confirm again at
   * most once per `resendAfterMs`; a confirmed one is left alone.
   */
  subscribe(
    series: string,
    email: string,
    opts?: { now?: Date; resendAfterMs?: number },
  ): Promise<SubscribeOutcome>;
  /** The subscription a link token belongs to, or `undefined`. */
  byToken(token: string): Promise<Subscription | undefined>;
  /** Confirms a pending subscription; idempotent. `undefined` for an unknown token. */
  confirm(token: string, now?: Date): Promise<Subscription | undefined>;
  /** Unsubscribes; idempotent. `undefined` for an unknown token. */
  unsubscribe(token: string, now?: Date): Promise<Subscription | undefined>;
  /** Confirmed subscribers of a series, page by page (Query, never Scan). */
  confirmedSubscribers(series: string): AsyncIterable<Subscription>;
  /** Claims the right to send the notice of `issueId` to a subscriber; false if claimed before. */
  claimNotice(issueId: string, addressHash: string, now?: Date): Promise<boolean>;
  /** Records that the claimed notice was handed to the mail service. */
  markNoticeSent(issueId: string, addressHash: string, messageId: string): Promise<void>;
  /**
   * Gives a claim back after the send failed, so that a retried publish (or a resend) sends it;
   * the failure and its reason stay in the delivery log until then.
   */
  releaseNotice(issueId: string, addressHash: string, reason?: string): Promise<void>;
  /** How many subscriptions of a series are in each state (one Query of the series). */
  countsOf(series: string): Promise<Record<SubscriptionStatus, number>>;
  /** The delivery log of one notice (an issue id, `<id>#e2` for a corrected edition). */
  deliveries(noticeKey: string): Promise<NoticeDelivery[]>;
}

/** One subscriber's notice of one issue: claimed (being sent), sent, or failed with why. */
export interface NoticeDelivery {
  addressHash: string;
  state: 'claimed' | 'sent' | 'failed';
  at: string;
  messageId?: string;
  reason?: string;
}

// ── The archive of published PDFs (S3).

export interface StoredObject {
  key: string;
  bytes: number;
  sha256?: string;
  contentType?: string;
  contentDisposition?: string;
}

export interface Archive {
  /**
   * Stores bytes under `key`; returns their sha256 (hex). `sha256`: the body's, when the caller
   * has computed it already (a release's PDF, named by it) — not computed again; the store
   * checks the body against it and refuses a put whose body does not match.
   */
  put(
    key: string,
    body: Uint8Array,
    opts: {
      fileName: string;
      contentType?: string;
      metadata?: Record<string, string>;
      sha256?: string;
    },
  ): Promise<{ sha256: string }>;
  get(key: string): Promise<Uint8Array | undefined>;
  head(key: string): Promise<StoredObject | undefined>;
  /** A URL that downloads the object for `ttlSeconds` (≤ 900), with the given file name. */
  presignDownload(key: string, opts: { fileName: string; ttlSeconds: number }): Promise<string>;
  /** Every object under a prefix with its last-modified time (for the orphan sweep). */
  list(prefix: string): AsyncIterable<{ key: string; lastModified: Date; bytes: number }>;
  /** Removes an object (absent is fine). */
  delete(key: string): Promise<void>;
}

// ── The upload inbox: statistics files dropped under `uploads/` (S3).

export interface UploadInbox {
  /** The bytes of an uploaded file, or undefined when it is gone (already handled). */
  read(key: string): Promise<Uint8Array | undefined>;
  /** Moves the file to `ingested/` and writes `<name>.summary.json` beside it. */
  accept(key: string, bytes: Uint8Array, summary: object): Promise<string>;
  /** Moves the file to `rejected/` and writes `<name>.errors.txt` beside it. */
  reject(key: string, bytes: Uint8Array, report: string): Promise<string>;
}

// ── The notifier: one plain-text mail (SES, or `.eml` files in a local outbox).

/** A sender: display name (e.g. the series' editorial office) and address. */
export interface MailAddress {
  name: string;
  address: string;
}

export interface MailMessage {
  to: string;
  subject: string;
  /** Plain text, `\n` line ends: the alternative every client can show. */
  text: string;
  /** HTML alternative (inline styles only, no remote resources). */
  html?: string;
  /** Display name of the sender; the address comes from configuration. */
  fromName?: string;
  /** Extra headers, e.g. `List-Unsubscribe`. ASCII values only. */
  headers?: Record<string, string>;
}

export interface Notifier {
  /**
   * Hands one message to the mail service; returns its message id and, for a person, where it
   * went (`已写入本地发件箱 …`, `已交给 Amazon SES 发出`).
   */
  send(message: MailMessage): Promise<{ messageId: string; delivered?: string }>;
}

// ── The report queue: numbered on-demand report jobs (SQS).

export interface ReportQueue<Job extends { slotKey: string } = { slotKey: string }> {
  /** Queues one job (serialized as JSON); returns the queue's message id. */
  send(job: Job): Promise<{ messageId: string }>;
}

// ── The PDF renderer: HTML file → PDF (headless Chromium).

export interface RenderRequest {
  /**
   * Absolute path of the HTML file to print. It is loaded with `page.goto(file://…)`, so
   * `file://` `@font-face` rules and images next to it work.
   */
  htmlPath: string;
  /**
   * Directories the page may load files from (the HTML's own dir, the templates dir …). The HTML
   * file itself and the font directories are always allowed. Every other request — http(s),
   * `file://` outside these directories, anything but `data:` — is blocked and fails the render.
   * The check is lexical (no symlink resolution).
   */
  allowedRoots: string[];
  /**
   * Footer line, centred, 9 pt, in Noto Serif SC. `{page}` and `{total}` are replaced by the page
   * number and page count; the rest is plain text (HTML-escaped). Default `第{page}页 共{total}页`.
   * `false`: no header/footer area at all.
   */
  footer?: { template?: string } | false;
  /**
   * Document information. Chromium writes `/Title` from `document.title` (the template's
   * `<title>`); `title` given here replaces `document.title` before printing. Author, Subject,
   * Keywords and Creator (which Chromium cannot write) are appended with the ToUnicode fix in
   * one incremental update (`finishPdf`). The catalog's `/Lang` comes from `<html lang>`.
   */
  metadata?: DocumentInfo;
  /**
   * Files embedded in the PDF (the issue's data as CSV): each an `/EmbeddedFile` with its
   * file specification in the catalog's `/EmbeddedFiles` and `/AF` (relationship `Data`).
   */
  attachments?: PdfAttachment[];
  /**
   * A PNG of page 1, `width` pixels wide, made in the page that printed the PDF. No release asks
   * for it (a cover is made on its first request, {@link CoverRenderer}); it is the reference
   * that cover is held to (the same picture, `tests/integration/pdf-renderer.test.ts`).
   */
  cover?: { width: number };
  /** Deadline for the whole render (waiting for the browser and a page included). Default 60 000. */
  timeoutMs?: number;
  /**
   * Page numbers written into the printed PDF (see `adapters/print/link-pages.ts`): one print,
   * no measuring pass, for a contents whose links end in a fixed-width box printed with
   * `placeholder`. The result's `linkPages` says what was written; without it, nothing was.
   */
  linkPages?: LinkPagesRequest;
  /**
   * An element (id) that starts the last page alone — nothing of the text above it, within
   * `withinPt` of the page's top edge — is printed as `className` would print it (e.g. a colophon
   * at that page's foot), moved in the printed PDF (see `adapters/print/last-page-foot.ts`): no
   * second print. The result's `footOfLastPage` says what was done.
   */
  footOfLastPage?: { id: string; className: string; withinPt: number };
}

export interface RenderResult {
  pdf: Uint8Array;
  pages: number;
  /**
   * `loadMs`: navigation to `load` + `document.fonts.ready` (awaited in the layout step's round
   * trip); `layoutMs`: the tables fitted (`fit.ts`), the foot element measured and the title set,
   * in the page; `pdfMs`: the print (`Page.printToPDF`), the page numbers written, the ToUnicode
   * fix and the document information.
   */
  timings: { loadMs: number; layoutMs: number; pdfMs: number };
  /**
   * The named destinations of the PDF (each element `id` a link points at, e.g. the contents'
   * `#a-…` entries): where it landed. What a second print would number the contents with.
   */
  destinations: Record<string, PagePosition>;
  /**
   * With `linkPages`: the page number written for each anchor (its destination's page), or why
   * none was (then the placeholders are printed as they are: print again with the numbers).
   */
  linkPages?: { pages: Record<string, number> } | { missed: string };
  /**
   * With `footOfLastPage`: whether the element was moved to the foot of the last page (then the
   * PDF shows it as `className` prints it; `destinations` are as Chromium printed them, before
   * the move), or why it could not be (then it stands where the text ends: print again with the
   * class if it should not).
   */
  footOfLastPage?: { moved: boolean } | { missed: string };
  /** Page 1 as PNG, when `cover` was asked for. */
  cover?: CoverImage;
  /**
   * What would still be clipped at the margin after layout (wide tables are tightened first),
   * one line each, naming the article or table; empty when nothing overflows.
   */
  warnings?: string[];
}

/** A file embedded in a PDF. */
export interface PdfAttachment {
  /** File name (ASCII letters, digits, `.`, `-`, `_`). */
  name: string;
  bytes: Uint8Array;
  mimeType: string;
  description?: string;
}

/** Page 1 of a document as a PNG, and its size in pixels. */
export interface CoverImage {
  png: Uint8Array;
  width: number;
  height: number;
}

/**
 * Text written into the document before its cover is captured, as the PDF printed it: the page
 * number of each link `a[href="#id"]` into its `selector` element (the contents' numbers,
 * written into the PDF after printing over placeholders the HTML holds; `link-pages.ts`).
 */
export interface CoverFill {
  selector: string;
  pages: Record<string, number>;
}

/**
 * What a released issue's cover is made from on its first request: the HTML exactly as it was
 * printed, what was written into the PDF over it after printing, and the width of the PNG.
 */
export interface CoverSource {
  html: string;
  fill?: CoverFill;
  width: number;
}

export interface CoverRequest {
  /** The HTML file as printed (see {@link RenderRequest.htmlPath}). */
  htmlPath: string;
  /** As {@link RenderRequest.allowedRoots}. */
  allowedRoots: string[];
  width: number;
  fill?: CoverFill;
  /** Deadline for the whole call (waiting for a page included). Default 60 000. */
  timeoutMs?: number;
}

/**
 * Makes a cover on its own (not in the print): the HTML loaded and laid out as the print lays it
 * out (tables fitted), the fill written, page 1 captured — the picture a cover made in the page
 * that printed the PDF would be.
 */
export interface CoverRenderer {
  renderCover(req: CoverRequest): Promise<CoverImage>;
}

/** Makes a released issue's cover and records it; returns the issue as it then stands. */
export type CoverMaker = (issue: Issue) => Promise<Issue | undefined>;

/** Whether the renderer makes covers (the Chromium one does; a test's small one may not). */
export function makesCovers(renderer: object): renderer is CoverRenderer {
  return typeof (renderer as Partial<CoverRenderer>).renderCover === 'function';
}

export interface PdfRenderer {
  renderPdf(req: RenderRequest): Promise<RenderResult>;
  /** Closes the pages, then the browser (killed if closing hangs). A later render relaunches. */
  close(): Promise<void>;
  /**
   * Times the browser was lost while in use (it disconnected or crashed; not closed by
   * `close()`), since the renderer was made: each is relaunched by the next render. Long work
   * shows it in its progress.
   */
  browserLosses?(): number;
}

export interface LinkPagesRequest {
  /** Ids of the link targets (`a[href="#id"]`) whose page numbers are written. */
  anchors: string[];
  /**
   * Selector of the element inside each link printed with `placeholder`: a box of fixed width,
   * its text right-aligned, so that the number written changes no layout. The cover (made in the
   * page after printing) gets the numbers written in it.
   */
  fill: string;
  /** The text each such element prints instead of its number (one digit). */
  placeholder: string;
}

export interface PagePosition {
  page: number;
  /** Distance of the element's top from the top of the page area, in pt. */
  fromTop: number;
}

/** The document information written into the PDF. */
export interface DocumentInfo {
  title?: string;
  author?: string;
  subject?: string;
  keywords?: string[];
  creator?: string;
  /** The language of the document (its `<html lang>`), for the XMP `dc:language`. */
  lang?: string;
}

// ── The editor's desk: accounts, sessions, login throttling, the record of who did what, the
//    pre-release access record and the schedules' switches (DynamoDB, the issues table).

export interface Account {
  name: string;
  role: Role;
  /** `scrypt$N$r$p$<salt b64>$<hash b64>` (app/desk.ts). */
  passwordHash: string;
  createdAt: string;
  createdBy: string;
}

export interface Session {
  account: string;
  role: Role;
  /** The token every form of this session carries. */
  csrf: string;
  createdAt: string;
  /** Epoch ms. */
  expiresAtMs: number;
}

export interface ScheduleSwitch {
  id: string;
  enabled: boolean;
  by: string;
  at: string;
}

export interface DeskStore {
  /** Stores a new account; false when the name is taken (nothing written). */
  createAccount(account: Account): Promise<boolean>;
  getAccount(name: string): Promise<Account | undefined>;
  listAccounts(): Promise<Account[]>;
  /** A session under the sha256 (hex) of its cookie value. */
  putSession(idHash: string, session: Session): Promise<void>;
  /** The session, or undefined when unknown or expired. */
  getSession(idHash: string, nowMs?: number): Promise<Session | undefined>;
  deleteSession(idHash: string): Promise<void>;
  /**
   * Counts a failed login under `key` (an account or an address) and returns the times (epoch ms)
   * of its failures within the last `windowMs`, oldest first.
   */
  addFailure(key: string, nowMs: number, windowMs: number): Promise<number[]>;
  /** The failures of `key` within the window, without counting one. */
  failures(key: string, nowMs: number, windowMs: number): Promise<number[]>;
  clearFailures(key: string): Promise<void>;
  /** Appends one entry to the record of who did what. */
  record(entry: DeskRecord): Promise<void>;
  /** The record, newest first: all of it, or what concerns one target. */
  records(opts?: { target?: string; limit?: number }): Promise<DeskRecord[]>;
  /**
   * Notes that `who` opened draft `draftId` (the pre-release access record): one entry per
   * person, its first and last time; `count` grows by one unless `reading: false` (the same
   * reading again — app/desk.ts `noteDraftAccess` decides), and is 1 on a first entry.
   */
  noteAccess(draftId: string, who: string, at: string, opts?: { reading?: boolean }): Promise<void>;
  accessOf(draftId: string): Promise<DraftAccess[]>;
  scheduleSwitches(): Promise<ScheduleSwitch[]>;
  setScheduleSwitch(s: ScheduleSwitch): Promise<void>;
}

/**
 * The id of a run kept on its slot's trigger (the all-zones batch's zones): `zr-`, its start
 * (ms, base 36) and 8 hex digits of `random` — the start is where the run is listed, so the id
 * alone finds it (`getRun`).
 */
export function runOnTriggerId(startedAt: Date, random: string): string {
  return `zr-${startedAt.getTime().toString(36)}-${random.replace(/-/g, '').slice(0, 8)}`;
}

/** The start of a run kept on its trigger, from its id ({@link runOnTriggerId}); else undefined. */
export function startOfRunOnTrigger(runId: string): Date | undefined {
  const m = /^zr-([0-9a-z]{1,12})-[0-9a-f]{8}$/.exec(runId);
  if (!m) return undefined;
  const at = new Date(parseInt(m[1]!, 36));
  return Number.isNaN(at.getTime()) ? undefined : at;
}
