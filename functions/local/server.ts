/**
 * The local server: the API app (archive page, downloads, feeds, subscriptions, on-demand
 * reports) on loopback through `@hono/node-server`, the configured schedules run by croner
 * in their time zone (Asia/Shanghai), and mail written to an outbox folder as `.eml` files.
 * The same handlers, stores and renderer as the deployment; only the transport differs.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { Cron } from 'croner';
import { loadLocalServerSettings } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { formatBeijing } from '../core/time.ts';
import { createOutboxNotifier } from '../adapters/ses/notifier.ts';
import { acceptReportRequest, publishReport, startedOf, type PublishDeps } from '../app/publish.ts';
import type { Progress } from '../app/ingest.ts';
import { seedIfEmpty } from '../app/repository-data.ts';
import { jobFromRequest, LOCAL_PRINCIPAL } from '../app/requests.ts';
import { fireSchedule, loadSchedules, type ScheduleOutcome } from '../app/schedules.ts';
import { startLocalEnvironment } from '../wiring/local.ts';
import { publishDepsOf, type Services } from '../wiring/services.ts';
import { createApiApp } from '../api/app.ts';
import type { ConsoleSchedule, ConsoleSchedules } from '../api/console/kit.ts';
import { releaseDue } from '../app/lifecycle.ts';
import { embargoSealer, REVEAL_AHEAD_MS } from '../app/embargo.ts';
import { firingStands, movedFiringsDue } from '../app/calendar.ts';
import type { ScheduleDefinition } from '../app/schedules.ts';
import { calendarDepsOf } from '../wiring/calendar.ts';
import { lifecycleDepsOf } from '../wiring/lifecycle.ts';
import { localCoverMaker } from '../app/issue-cover.ts';
import { makesCovers } from '../app/ports.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** How often `serve` looks for embargoes whose time has come. */
export const EMBARGO_TICK_MS = 1000;

/**
 * The nominal time a job fired for: croner reports the actual start (a few ms, or after a
 * laptop sleep minutes, late); the slot key must use the scheduled minute.
 */
export function scheduledTimeOf(job: Cron, firedAt: Date): Date {
  return job.previousRuns(1, new Date(firedAt.getTime() + 1))[0] ?? firedAt;
}

export interface LocalServerOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Services to use (their stack is the caller's); otherwise an embedded stack is started. */
  services?: Services;
  /** State folder of the embedded stack (when `services` is not given). */
  stateDir?: string;
  /** Keep the embedded DynamoDB in memory (tests). */
  inMemory?: boolean;
  /** Repository root: `data/` is loaded from here when the store is empty. Default: this repo. */
  root?: string;
  /** Load data/ when the store has no national GDP record yet. Default true. */
  loadData?: boolean;
  /** Progress of that load (the CLI passes its progress bar). */
  ingestProgress?: { update: Progress; stop(): void };
  /** Schedules file; `false` runs no schedules. Default `<root>/data/schedules.json`. */
  schedules?: string | false;
  /** Folder for `.eml` files. Default `BULLETIN_OUTBOX_DIR`, else `<root>/.local/outbox`. */
  outboxDir?: string;
  /** Folder for the HTML and PDF of each render. Default `<root>/.local/work`. */
  workDir?: string;
  /** Bearer token for POST /reports. Default env `BULLETIN_LOCAL_API_TOKEN`, else random. */
  token?: string;
  /** Overrides the presigned URL lifetime of the configuration (seconds, ≤ 900). */
  presignTtlSeconds?: number;
  log?: (message: string) => void;
}

export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  token: string;
  outboxDir: string;
  services: Services;
  /** The deps every publish of this server uses (subscribers are notified). */
  publishDeps: PublishDeps;
  /** Every schedule of the file; a disabled one has no next run (it never fires). */
  schedules: {
    id: string;
    kind: string;
    cron: string;
    timeZone: string;
    enabled: boolean;
    nextRun: Date | null;
  }[];
  /**
   * Runs what a schedule does for the firing at `scheduledAt` (what its cron job calls): one
   * report, or the all-zones batch. Runs a disabled schedule too: the caller asked for it.
   */
  runSchedule(id: string, scheduledAt: Date): Promise<ScheduleOutcome>;
  /** Stops the schedules, the HTTP server, the browser and (if it owns it) the stack. */
  stop(): Promise<void>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * Starts the local server. Stop it with `stop()`; `bulletin serve` does that on SIGINT/SIGTERM.
 *
 * @example
 * const server = await startLocalServer({ stateDir: '.local/state' });
 * console.log(`${server.url}/ (token ${server.token})`);
 */
export async function startLocalServer(opts: LocalServerOptions = {}): Promise<LocalServer> {
  const root = opts.root ?? REPO_ROOT;
  const log = opts.log ?? (() => undefined);
  const cleanup: (() => Promise<void>)[] = [];
  try {
    const seed = {
      root,
      log,
      ...(opts.ingestProgress ? { onProgress: opts.ingestProgress.update } : {}),
    };
    let s: Services;
    try {
      if (opts.services) {
        s = opts.services;
        if (opts.loadData !== false) await seedIfEmpty(s, seed);
      } else {
        const local = await startLocalEnvironment({
          stateDir: opts.stateDir ?? join(root, '.local', 'state'),
          ...(opts.inMemory ? { inMemory: true } : {}),
          log,
          ...(opts.loadData !== false ? { seed } : {}),
        });
        cleanup.push(() => local.stop());
        s = local.services;
      }
    } finally {
      opts.ingestProgress?.stop();
    }
    const config = {
      ...s.config,
      ...(opts.presignTtlSeconds ? { presignTtlSeconds: opts.presignTtlSeconds } : {}),
    };

    const outboxDir = resolve(
      opts.outboxDir ?? s.config.outboxDir ?? join(root, '.local', 'outbox'),
    );
    const notifier = createOutboxNotifier(outboxDir, { sender: s.config.senderAddress });
    const token =
      opts.token ?? loadLocalServerSettings().apiToken ?? randomBytes(24).toString('base64url');
    const expected = sha256(token);

    // The base URL is known once the port is: publish deps read it lazily.
    let url = '';
    const publishDeps: PublishDeps = {
      ...publishDepsOf(s, { workDir: resolve(opts.workDir ?? join(root, '.local', 'work')), log }),
      // The local server always notifies: its own address serves the links.
      subscribers: s.subscribers,
      notifier,
      get publicBaseUrl() {
        return s.config.publicBaseUrl ?? url;
      },
    };

    const inflight = new Set<Promise<unknown>>();
    const track = <T>(p: Promise<T>): Promise<T> => {
      inflight.add(p);
      void p.finally(() => inflight.delete(p)).catch(() => undefined);
      return p;
    };

    // The editorial cycle: operator page and API under /operator; embargoed releases fire here.
    const lifecycle = lifecycleDepsOf(publishDeps, { log });
    const authenticate = async (req: Request) => {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.get('authorization') ?? '');
      if (!m) return undefined;
      return timingSafeEqual(sha256(m[1]!), expected) ? LOCAL_PRINCIPAL : undefined;
    };
    // Every second, one tick at a time: a release still printing is not started again by the
    // next tick. An embargo is printed ahead (its own loop: a print never holds up a release)
    // and released a moment before its second, its catalog entry written at the second.
    let ticking = false;
    let sealing = false;
    const sealDue = embargoSealer(lifecycle);
    let movedSince = s.clock.now();
    const embargo = setInterval(() => {
      if (!sealing) {
        sealing = true;
        void track(sealDue())
          .catch((err: unknown) =>
            log(`定时发布预先生成失败：${err instanceof Error ? err.message : String(err)}`),
          )
          .finally(() => {
            sealing = false;
          });
      }
      if (ticking) return;
      ticking = true;
      const tick = async () => {
        await releaseDue(lifecycle, { aheadMs: REVEAL_AHEAD_MS });
        // Release dates moved on the calendar fire at their new time, under their first slot.
        const now = s.clock.now();
        for (const m of await movedFiringsDue(s.calendar, movedSince, now)) {
          log(
            `定时任务 ${m.scheduleId}：${formatBeijing(m.firstAt)} 改到 ${formatBeijing(m.movedTo)}，现在运行`,
          );
          void runSchedule(m.scheduleId, m.firstAt).catch((err: unknown) =>
            log(
              `定时任务 ${m.scheduleId} 失败：${err instanceof Error ? err.message : String(err)}`,
            ),
          );
        }
        movedSince = now;
      };
      void track(tick())
        .catch((err: unknown) =>
          log(`定时发布检查失败：${err instanceof Error ? err.message : String(err)}`),
        )
        .finally(() => {
          ticking = false;
        });
    }, EMBARGO_TICK_MS);
    embargo.unref();
    cleanup.unshift(async () => clearInterval(embargo));

    const calendarSchedules: ScheduleDefinition[] = [];
    // The schedules' side of the console: filled in once the schedules file is read below.
    const scheduleControl: { current?: ConsoleSchedules } = {};
    const app = createApiApp({
      // A released issue's cover, made on its first request by this process's renderer.
      ...(makesCovers(s.renderer)
        ? {
            makeCover: localCoverMaker({
              archive: s.archive,
              catalog: s.catalog,
              renderer: s.renderer,
              workDir: publishDeps.workDir!,
            }),
          }
        : {}),
      operator: {
        lifecycle,
        authenticate,
        series: s.reference.series.map((x) => x.id),
        presignTtlSeconds: config.presignTtlSeconds,
        timeZone: config.timeZone,
        desk: s.desk,
      },
      console: {
        lifecycle,
        desk: s.desk,
        subscribers: s.subscribers,
        notifier,
        reference: s.reference,
        series: s.reference.series.map((x) => x.id),
        timeZone: config.timeZone,
        presignTtlSeconds: config.presignTtlSeconds,
        publicBaseUrl: () => s.config.publicBaseUrl ?? url,
        schedules: {
          list: () => scheduleControl.current?.list() ?? Promise.resolve([]),
          setEnabled: (id, on, by) =>
            scheduleControl.current
              ? scheduleControl.current.setEnabled(id, on, by)
              : Promise.reject(new ConfigError(`没有定时任务 "${id}"`)),
          runNow: (id, by) =>
            scheduleControl.current
              ? scheduleControl.current.runNow(id, by)
              : Promise.reject(new ConfigError(`没有定时任务 "${id}"`)),
        },
        calendar: calendarDepsOf(s, calendarSchedules),
        // The cycle's clock: an overdue mark agrees with what the embargo tick releases.
        now: () => s.clock.now(),
        log,
      },
      catalog: s.catalog,
      archive: s.archive,
      records: s.records,
      subscribers: s.subscribers,
      notifier,
      reference: s.reference,
      config,
      log,
      // The schedules are read below, once the server listens: the calendar sees them then.
      calendar: calendarDepsOf(s, calendarSchedules),
      // Links come from configuration, else from this server's own address (127.0.0.1 and
      // the port it listens on) — never from the Host header of a request.
      publicBaseUrl: () => s.config.publicBaseUrl ?? url,
      authenticate,
      async requestReport(body, principal) {
        log(`收到报告请求（${principal}）：${body.kind}${body.period ? ` ${body.period}` : ''}`);
        // Run at once (no queue here), under the same slot key as on AWS.
        const { requestedBy: _by, ...request } = jobFromRequest(body, principal, randomUUID());
        return acceptReportRequest(publishDeps, request, async () =>
          startedOf(
            await track(publishReport(publishDeps, { ...request, trigger: `api (${principal})` })),
          ),
        );
      },
    });

    const server = createAdaptorServer({
      hostname: '127.0.0.1',
      fetch: async (req: Request) => {
        const res = await app.fetch(req);
        // Path only: query strings carry tokens.
        log(`请求 ${req.method} ${new URL(req.url).pathname} → ${res.status}`);
        return res;
      },
    }) as Server;
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(opts.port ?? 0, '127.0.0.1', () => ok());
    });
    cleanup.unshift(async () => {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const definitions =
      opts.schedules === false
        ? []
        : await loadSchedules(opts.schedules ?? join(root, 'data', 'schedules.json'));
    calendarSchedules.push(...definitions);
    const runSchedule = async (id: string, scheduledAt: Date): Promise<ScheduleOutcome> => {
      const def = definitions.find((d) => d.id === id);
      if (!def) throw new ConfigError(`没有定时任务 "${id}"`);
      return track(fireSchedule(publishDeps, def, scheduledAt));
    };
    const describe = (o: ScheduleOutcome) =>
      o.allZones
        ? `园区画像生成 ${o.summary.rendered} 份，跳过 ${o.summary.skipped}，失败 ${o.summary.failed}`
        : `运行 ${o.run.runId} · ${o.message}`;
    // A disabled schedule is listed but gets no cron job: it never fires. The console's switch
    // (stored in the desk store) overrides the file's `enabled`.
    const switches = new Map((await s.desk.scheduleSwitches()).map((x) => [x.id, x]));
    const isOn = (d: (typeof definitions)[number]) => switches.get(d.id)?.enabled ?? d.enabled;
    const jobs = new Map<string, Cron>();
    const startJob = (def: (typeof definitions)[number]) => {
      if (jobs.has(def.id)) return;
      jobs.set(
        def.id,
        new Cron(
          def.cron,
          {
            name: `bulletin-${def.id}-${randomUUID()}`,
            timezone: def.timeZone,
            mode: '5-part',
            // A firing that is still rendering when the next one is due is not run twice.
            protect: true,
          },
          async (job: Cron) => {
            const at = scheduledTimeOf(job, job.currentRun() ?? new Date());
            log(`定时任务 ${def.id} 触发（${formatBeijing(at)}）`);
            try {
              // A date moved or cancelled on the release calendar does not fire here.
              const { stands, change } = await firingStands(s.calendar, def.id, at);
              if (!stands) {
                log(
                  `定时任务 ${def.id}：${formatBeijing(at)} ${change!.action === 'cancelled' ? '已取消' : '已改期'}（${change!.reason}）`,
                );
                return;
              }
              log(`定时任务 ${def.id}：${describe(await runSchedule(def.id, at))}`);
            } catch (err) {
              log(`定时任务 ${def.id} 失败：${err instanceof Error ? err.message : String(err)}`);
            }
          },
        ),
      );
    };
    const stopJob = (id: string) => {
      jobs.get(id)?.stop();
      jobs.delete(id);
    };
    for (const def of definitions) if (isOn(def)) startJob(def);
    cleanup.unshift(async () => {
      for (const job of jobs.values()) job.stop();
    });
    scheduleControl.current = {
      async list() {
        const stored = new Map((await s.desk.scheduleSwitches()).map((x) => [x.id, x]));
        return definitions.map((d): ConsoleSchedule => ({
          id: d.id,
          kind: d.kind,
          cron: d.cron,
          timeZone: d.timeZone,
          ...(d.description ? { description: d.description } : {}),
          allZones: d.allZones === true,
          ...(d.params.region ? { region: d.params.region } : {}),
          ...(d.params.zone ? { zone: d.params.zone } : {}),
          enabled: stored.get(d.id)?.enabled ?? d.enabled,
          ...(stored.get(d.id)
            ? { switchedBy: stored.get(d.id)!.by, switchedAt: stored.get(d.id)!.at }
            : {}),
        }));
      },
      async setEnabled(id, on, by) {
        const def = definitions.find((d) => d.id === id);
        if (!def) throw new ConfigError(`没有定时任务 "${id}"`);
        const entry = { id, enabled: on, by, at: new Date().toISOString() };
        await s.desk.setScheduleSwitch(entry);
        switches.set(id, entry);
        if (on) startJob(def);
        else stopJob(id);
      },
      async runNow(id) {
        const at = new Date();
        // An all-zones run takes minutes: it goes on here; the runs page shows its outcome.
        void runSchedule(id, at).then(
          (o) => log(`定时任务 ${id}（立即运行）：${describe(o)}`),
          (err: unknown) =>
            log(
              `定时任务 ${id}（立即运行）失败：${err instanceof Error ? err.message : String(err)}`,
            ),
        );
        return at.toISOString();
      },
    };

    let stopped = false;
    return {
      url,
      token,
      outboxDir,
      services: s,
      publishDeps,
      get schedules() {
        return definitions.map((d) => ({
          id: d.id,
          kind: d.kind,
          cron: d.cron,
          timeZone: d.timeZone,
          enabled: jobs.has(d.id),
          nextRun: jobs.get(d.id)?.nextRun() ?? null,
        }));
      },
      runSchedule,
      async stop() {
        if (stopped) return;
        stopped = true;
        for (const job of jobs.values()) job.stop();
        // Let a render in progress finish (bounded), so its issue is not left half-done.
        if (inflight.size > 0) {
          log(`等待进行中的 ${inflight.size} 次发布完成 …`);
          await Promise.race([
            Promise.allSettled([...inflight]),
            new Promise((r) => setTimeout(r, 30_000).unref()),
          ]);
        }
        for (const step of cleanup) await step().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const step of cleanup) await step().catch(() => undefined);
    throw err;
  }
}
