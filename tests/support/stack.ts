/**
 * A test environment: dynalite + s3rver on free loopback ports (in memory / a temp folder),
 * the tables and bucket bootstrapped, services wired through the real AWS SDK, and a
 * private TMPDIR so Chromium unpacks its own binary. `stop()` leaves nothing running.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../functions/config.ts';
import { bootstrapStores } from '../../functions/adapters/bootstrap.ts';
import { ingestFiles, type IngestSummary } from '../../functions/app/ingest.ts';
import type { PublishDeps } from '../../functions/app/publish.ts';
import { createServices, type Services } from '../../functions/wiring/services.ts';
import { startLocalStack, type LocalStack } from '../../functions/local/stack.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface TestStack {
  dir: string;
  stack: LocalStack;
  services: Services;
  publishDeps(overrides?: Partial<PublishDeps>): PublishDeps;
  /** Ingests the repository's own data/ (all record CSVs and the sample articles). */
  ingestRepoData(): Promise<IngestSummary>;
  stop(): Promise<void>;
}

export async function startTestStack(
  opts: { services?: Parameters<typeof createServices>[1] } = {},
): Promise<TestStack> {
  const dir = await mkdtemp(join(tmpdir(), 'bulletin-test-'));
  // Chromium unpacks to $TMPDIR/chromium and reuses whatever it finds there.
  process.env.TMPDIR = join(dir, 'tmp');
  await import('node:fs/promises').then((fs) => fs.mkdir(process.env.TMPDIR!, { recursive: true }));
  const stack = await startLocalStack({ stateDir: join(dir, 'state'), inMemory: true });
  const config = loadConfig({ ...stack.env });
  const services = createServices(config, opts.services);
  await bootstrapStores(config, services.clients);
  return {
    dir,
    stack,
    services,
    publishDeps(overrides = {}) {
      return {
        records: services.records,
        catalog: services.catalog,
        cycle: services.cycle,
        archive: services.archive,
        renderer: services.renderer,
        reference: services.reference,
        workDir: join(dir, 'work'),
        timeZone: config.timeZone,
        ...overrides,
      };
    },
    async ingestRepoData() {
      const recordsDir = join(REPO_ROOT, 'data', 'records');
      const names = (await readdir(recordsDir)).filter((f) => f.endsWith('.csv')).sort();
      const paths = [
        ...names.map((n) => join(recordsDir, n)),
        join(REPO_ROOT, 'data', 'articles.json'),
      ];
      const files = await Promise.all(
        paths.map(async (p) => ({ name: p, bytes: new Uint8Array(await readFile(p)) })),
      );
      return ingestFiles({ records: services.records, reference: services.reference }, files);
    },
    async stop() {
      await services.close();
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
