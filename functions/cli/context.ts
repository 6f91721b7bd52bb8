/**
 * What every CLI command shares: the target (embedded stack or AWS), services for it,
 * progress and message output. Each command lives in `commands/<name>.ts` and registers
 * itself on the program with `register(program, cli)`.
 */
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { parsePeriod } from '../core/periods.ts';
import type { PublishDeps } from '../app/publish.ts';
import type { LocalStack } from '../local/stack.ts';
import { runningServer, type ServerRecord } from '../local/server-record.ts';
import type { NoticeWay } from '../wiring/notices.ts';
import type { CatalogReader } from '../wiring/catalog.ts';
import type { LocalEnvironment } from '../wiring/local.ts';
import type { Services } from '../wiring/services.ts';

// The SDK, the embedded stores and everything a command's services pull in are loaded when a
// command first needs them, not at start: `bulletin --help` and `--version` stay fast.
const loadWiring = async () => {
  const [config, seeding, local, services, progress, notices] = await Promise.all([
    import('../config.ts'),
    import('../app/repository-data.ts'),
    import('../wiring/local.ts'),
    import('../wiring/services.ts'),
    import('./progress.ts'),
    import('../wiring/notices.ts'),
  ]);
  return { ...config, ...seeding, ...local, ...services, ...progress, ...notices };
};
let wiring: Awaited<ReturnType<typeof loadWiring>> | undefined;

/** The local stores for a state folder (stack.ts alone is light: it loads no SDK). */
const startStack = async (stateDir: string) =>
  (await import('../local/stack.ts')).startLocalStack({ stateDir });

export const ROOT = resolve(import.meta.dirname, '../..');

export interface GlobalOptions {
  target: 'local' | 'aws';
  stateDir: string;
  quiet?: boolean;
}

export interface Cli {
  root: string;
  options(): GlobalOptions;
  /**
   * Runs `fn` with services for the chosen target, starting and stopping the local stack.
   * `seedIfEmpty`: first load the repository's data/ when the store is empty (`bulletin start`).
   */
  withServices<T>(
    fn: (s: Services, stack?: LocalStack) => Promise<T>,
    opts?: { seedIfEmpty?: boolean },
  ): Promise<T>;
  /**
   * Runs `fn` with the issue catalog only (`bulletin list`): the local stores' process is
   * started (or the running one joined) while the DynamoDB client loads, and nothing else is.
   */
  withCatalog<T>(fn: (reader: CatalogReader) => Promise<T>): Promise<T>;
  /** A message for people (stderr), silenced by --quiet. Results go to stdout. */
  info(message: string): void;
  /**
   * The publish dependencies; a release through them tells subscribers when it can from here
   * ({@link Cli.noticeWay}), exactly as the local server and the console do.
   */
  publishDeps(s: Services, workDir?: string): PublishDeps;
  /** How a release from this command tells subscribers, or why it cannot (inside withServices). */
  noticeWay(s: Services): NoticeWay;
  /** The `bulletin serve` running on the state folder (local target only), else undefined. */
  runningServer(): Promise<ServerRecord | undefined>;
}

export function createCli(program: Command): Cli {
  const options = () => program.opts<GlobalOptions>();
  const info = (msg: string) => {
    if (!options().quiet) process.stderr.write(`${msg}\n`);
  };
  let server: Promise<ServerRecord | undefined> | undefined;
  const findServer = () =>
    options().target === 'local'
      ? (server ??= runningServer(resolve(options().stateDir)))
      : Promise.resolve(undefined);
  let found: ServerRecord | undefined;
  const noticeWay = (s: Services): NoticeWay => {
    if (!wiring) throw new Error('noticeWay() 只能在 withServices() 之内使用');
    return wiring.noticeWayOf(s, {
      target: options().target,
      ...(found ? { server: found } : {}),
    });
  };
  const self: Cli = {
    root: ROOT,
    options,
    info,
    noticeWay,
    runningServer: findServer,
    async withServices(fn, { seedIfEmpty: seed = false } = {}) {
      const opts = options();
      // The stores' process starts while this one loads the SDK and the services.
      const [stackR, wiringR] = await Promise.allSettled([
        opts.target === 'local' ? startStack(resolve(opts.stateDir)) : undefined,
        wiring ?? loadWiring(),
      ]);
      const stack = stackR.status === 'fulfilled' ? stackR.value : undefined;
      if (wiringR.status === 'rejected') {
        await stack?.stop();
        throw wiringR.reason;
      }
      if (stackR.status === 'rejected') throw stackR.reason;
      wiring = wiringR.value;
      const { progressReporter, startLocalEnvironment, createServices, loadConfig, seedIfEmpty } =
        wiring;
      const progress = progressReporter('载入 (ingest)');
      const seeding = {
        root: ROOT,
        // A line written under a drawn bar is overwritten when the bar is redrawn.
        log: (message: string) => {
          progress.stop();
          info(message);
        },
        onProgress: progress.update,
      };
      let local: LocalEnvironment | undefined;
      let services: Services | undefined;
      try {
        try {
          if (opts.target === 'local') {
            local = await startLocalEnvironment({
              stateDir: resolve(opts.stateDir),
              ...(stack ? { stack } : {}),
              ...(seed ? { seed: seeding } : {}),
            });
            // Commands that start more clients (the batch's renderers) read the same endpoints.
            Object.assign(process.env, local.stack.env);
            if (local.stack.shared) info(`使用已在运行的本地存储（${local.stack.holder}）`);
            services = local.services;
          } else {
            services = createServices(loadConfig(process.env));
            if (seed) await seedIfEmpty(services, seeding);
          }
        } finally {
          progress.stop();
        }
        found = await findServer();
        // Without `bulletin serve` nothing else would fire an embargo whose time has passed;
        // its release tells subscribers as any release from here does.
        if (local) await releaseOverdueFirst(services, info, noticeWay(services));
        return await fn(services, local?.stack);
      } finally {
        if (local) await local.stop();
        else await services?.close();
      }
    },
    async withCatalog(fn) {
      const opts = options();
      const local = opts.target === 'local';
      // Both at once: the stores' process starts while this one loads the SDK.
      const [stack, wiringModule] = await Promise.allSettled([
        local ? startStack(resolve(opts.stateDir)) : undefined,
        import('../wiring/catalog.ts'),
      ]);
      const started = stack.status === 'fulfilled' ? stack.value : undefined;
      let reader: CatalogReader | undefined;
      try {
        if (stack.status === 'rejected') throw stack.reason;
        if (wiringModule.status === 'rejected') throw wiringModule.reason;
        if (started?.shared) info(`使用已在运行的本地存储（${started.holder}）`);
        reader = wiringModule.value.openCatalogReader(
          { ...process.env, ...started?.env },
          { missingTableIsEmpty: local },
        );
        // An embargo past its time is released first (that needs the full services): the
        // light path is left for the one that releases what is due, then lists.
        if (local && (await reader.dueReleases(new Date())) > 0) {
          reader.close();
          reader = undefined;
          await started?.stop();
          return await self.withServices((s) =>
            fn({ config: s.config, catalog: s.catalog, dueReleases: async () => 0, close() {} }),
          );
        }
        return await fn(reader);
      } finally {
        reader?.close();
        await started?.stop();
      }
    },
    publishDeps(s, workDir = join(ROOT, '.local', 'work')) {
      if (!wiring) throw new Error('publishDeps() 只能在 withServices() 之内使用');
      return wiring.withNotices(wiring.publishDepsOf(s, { workDir, log: info }), noticeWay(s));
    },
  };
  return self;
}

/**
 * Releases what is due before a command that opened the local stores does its work, and says
 * so (one line per release). Loaded only here: commands that open no stores stay light.
 */
async function releaseOverdueFirst(
  services: Services,
  info: (m: string) => void,
  way: NoticeWay,
): Promise<void> {
  const [{ releaseOverdue }, { lifecycleDepsOf }] = await Promise.all([
    import('../app/embargo.ts'),
    import('../wiring/lifecycle.ts'),
  ]);
  const publish = wiring!.withNotices(
    wiring!.publishDepsOf(services, { workDir: join(ROOT, '.local', 'work'), log: info }),
    way,
  );
  for (const line of await releaseOverdue(lifecycleDepsOf(publish, { log: info }))) info(line);
}

/** commander parser for a count option (`--limit`, `--pages`, `--zones` …). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('应为正整数');
  return n;
}

/** commander parser for a period option. */
export function periodArg(value: string): string {
  if (!parsePeriod(value))
    throw new InvalidArgumentError('应为 2024、2024-Q3 或 2024-10 这样的期间');
  return value;
}
