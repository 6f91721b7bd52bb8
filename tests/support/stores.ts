/**
 * One real local stack per test file: dynalite + s3rver on free loopback ports, the tables and
 * the bucket bootstrapped, and the services wired to them through the AWS SDK exactly as the
 * product wires them. Plus a byte-level dump of everything stored, to prove that a refused
 * input or a failed run changed nothing.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { inflateRawSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { loadConfig, type AppConfig } from '#config';
import { bootstrapStores } from '#adapters/bootstrap.ts';
import type { PdfRenderer } from '../../functions/app/ports.ts';
import { createServices, type Services } from '../../functions/wiring/services.ts';
import { ingestFiles, type IngestSummary } from '../../functions/app/ingest.ts';
import type { PublishDeps } from '../../functions/app/publish.ts';
import type { Issue } from '#core/model.ts';
import { startLocalStack, type LocalStack } from '#local/stack.ts';

export interface TestStores {
  stack: LocalStack;
  config: AppConfig;
  services: Services;
  /** A fresh folder of this test file, removed by `stop()`. */
  dir: string;
  stop(): Promise<void>;
}

/**
 * Starts the local stack and bootstraps it. The AWS SDK reads the local credentials from the
 * environment, so they are set on `process.env` (each test file runs in its own process).
 */
export async function startTestStores(
  opts: { renderer?: PdfRenderer; env?: Record<string, string> } = {},
): Promise<TestStores> {
  const dir = await mkdtemp(join(tmpdir(), 'bulletin-test-'));
  const stack = await startLocalStack({ stateDir: join(dir, 'state'), inMemory: true });
  Object.assign(process.env, stack.env);
  const config = loadConfig({ ...process.env, ...stack.env, ...opts.env });
  const services = createServices(config, opts.renderer ? { renderer: opts.renderer } : {});
  await bootstrapStores(config, services.clients);
  return {
    stack,
    config,
    services,
    dir,
    async stop() {
      await services.close();
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Every item of every table (raw attribute values, sorted by key) and every object of the
 * bucket (key, size, sha256 of the bytes, metadata), as one string. Tests only: the product
 * never scans.
 */
export async function dumpStores(services: Services): Promise<string> {
  const { config, clients } = services;
  const tables: Record<string, string[]> = {};
  for (const [id, name] of Object.entries(config.tables)) {
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await clients.dynamodb.send(
        new ScanCommand({ TableName: name, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    tables[id] = items.map((item) => canonicalJson(item)).sort();
  }
  const objects: string[] = [];
  let token: string | undefined;
  do {
    const out = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: config.bucket, ContinuationToken: token }),
    );
    for (const o of out.Contents ?? []) {
      const got = await clients.s3.send(
        new GetObjectCommand({ Bucket: config.bucket, Key: o.Key }),
      );
      const bytes = await got.Body!.transformToByteArray();
      const sha = createHash('sha256').update(bytes).digest('hex');
      objects.push(canonicalJson({ key: o.Key, bytes: bytes.byteLength, sha, meta: got.Metadata }));
    }
    token = out.NextContinuationToken;
  } while (token);
  return JSON.stringify({ tables, objects }, null, 1);
}

/**
 * The records table as data, canonical (sorted items, sorted keys): every item except the
 * batch bookkeeping (`BATCH#…` headers and journals, the `INGEST#LOCK`), and without the
 * replaced item each current item carries inline (`prev`) — what a rolled-back batch cannot
 * give back byte for byte, and what no read returns once its batch is committed. Tests only.
 */
export async function dumpRecords(services: Services, table = services.config.tables.records) {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await services.clients.dynamodb.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return (
    items
      // Bookkeeping, not data: batch headers and journals, the ingest lock, and the data version
      // (a stamp that only moves forward, also for a batch that was undone).
      .filter((i) => !/^(BATCH#|INGEST#|DATA#)/.test(i.pk?.S ?? ''))
      .map(({ prev: _prev, ...rest }) => canonicalJson(readablePack(rest)))
      .sort()
  );
}

/** A pack with its records as JSON (its `data` is deflated), any other item as it is. */
function readablePack(item: Record<string, AttributeValue>): Record<string, unknown> {
  const data = item.data?.B;
  if (!data || !/^(ZONE|PACKS)#/.test(item.pk?.S ?? '')) return item;
  const { data: _data, ...rest } = item;
  return { ...rest, records: JSON.parse(inflateRawSync(data).toString('utf8')) as unknown };
}

/** JSON with object keys sorted, so equal items give equal strings. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}

/** The repository root. */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Ingests the real figures of `data/records/` and the sample articles, as `npm start` does
 * (`now`: the instant the records are stored at).
 */
export async function seedRealData(
  services: Services,
  opts: { now?: Date } = {},
): Promise<IngestSummary> {
  const dir = join(REPO, 'data', 'records');
  const names = [
    ...(await readdir(dir)).filter((n) => n.endsWith('.csv')).map((n) => join(dir, n)),
    join(REPO, 'data', 'articles.json'),
  ];
  const files = await Promise.all(
    names.map(async (name) => ({ name, bytes: new Uint8Array(await readFile(name)) })),
  );
  return ingestFiles(
    { records: services.records, reference: services.reference },
    files,
    opts.now ? { now: opts.now } : {},
  );
}

/** What `publishReport` needs, from services (a renderer of the test's choice). */
export function publishDeps(
  services: Services,
  renderer: PdfRenderer,
  workDir: string,
  log?: (m: string) => void,
): PublishDeps {
  return {
    records: services.records,
    catalog: services.catalog,
    cycle: services.cycle,
    archive: services.archive,
    renderer,
    reference: services.reference,
    workDir,
    timeZone: services.config.timeZone,
    ...(log ? { log } : {}),
  };
}

/**
 * Every issue of a series (through the catalog's own Query), and for each published one whether
 * the archive holds an object with exactly the recorded sha256 and size. Returns the
 * violations (empty when every catalog claim is backed by S3).
 */
export async function unbackedClaims(
  services: Services,
  series = 'torch-bulletin',
): Promise<{ issues: Issue[]; violations: string[] }> {
  const issues: Issue[] = [];
  let cursor: string | undefined;
  do {
    const page = await services.catalog.list(series, { limit: 100, ...(cursor ? { cursor } : {}) });
    issues.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  const violations: string[] = [];
  for (const issue of issues.filter((i) => i.status === 'published')) {
    if (!issue.s3Key) {
      violations.push(`${issue.id}: published without an S3 key`);
      continue;
    }
    const bytes = await services.archive.get(issue.s3Key);
    if (!bytes) violations.push(`${issue.id}: ${issue.s3Key} is not in S3`);
    else {
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (sha !== issue.sha256) violations.push(`${issue.id}: sha256 ${sha} ≠ ${issue.sha256}`);
      if (bytes.byteLength !== issue.bytes)
        violations.push(`${issue.id}: ${bytes.byteLength} bytes ≠ ${issue.bytes}`);
    }
  }
  return { issues, violations };
}
