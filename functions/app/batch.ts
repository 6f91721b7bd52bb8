/**
 * The all-zones run: a zone profile for every national zone, skipping the zones whose report
 * would not change, with bounded concurrency, retries and a summary. The same three steps run
 * in one process (the CLI, the benchmark) and on AWS as a Step Functions Distributed Map
 * (`infra/constructs/zone-fanout.ts`): plan → render each job → summarize.
 *
 * Skipping: when no batch was written to the records since a zone's latest *released* profile
 * was read (`RecordStore.dataVersion`), with the same build, the zone is skipped without reading
 * anything. Otherwise, a zone whose latest released profile was made from the same inputs — the
 * records it reads (every field), template, series, reference data and code: `inputsKeyOf` in
 * `report-jobs.ts` — is skipped without composing. Otherwise the plan composes the profile
 * (the records of the period are read, sorted and ranked once for all zones) and takes the
 * hash of what it prints, the way the editorial cycle does: the same as the latest release's is
 * skipped too (a revision elsewhere that moves nothing printed). Both compare with the newest
 * release, so a figure revised and then reverted is printed again. Each run's slots are
 * its own (`…/<run>`): a retry within the run is idempotent, a later run is a new trigger.
 * Every zone goes through the cycle (`publishReport`): the series needs no review, so its draft
 * is released at once and numbered then.
 */
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { ChartBatch, type ChartSlot } from '../core/charts.ts';
import { latestAnnualPeriod } from '../core/compose-zone-profile.ts';
import type { Issue } from '../core/model.ts';
import { makesCovers, type CoverRequest, type RecordStore } from './ports.ts';
import { publishReport, type PreparedReport, type PublishDeps } from './publish.ts';
import { nowOf } from './lifecycle.ts';
import { composeReport, loadReport, resolveReport } from './render-report.ts';
import { dataKeyOf, inputsKeyOf, reportJob, requestParams } from './report-jobs.ts';
import { timed } from './step-times.ts';
import { reportKind } from '../reports/registry.ts';

export { hashStableView, stableViewJson } from './report-jobs.ts';
import { FANOUT_POLICY, ZONE_PROFILE_SERIES } from '../contract/fanout.ts';

/** One zone to render: the slot key carries the input hash and the run, so a retry is idempotent. */
export interface ZoneJob {
  zone: string;
  period: string;
  /** The input hash the editorial cycle compares (records, template, series config). */
  contentHash: string;
  slotKey: string;
  /** Printed even when the latest release has the same inputs (`--force`). */
  force?: boolean;
  /** The records store's data version the plan read before any record (kept on the issue). */
  dataVersion?: string;
}

export type ZoneStatus = 'rendered' | 'skipped' | 'failed';

export interface ZoneOutcome {
  zone: string;
  status: ZoneStatus;
  period?: string;
  issueId?: string;
  pages?: number;
  bytes?: number;
  /** Wall time of the job (render and store), ms. */
  ms?: number;
  attempts?: number;
  error?: string;
  /** Why a zone was skipped without a report (e.g. it has no annual records). */
  note?: string;
  /**
   * How a skipped zone was found unchanged: nothing was written to the records since its latest
   * release was read, with the same build (`data`, nothing read); its inputs are those of that
   * release (`inputs`, not composed); or its profile composed prints what it printed
   * (`printed`).
   */
  skippedBy?: 'data' | 'inputs' | 'printed';
}

export interface ZonePlan {
  /** The jobs to render (zones whose content changed or was never published). */
  jobs: ZoneJob[];
  /** Zones whose identical report is already published, and zones that could not be planned. */
  done: ZoneOutcome[];
  /** Zones left unplanned because `signal` was aborted (none without a signal). */
  notPlanned?: string[];
}

export interface ZoneBatchSummary {
  total: number;
  rendered: number;
  skipped: number;
  failed: number;
  failures: { zone: string; error: string }[];
  elapsedMs: number;
  /** Zone profiles rendered per second of the whole run. */
  ratePerSecond: number;
}

export interface BatchProgress {
  done: number;
  total: number;
  rendered: number;
  /** Zones skipped: unchanged, or without data to print (`noData` of them). */
  skipped: number;
  /** Of the skipped zones, those without data (no annual records, or nothing to print). */
  noData: number;
  failed: number;
  /**
   * What happened between outcomes, so that a run that prints without finishing says so:
   * prints made (each call to the renderer that returned a PDF), of them made again for a zone
   * already printed in this run (a number taken meanwhile, a retry), renders that failed,
   * attempts that failed and are tried again, and browsers lost (each relaunched). The last
   * failure's reason. Absent before any print.
   */
  prints?: number;
  reprints?: number;
  renderFailures?: number;
  retries?: number;
  browserLosses?: number;
  lastError?: string;
}

/**
 * What the run is doing besides finishing zones: prints made, of them again (a number taken
 * meanwhile, a retry), renders failed, attempts retried, the browser lost and relaunched, and
 * the last failure's reason. Empty before the first print.
 */
export function batchDetail(p: BatchProgress): string {
  const parts: string[] = [];
  if (p.prints !== undefined)
    parts.push(`已印 ${p.prints} 次${p.reprints ? `（重印 ${p.reprints}）` : ''}`);
  if (p.renderFailures) parts.push(`渲染失败 ${p.renderFailures}`);
  if (p.retries) parts.push(`重试 ${p.retries}`);
  if (p.browserLosses) parts.push(`Chromium 意外断开 ${p.browserLosses} 次（已重启）`);
  if (p.lastError && (p.renderFailures || p.retries || p.failed))
    parts.push(
      `最近错误：${p.lastError.length > 80 ? `${p.lastError.slice(0, 79)}…` : p.lastError}`,
    );
  return parts.join(' · ');
}

/** The slot key of a zone profile with these inputs in one run (≤ 300 characters). */
export function zoneSlotKey(
  zone: string,
  period: string,
  contentHash: string,
  run: string,
): string {
  return `${ZONE_PROFILE_SERIES}/${zone}/${period}/${contentHash.slice(0, 24)}/${run}`;
}

/**
 * A read-through cache over a record store for the length of one run: the records of a period
 * are read once for all zones, and a zone's records once for its plan and its render.
 */
export function cachedReads(
  records: RecordStore,
  opts: {
    /**
     * How many zones' reads are kept (the most recent; by default all): a zone's records are
     * read for its plan and its render, which follow each other.
     */
    zonesKept?: number;
  } = {},
): RecordStore {
  const memo = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, kept = Infinity) => {
    const cache = new Map<string, Promise<R>>();
    return (...args: A): Promise<R> => {
      const key = JSON.stringify(args);
      let hit = cache.get(key);
      if (!hit) {
        hit = fn(...args);
        hit.catch(() => cache.delete(key));
        cache.set(key, hit);
        // Oldest first out (a Map iterates in insertion order).
        if (cache.size > kept) cache.delete(cache.keys().next().value!);
      }
      return hit;
    };
  };
  const zones = opts.zonesKept ?? Infinity;
  return {
    ...records,
    recordsOfPeriod: memo(records.recordsOfPeriod.bind(records)),
    recordsOfZone: memo(records.recordsOfZone.bind(records), zones),
    history: memo(records.history.bind(records), zones * 40),
    latestPeriodOf: memo(records.latestPeriodOf.bind(records), zones * 40),
  };
}

/** What a plan reads of a zone's latest released profile: not what it printed, nor where. */
const RELEASED_FIELDS = [
  'id',
  'total',
  'reportKey',
  'params',
  'period',
  'dataKey',
  'inputsKey',
  'inputHash',
  'pages',
  'bytes',
] as const satisfies readonly (keyof Issue)[];
type ReleasedProfile = Pick<Issue, (typeof RELEASED_FIELDS)[number]>;

/**
 * The latest released profile of each zone (by report key), in one paginated Query that reads
 * only {@link RELEASED_FIELDS}: an item also keeps the records its profile printed and their
 * pages (≈ 180 kB a profile released before issue 27 at 178 zones).
 */
async function latestReleased(
  deps: Pick<PublishDeps, 'catalog'>,
): Promise<Map<string, ReleasedProfile>> {
  const latest = new Map<string, ReleasedProfile>();
  for (const issue of await deps.catalog.listReleased(ZONE_PROFILE_SERIES, RELEASED_FIELDS)) {
    if (!issue.reportKey) continue;
    const seen = latest.get(issue.reportKey);
    if (!seen || seen.total < issue.total) latest.set(issue.reportKey, issue);
  }
  return latest;
}

type PlanDeps = Pick<
  PublishDeps,
  'records' | 'catalog' | 'reference' | 'timeZone' | 'clock' | 'now'
>;

interface PlanOptions {
  zones?: string[];
  period?: string;
  force?: boolean;
  /**
   * The run's id in its zones' slot keys; default a new one. A schedule passes its scheduled
   * time, so that a duplicate delivery (EventBridge Scheduler delivers at least once: two
   * executions of one firing) plans the same slots and makes each zone's issue once.
   */
  runId?: string;
}

/** What every zone of a run is planned against: read once, before any zone. */
interface PlanContext {
  zones: string[];
  opts: PlanOptions;
  dataVersion: string | undefined;
  latest: Map<string, ReleasedProfile>;
  latestOfZone: Map<string, ReleasedProfile>;
  /** The data key a zone's latest release has when nothing was written since, same build. */
  unchangedKey: string | undefined;
  /** This run's slots: a retry within the run finds its slot, a later run triggers anew. */
  run: string;
}

async function planContext(deps: PlanDeps, opts: PlanOptions): Promise<PlanContext> {
  const zones =
    opts.zones ?? deps.reference.zones.filter((z) => z.level === 'national').map((z) => z.id);
  // The data version first, before any record is read (a batch written meanwhile changes it).
  const dataVersion = await deps.records.dataVersion();
  const latest = opts.force ? new Map<string, ReleasedProfile>() : await latestReleased(deps);
  const series = deps.reference.seriesById(ZONE_PROFILE_SERIES);
  const unchangedKey =
    dataVersion && series
      ? await dataKeyOf(deps, reportKind(ZONE_PROFILE_SERIES), series, dataVersion)
      : undefined;
  const latestOfZone = new Map<string, ReleasedProfile>();
  for (const issue of latest.values())
    if (issue.params?.zone) latestOfZone.set(issue.params.zone, issue);
  const run =
    opts.runId ??
    `${opts.force ? 'forced-' : ''}${nowOf(deps).getTime().toString(36)}-${randomUUID().slice(0, 6)}`;
  return { zones, opts, dataVersion, latest, latestOfZone, unchangedKey, run };
}

/**
 * What is known of a zone without reading anything: unknown, or skipped because nothing was
 * written to the records since its latest release was read, with the same build.
 */
function settledBeforeReading(ctx: PlanContext, deps: PlanDeps, zoneText: string) {
  const zone = deps.reference.resolveZone(zoneText);
  if (!zone || zone.level === 'aggregate')
    return { zone: zoneText, status: 'failed', error: `未知的园区 "${zoneText}"` } as ZoneOutcome;
  const released = ctx.latestOfZone.get(zone.id);
  if (
    ctx.unchangedKey &&
    released?.dataKey === ctx.unchangedKey &&
    released.period &&
    (!ctx.opts.period || ctx.opts.period === released.period)
  )
    return skippedAs(zone.id, released.period, released, 'data');
  return undefined;
}

type ZonePlanned = ZoneOutcome | { job: ZoneJob; prepared: PreparedReport };

/** A zone read and composed, its charts not drawn yet (in its {@link ChartBatch}'s slot). */
interface ZoneComposed {
  zone: string;
  period: string;
  prepared: PreparedReport & Required<Pick<PreparedReport, 'resolution' | 'loaded' | 'view'>>;
  charts: ChartSlot;
}

/** Lets the event loop run what is waiting (I/O callbacks: Chromium's answers) before going on. */
const yieldToEventLoop = () => new Promise<void>((done) => setImmediate(done));

/**
 * Plans zones: each zone's records read (the zones' at once), the zone skipped when its inputs
 * are those of its latest release (`inputs`, not composed), else composed; the zones' charts
 * drawn together (one `renderChartsSvg` for all of them: ≈ 2.6 ms a profile less than each
 * profile's alone, the same SVGs); then each skipped when it prints what that release printed
 * (`printed`), otherwise its job, with what was composed for the render.
 */
async function planZones(
  ctx: PlanContext,
  deps: PlanDeps,
  zoneTexts: readonly string[],
): Promise<ZonePlanned[]> {
  const charts = new ChartBatch();
  const composed = await Promise.all(
    zoneTexts.map((zone) => composeZonePlan(ctx, deps, zone, charts.slot())),
  );
  await yieldToEventLoop();
  timed('compose', () => charts.draw());
  return Promise.all(composed.map((c) => ('status' in c ? c : finishZonePlan(ctx, deps, c))));
}

/** A zone's plan up to its compose: its outcome when it needs no compose (or failed). */
async function composeZonePlan(
  ctx: PlanContext,
  deps: PlanDeps,
  zoneText: string,
  charts: ChartSlot,
): Promise<ZoneOutcome | ZoneComposed> {
  const settled = settledBeforeReading(ctx, deps, zoneText);
  if (settled) return settled;
  const zone = deps.reference.resolveZone(zoneText)!;
  const { opts, dataVersion, latest } = ctx;
  try {
    const zoneRecords = await deps.records.recordsOfZone(zone.id);
    const period = opts.period ?? latestAnnualPeriod(zoneRecords);
    // A zone without annual data has no profile to print: not a failure of the run.
    if (!period) return { zone: zone.id, status: 'skipped', note: '没有年度数据' };
    const resolution = await resolveReport(deps, {
      kind: ZONE_PROFILE_SERIES,
      zone: zone.id,
      period,
    });
    const loaded = await loadReport(deps, resolution);
    // First the cheap key: the same records, template, series and code as the latest
    // release print the same profile, so it is skipped without composing.
    const latestIssue = latest.get(resolution.resolved.key ?? resolution.series.id);
    if (
      latestIssue?.inputsKey &&
      latestIssue.inputsKey === (await inputsKeyOf(deps, resolution, loaded))
    )
      return skippedAs(zone.id, period, latestIssue, 'inputs');
    // Its charts are drawn with the other zones' planned with it (`planZones`). Composed in a
    // turn of its own: the group's composes and their charts are ≈ 100 ms of the Node thread,
    // which the prints under way must not wait for in one piece (their next round trip to
    // Chromium is answered in between).
    await yieldToEventLoop();
    const view = composeReport({ ...deps, charts }, resolution, loaded, { date: new Date(0) });
    const prepared = { resolution, loaded, view, ...(dataVersion ? { dataVersion } : {}) };
    return { zone: zone.id, period, prepared, charts };
  } catch (err) {
    return { zone: zone.id, status: 'failed', error: messageOf(err) };
  }
}

/** The rest of a zone's plan, its charts drawn: its input hash, and its job or why not. */
async function finishZonePlan(
  ctx: PlanContext,
  deps: PlanDeps,
  { zone, period, prepared, charts }: ZoneComposed,
): Promise<ZonePlanned> {
  const { opts, dataVersion, latest } = ctx;
  try {
    charts.drawn();
    // Planning reads and composes; it never prints.
    const job = await reportJob(
      deps,
      requestParams({ kind: ZONE_PROFILE_SERIES, zone, period }),
      prepared,
    );
    const inputs = await job.prepare();
    if (inputs.empty) return { zone, status: 'skipped', period, note: inputs.empty };
    const contentHash = inputs.inputHash;
    const issue = latest.get(job.reportKey);
    if (issue && issue.inputHash === contentHash) return skippedAs(zone, period, issue, 'printed');
    return {
      job: {
        zone,
        period,
        contentHash,
        slotKey: zoneSlotKey(zone, period, contentHash, ctx.run),
        ...(opts.force ? { force: true } : {}),
        ...(dataVersion ? { dataVersion } : {}),
      },
      prepared,
    };
  } catch (err) {
    return { zone, status: 'failed', error: messageOf(err) };
  }
}

/**
 * Plans the all-zones run for renders elsewhere (the state machine's map): every zone planned
 * as {@link planZones} does, `planGroup` at a time, and the zones to render listed as jobs.
 * @param deps `records` should be {@link cachedReads} (the period is read once for all zones).
 * @param opts.prepared when given, receives each job's resolved, loaded and composed profile
 *   (by slot key), for a render in this process to print without composing again.
 */
export async function planZoneBatch(
  deps: PlanDeps,
  opts: PlanOptions & {
    concurrency?: number;
    /** Zones planned together, their charts drawn at once (default {@link PLAN_GROUP}). */
    planGroup?: number;
    prepared?: Map<string, PreparedReport>;
    /** Aborted: zones not yet planned are left (`notPlanned`). */
    signal?: AbortSignal;
  } = {},
): Promise<ZonePlan> {
  const ctx = await planContext(deps, opts);
  // Zones planned `planGroup` at a time (their charts drawn together), as many groups at once as
  // keep `concurrency` zones' reads in flight.
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const size = Math.min(concurrency, Math.max(1, opts.planGroup ?? PLAN_GROUP));
  const limit = pLimit(Math.ceil(concurrency / size));
  const groups = Array.from({ length: Math.ceil(ctx.zones.length / size) }, (_, i) =>
    ctx.zones.slice(i * size, (i + 1) * size),
  );
  const planned = (
    await Promise.all(
      groups.map((group) =>
        limit(async (): Promise<(ZoneJob | ZoneOutcome | string)[]> => {
          if (opts.signal?.aborted) return group;
          return (await planZones(ctx, deps, group)).map((out) => {
            if (!('job' in out)) return out;
            opts.prepared?.set(out.job.slotKey, out.prepared);
            return out.job;
          });
        }),
      ),
    )
  ).flat();
  const notPlanned = planned.filter((p): p is string => typeof p === 'string');
  const objects = planned.filter((p): p is ZoneJob | ZoneOutcome => typeof p !== 'string');
  return {
    jobs: objects.filter((p): p is ZoneJob => 'slotKey' in p),
    done: objects.filter((p): p is ZoneOutcome => 'status' in p),
    ...(notPlanned.length ? { notPlanned } : {}),
  };
}

/** A zone skipped because its latest release already prints what it would print now. */
function skippedAs(
  zone: string,
  period: string,
  issue: Pick<Issue, 'id' | 'pages' | 'bytes'>,
  by: 'data' | 'inputs' | 'printed',
): ZoneOutcome {
  return {
    zone,
    status: 'skipped',
    skippedBy: by,
    period,
    issueId: issue.id,
    ...(issue.pages !== undefined ? { pages: issue.pages } : {}),
    ...(issue.bytes !== undefined ? { bytes: issue.bytes } : {}),
  };
}

/**
 * Renders and publishes one planned zone. `prepared`: the plan's composed profile of this job
 * (in one process), printed with the issue's numbers instead of composed again.
 */
export async function renderZoneJob(
  deps: PublishDeps,
  job: ZoneJob,
  prepared?: PreparedReport,
): Promise<ZoneOutcome> {
  const t0 = performance.now();
  const result = await publishReport(
    deps,
    {
      kind: 'zone-profile',
      zone: job.zone,
      period: job.period,
      slotKey: job.slotKey,
      trigger: 'all-zones batch',
      // Each zone's run on its slot's trigger: 运行记录 lists it as before (grouped by the
      // batch's run, the slot's last part), two writes a zone fewer.
      runOnTrigger: true,
      ...(job.force ? { force: true } : {}),
    },
    // In another process than the plan's (a render Lambda), the data version it read still
    // holds: it was read before any record this render reads.
    prepared ?? (job.dataVersion ? { dataVersion: job.dataVersion } : undefined),
  );
  if (result.outcome === 'failed') throw new Error(result.message);
  const { issue } = result;
  return {
    zone: job.zone,
    status: result.printed && result.outcome === 'released' ? 'rendered' : 'skipped',
    period: job.period,
    ...(issue ? { issueId: issue.id } : {}),
    ...(issue?.pages !== undefined ? { pages: issue.pages } : {}),
    ...(issue?.bytes !== undefined ? { bytes: issue.bytes } : {}),
    ...(result.outcome !== 'released' ? { note: result.message } : {}),
    ms: Math.round(performance.now() - t0),
  };
}

/**
 * Runs `work` for every job with at most `concurrency` at once, retrying a failed job
 * `retries` times (after `retryDelayMs`, doubling), and turns a job that still fails into a
 * `failed` outcome: one zone never stops the others. The local twin of the state machine's
 * Distributed Map (MaxConcurrency, Retry, Catch). Once `signal` is aborted no job starts and no
 * retry begins; the jobs already running finish. Jobs never started have no outcome.
 */
export async function runZoneFanout<J extends { zone: string }>(
  jobs: J[],
  work: (job: J) => Promise<ZoneOutcome>,
  opts: {
    concurrency: number;
    retries?: number;
    retryDelayMs?: number;
    onOutcome?: (o: ZoneOutcome) => void;
    /** A failed attempt that is tried again (after `retryDelayMs`). */
    onRetry?: (job: J, attempt: number, err: unknown) => void;
    signal?: AbortSignal;
  },
): Promise<ZoneOutcome[]> {
  const limit = pLimit(Math.max(1, opts.concurrency));
  const retries = opts.retries ?? FANOUT_POLICY.retries;
  const outcomes = await Promise.all(
    jobs.map((job) =>
      limit(async () => {
        if (opts.signal?.aborted) return undefined;
        let outcome: ZoneOutcome | undefined;
        let lastError: unknown;
        for (let attempt = 1; attempt <= retries + 1 && !outcome; attempt++) {
          if (attempt > 1 && opts.signal?.aborted) break;
          if (attempt > 1 && opts.retryDelayMs)
            await new Promise((r) => setTimeout(r, opts.retryDelayMs! * 2 ** (attempt - 2)));
          try {
            outcome = { ...(await work(job)), attempts: attempt };
          } catch (err) {
            lastError = err;
            if (!isRetryable(err)) break;
            if (attempt <= retries && !opts.signal?.aborted) opts.onRetry?.(job, attempt, err);
          }
        }
        outcome ??= { zone: job.zone, status: 'failed', error: messageOf(lastError) };
        opts.onOutcome?.(outcome);
        return outcome;
      }),
    ),
  );
  return outcomes.filter((o): o is ZoneOutcome => o !== undefined);
}

/**
 * Validation and not-found errors, and an item the store refuses as too large, fail the same
 * way every time: no retry.
 */
function isRetryable(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return name !== 'ValidationError' && name !== 'NotFoundError' && name !== 'ItemTooLargeError';
}

/**
 * One item of the state machine's map results as an outcome: the render handler's outcome, or
 * what the map's Catch made of a zone that failed every retry (`{zone, error: {Error, Cause}}`).
 */
export function outcomeOfMapResult(item: Record<string, unknown>): ZoneOutcome {
  const zone = typeof item.zone === 'string' ? item.zone : '（园区不明）';
  const status = item.status;
  if (status === 'rendered' || status === 'skipped' || status === 'failed') {
    return { ...(item as unknown as ZoneOutcome), zone, status };
  }
  const error = item.error as { Error?: string; Cause?: string } | string | undefined;
  let reason = typeof error === 'string' ? error : (error?.Cause ?? error?.Error);
  try {
    // Lambda errors arrive as a JSON Cause: {"errorType", "errorMessage", …}.
    const cause = JSON.parse(reason ?? '') as { errorMessage?: string };
    if (cause.errorMessage) reason = cause.errorMessage;
  } catch {
    // a plain message
  }
  return { zone, status: 'failed', error: reason ?? '没有结果' };
}

/** Counts the outcomes of a run; `failures` lists every failed zone with its reason. */
export function summarizeZoneBatch(outcomes: ZoneOutcome[], elapsedMs: number): ZoneBatchSummary {
  const count = (s: ZoneStatus) => outcomes.filter((o) => o.status === s).length;
  const rendered = count('rendered');
  return {
    total: outcomes.length,
    rendered,
    skipped: count('skipped'),
    failed: count('failed'),
    failures: outcomes
      .filter((o) => o.status === 'failed')
      .map((o) => ({ zone: o.zone, error: o.error ?? '原因不明' })),
    elapsedMs: Math.round(elapsedMs),
    ratePerSecond: elapsedMs > 0 ? Number(((rendered * 1000) / elapsedMs).toFixed(2)) : 0,
  };
}

export interface ZoneBatchResult {
  summary: ZoneBatchSummary;
  outcomes: ZoneOutcome[];
  /** Zones not started because `signal` was aborted (planned or not): a re-run does them. */
  notStarted: string[];
  timings: { planMs: number; renderMs: number };
}

/**
 * Zones in flight for a renderer of `pages` pages: three per page. A zone spends most of its time
 * outside the printer (composing, the catalog's steps, storing its files), so with fewer the
 * pages wait. `npm run bench`, 178 zones on 2 pages: 4 in flight (pages + 2, before) 99–110 s,
 * 6 in flight 85.3 s at 1528 MB peak RSS, 8 in flight 78.2 s at 1586 MB — over the 1.5 GB the
 * run is held to (each zone in flight holds its reads, its composed view and its files).
 */
export function zoneJobsFor(pages: number): number {
  return Math.max(1, pages) * 3;
}

/**
 * Zones the all-zones run plans together ({@link runZoneBatch}): their reads at once, their
 * charts drawn by one `renderChartsSvg`.
 */
export const PLAN_GROUP = 4;

/**
 * Renders a zone profile for every national zone of the reference (or `zones`) in this
 * process. What is settled without reading (unknown zones, zones with nothing written since
 * their latest release) is counted first; every other zone is planned and rendered in one go,
 * `concurrency` zones at a time (size it to the renderer's page pool and over, so composing and
 * storing overlap printing: {@link zoneJobsFor}). Zones are planned `planGroup` at a time (the
 * first of them to start plans the group: their charts drawn together), so composing runs at
 * most `planGroup` − 1 zones ahead of the zones started, and no more than `concurrency` +
 * `planGroup` − 1 composed profiles are held at once.
 */
export async function runZoneBatch(
  deps: PublishDeps,
  opts: {
    zones?: string[];
    period?: string;
    force?: boolean;
    concurrency: number;
    retries?: number;
    /** Zones planned together, their charts drawn at once (default {@link PLAN_GROUP}). */
    planGroup?: number;
    onProgress?: (p: BatchProgress) => void;
    /**
     * Stops the run: no new zone is rendered, nor planned (a group's plan already begun is
     * finished, its zones not started are not rendered); renders already running finish.
     */
    signal?: AbortSignal;
  },
): Promise<ZoneBatchResult> {
  const t0 = performance.now();
  // The period's records once for all zones; a zone's own for its plan and render only.
  const batchDeps: PublishDeps = {
    ...deps,
    records: cachedReads(deps.records, { zonesKept: opts.concurrency * 2 }),
  };
  const ctx = await planContext(batchDeps, {
    ...(opts.zones ? { zones: opts.zones } : {}),
    ...(opts.period ? { period: opts.period } : {}),
    ...(opts.force ? { force: true } : {}),
  });
  const settled: ZoneOutcome[] = [];
  const toDo: { zone: string }[] = [];
  const toRead: string[] = [];
  for (const zone of ctx.zones) {
    const known = settledBeforeReading(ctx, batchDeps, zone);
    if (known) settled.push(known);
    else toRead.push(zone);
  }
  // A zone without annual data has no profile: settled too, so that the work counted (and the
  // rate and ETA shown) is the zones that are planned and rendered. A zone with a record in the
  // latest annual period has data (the period's records are read once for all zones, and the
  // plan reads them anyway); only the others are read here, one Query each.
  const latestAnnual =
    opts.period || toRead.length === 0 ? undefined : await batchDeps.records.latestPeriod('annual');
  const inLatest = new Set(
    latestAnnual ? (await batchDeps.records.recordsOfPeriod(latestAnnual)).map((r) => r.zone) : [],
  );
  const read = pLimit(8);
  const periods = await Promise.all(
    toRead.map((zone) =>
      read(async () => {
        if (opts.period || opts.signal?.aborted) return opts.period;
        const id = batchDeps.reference.resolveZone(zone)?.id ?? zone;
        if (inLatest.has(id)) return latestAnnual;
        // A read that fails is no sign of missing data: the zone is planned, and fails there
        // with its reason (or succeeds on the retry of its read).
        return batchDeps.records.recordsOfZone(id).then(
          (records) => latestAnnualPeriod(records),
          () => 'unread',
        );
      }),
    ),
  );
  toRead.forEach((zone, i) => {
    if (periods[i] || opts.signal?.aborted) toDo.push({ zone });
    else
      settled.push({
        zone: batchDeps.reference.resolveZone(zone)?.id ?? zone,
        status: 'skipped',
        note: '没有年度数据',
      });
  });
  const t1 = performance.now();
  const progress: BatchProgress = {
    done: settled.length,
    total: ctx.zones.length,
    rendered: 0,
    skipped: 0,
    noData: 0,
    failed: 0,
  };
  for (const o of settled) {
    progress[o.status]++;
    if (o.status === 'skipped' && o.note) progress.noData++;
  }
  opts.onProgress?.({ ...progress });
  // What happens between outcomes (prints, prints made again, failures, browsers lost) is
  // reported as it happens: a run that keeps printing without finishing a zone shows it.
  const renderer = deps.renderer;
  const losses0 = renderer.browserLosses?.() ?? 0;
  const printedZones = new Set<string>();
  type Counted = 'prints' | 'reprints' | 'renderFailures' | 'retries';
  const report = (add: Partial<Record<Counted, number>>, error?: string) => {
    for (const [k, n] of Object.entries(add) as [Counted, number][])
      progress[k] = (progress[k] ?? 0) + n;
    if (error !== undefined) progress.lastError = error;
    const losses = (renderer.browserLosses?.() ?? 0) - losses0;
    if (losses > 0) progress.browserLosses = losses;
    opts.onProgress?.({ ...progress });
  };
  /** The renderer as one zone's job uses it: its prints counted. */
  const rendererFor = (zone: string): PublishDeps['renderer'] => ({
    renderPdf: async (req) => {
      try {
        const out = await renderer.renderPdf(req);
        const again = printedZones.has(zone);
        printedZones.add(zone);
        report({ prints: 1, reprints: again ? 1 : 0 });
        return out;
      } catch (err) {
        report({ renderFailures: 1 }, `${zone}：${messageOf(err)}`);
        throw err;
      }
    },
    // A renderer that makes covers still does: each release stores its cover's source.
    ...(makesCovers(renderer)
      ? { renderCover: (req: CoverRequest) => renderer.renderCover(req) }
      : {}),
    close: () => renderer.close(),
  });
  // Zones are planned in groups (`planGroup`, the next zones in the order they start): the first
  // of a group to start plans them all — their reads at once, their charts drawn together — and
  // the others find their plan made or being made. A zone's plan is kept for a retry of its
  // render until its outcome is final.
  const planned = new Map<string, Promise<ZonePlanned>>();
  const order = toDo.map((z) => z.zone);
  const startsAt = new Map(order.map((zone, i) => [zone, i]));
  const planGroup = Math.max(1, opts.planGroup ?? PLAN_GROUP);
  const planOf = (zone: string): Promise<ZonePlanned> => {
    const made = planned.get(zone);
    if (made) return made;
    const i = startsAt.get(zone) ?? 0;
    const group = [
      zone,
      ...order.slice(i + 1, i + planGroup).filter((z) => z !== zone && !planned.has(z)),
    ];
    const plans = planZones(ctx, batchDeps, group);
    group.forEach((z, k) => {
      const plan = plans.then((p) => p[k]!);
      // A plan that failed is made again by the zone's next attempt; one of a zone that never
      // starts (the run stopped) is no unhandled rejection.
      plan.catch(() => planned.get(z) === plan && planned.delete(z));
      planned.set(z, plan);
    });
    return planned.get(zone)!;
  };
  const worked = await runZoneFanout(
    toDo,
    async ({ zone }) => {
      const plan = await planOf(zone);
      if (!('job' in plan)) return plan;
      return renderZoneJob(
        { ...batchDeps, renderer: rendererFor(plan.job.zone) },
        plan.job,
        plan.prepared,
      );
    },
    {
      concurrency: opts.concurrency,
      ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onRetry: ({ zone }, _attempt, err) => report({ retries: 1 }, `${zone}：${messageOf(err)}`),
      onOutcome: (o) => {
        planned.delete(o.zone);
        progress.done++;
        progress[o.status]++;
        if (o.status === 'skipped' && o.note) progress.noData++;
        report({}, o.status === 'failed' ? `${o.zone}：${o.error ?? ''}` : undefined);
      },
    },
  );
  const t2 = performance.now();
  const outcomes = [...settled, ...worked];
  const started = new Set(worked.map((o) => o.zone));
  return {
    summary: summarizeZoneBatch(outcomes, t2 - t0),
    outcomes,
    notStarted: toDo.filter((z) => !started.has(z.zone)).map((z) => z.zone),
    timings: { planMs: Math.round(t1 - t0), renderMs: Math.round(t2 - t1) },
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
