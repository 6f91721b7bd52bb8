/**
 * The laptop environment in one call: the embedded stack (dynalite + s3rver), the
 * configuration pointed at it, the services, the tables and bucket, and — when asked — the
 * repository's data loaded into an empty store. `bulletin <command> --target local` and the
 * local server both start here.
 */
import { loadConfig } from '../config.ts';
import { bootstrapStores } from '../adapters/bootstrap.ts';
import type { IngestSummary, Progress } from '../app/ingest.ts';
import { seedIfEmpty } from '../app/repository-data.ts';
import { startLocalStack, type LocalStack } from '../local/stack.ts';
import { createServices, type ServiceOptions, type Services } from './services.ts';

export interface LocalEnvironmentOptions extends ServiceOptions {
  /** State folder of dynalite and s3rver. */
  stateDir: string;
  /** Keep DynamoDB in memory (tests). */
  inMemory?: boolean;
  /** A stack already started (or joined) for `stateDir`: used instead of starting one. */
  stack?: LocalStack;
  /** Environment the configuration is read from, under the stack's endpoints. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Load `<root>/data` when the store is empty (see `seedIfEmpty`). */
  seed?: { root: string; onProgress?: Progress; log?: (message: string) => void };
}

export interface LocalEnvironment {
  stack: LocalStack;
  services: Services;
  /** What seeding stored; undefined when not asked or the store had data. */
  seeded?: IngestSummary;
  /** Closes the services (browser, clients), then stops the stack. */
  stop(): Promise<void>;
}

/**
 * @example
 * const local = await startLocalEnvironment({ stateDir: '.local/state', seed: { root } });
 * try { await publishBulletin(publishDepsOf(local.services, { workDir }), {}); }
 * finally { await local.stop(); }
 */
export async function startLocalEnvironment(
  opts: LocalEnvironmentOptions,
): Promise<LocalEnvironment> {
  const stack =
    opts.stack ??
    (await startLocalStack({
      stateDir: opts.stateDir,
      ...(opts.inMemory ? { inMemory: true } : {}),
    }));
  let services: Services | undefined;
  try {
    services = createServices(loadConfig({ ...(opts.env ?? process.env), ...stack.env }), opts);
    await bootstrapStores(services.config, services.clients);
    const seeded = opts.seed ? await seedIfEmpty(services, opts.seed) : undefined;
    const own = services;
    return {
      stack,
      services: own,
      ...(seeded ? { seeded } : {}),
      async stop() {
        await own.close();
        await stack.stop();
      },
    };
  } catch (err) {
    await services?.close().catch(() => undefined);
    await stack.stop().catch(() => undefined);
    throw err;
  }
}
