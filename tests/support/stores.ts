/**
 * One real local stack per test file: dynalite + s3rver on free loopback ports, the tables and
 * the bucket bootstrapped, and the services wired to them through the AWS SDK exactly as the
 * product wires them. Plus a byte-level dump of everything stored, to prove that a refused
 * input or a failed run changed nothing.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { loadConfig, type AppConfig } from '#config';
import { bootstrapStores } from '#adapters/bootstrap.ts';
import type { PdfRenderer } from '#adapters/pdf-renderer.ts';
import { createServices, type Services } from '../../functions/app/services.ts';
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
