/**
 * The local stack's S3 files (s3rver behind the proxy, in the stores' process, with
 * `functions/local/s3-store.ts`): what a put leaves on disk, objects stored by stock s3rver
 * read as before, and a stores' process killed while it writes an object — the key then holds
 * the old bytes or the new ones, whole, never part of them.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#config';
import { bootstrapStores } from '#adapters/bootstrap.ts';
import { createAwsClients, s3ClientConfig } from '#adapters/aws-clients.ts';
import { putObject } from '#adapters/s3/objects.ts';
import { withoutRequestLog } from '#local/s3-store.ts';
import { startLocalStack, type LocalStack } from '#local/stack.ts';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('the local S3 store', () => {
  let dir: string;
  let stack: LocalStack;
  let s3: S3Client;
  let bucket: string;
  const logs: string[] = [];
  /** The folder of the bucket's files. */
  const bucketDir = () => join(dir, 'state', 's3', bucket);

  async function start(): Promise<void> {
    stack = await startLocalStack({
      stateDir: join(dir, 'state'),
      inMemory: true,
      log: (line) => logs.push(line),
    });
    const config = loadConfig({ ...process.env, ...stack.env });
    bucket = config.bucket;
    const clients = createAwsClients(config);
    await bootstrapStores(config, clients);
    clients.destroy();
    // One attempt: a put cut off by a killed process is not sent again.
    s3 = new S3Client({ ...s3ClientConfig(config), maxAttempts: 1 });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulletin-s3-store-'));
    await start();
  }, 60_000);

  afterAll(async () => {
    s3?.destroy();
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const put = (key: string, body: Uint8Array, contentType = 'application/pdf') =>
    putObject(s3, bucket, key, body, {
      contentType,
      sha256: sha256(body),
      metadata: { edition: '1' },
    });
  const get = async (key: string) => {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { out, bytes: await out.Body!.transformToByteArray() };
  };

  it('a put: ETag the MD5 of the bytes, headers and metadata kept, two files and no temporary one', async () => {
    // Act
    const body = Buffer.from('%PDF-1.7 一期报告');
    await put('issues/a/one.pdf', body);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'issues/a/one.pdf' }));

    // Assess
    expect(head.ETag).toBe(`"${md5(body)}"`);
    expect(head.ContentType).toBe('application/pdf');
    expect(head.ContentLength).toBe(body.byteLength);
    expect(head.Metadata).toEqual({ edition: '1' });
    expect((await readdir(join(bucketDir(), 'issues', 'a'))).sort()).toEqual([
      'one.pdf._S3rver_metadata.json',
      'one.pdf._S3rver_object',
    ]);
  });

  it("s3rver's request log is taken out, and nothing else: a streamed answer is whole", async () => {
    // Prepare: s3rver's middleware as s3rverHandler builds it.
    const { default: S3rver } = await import('s3rver');
    const app = new S3rver({ directory: join(dir, 'other'), silent: true }) as unknown as {
      middleware: { name: string }[];
    };
    const before = app.middleware.map((fn) => fn.name);

    // Act
    withoutRequestLog(app);

    // Assess
    expect(before).toContain('logger');
    expect(app.middleware.map((fn) => fn.name)).toEqual(before.filter((n) => n !== 'logger'));
    // A range and a whole read through the stack answer the bytes stored.
    const body = Buffer.from('火炬'.repeat(50_000));
    await put('issues/a/log.bin', body, 'application/octet-stream');
    expect(Buffer.from((await get('issues/a/log.bin')).bytes).equals(body)).toBe(true);
    const range = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'issues/a/log.bin', Range: 'bytes=3-8' }),
    );
    expect(Buffer.from(await range.Body!.transformToByteArray()).toString()).toBe('炬火');
  });

  it('reads an object stored by stock s3rver (its MD5 in a .md5 file): get, list, copy', async () => {
    // Prepare: the three files stock s3rver 3.7 writes for a put.
    const body = Buffer.from('stored before');
    const folder = join(bucketDir(), 'old');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'a.txt._S3rver_object'), body);
    await writeFile(join(folder, 'a.txt._S3rver_object.md5'), md5(body));
    await writeFile(
      join(folder, 'a.txt._S3rver_metadata.json'),
      JSON.stringify({ 'content-type': 'text/plain', 'x-amz-meta-origin': 'stock' }),
    );

    // Act
    const { out, bytes } = await get('old/a.txt');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'old/' }));
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'old/b.txt',
        CopySource: `${bucket}/old/a.txt`,
      }),
    );
    const copy = await get('old/b.txt');

    // Assess
    expect(Buffer.from(bytes).toString()).toBe('stored before');
    expect(out.ETag).toBe(`"${md5(body)}"`);
    expect(out.ContentType).toBe('text/plain');
    expect(out.Metadata).toEqual({ origin: 'stock' });
    expect(listed.Contents?.map((o) => [o.Key, o.ETag])).toEqual([['old/a.txt', `"${md5(body)}"`]]);
    expect(Buffer.from(copy.bytes).toString()).toBe('stored before');
    expect(copy.out.ETag).toBe(`"${md5(body)}"`);
    expect(copy.out.ContentType).toBe('text/plain');
  });

  it('the stores killed while writing an object: the key holds the old bytes or the new, whole; the other keys are kept', async () => {
    // Prepare: a key stored, then puts of another version over it (24 MB take a while to write).
    const size = 24 * 1024 * 1024;
    const versions = [Buffer.alloc(size, 'a'), Buffer.alloc(size, 'b')];
    const key = 'issues/big/report.pdf';
    await put('issues/big/kept.pdf', Buffer.from('kept'));
    await put(key, versions[0]!);
    const folder = join(bucketDir(), 'issues', 'big');

    for (let kill = 0; kill < 3; kill++) {
      // Act: put the other version until the stores' process is seen writing the object's
      // file (or the one it is written to before its rename), not yet whole; kill it then
      // (or, not seen in 20 puts on a loaded machine, while the 20th is on its way).
      let killed = false;
      for (let round = 0; round < 20 && !killed; round++) {
        let done = false;
        const putting = put(key, versions[(round + kill + 1) % 2]!).then(
          () => (done = true),
          () => (done = true),
        );
        while (!done && !killed) {
          for (const name of await readdir(folder)) {
            if (round === 19) await new Promise((resolve) => setTimeout(resolve, 20));
            if (!name.startsWith('report.pdf._S3rver_object') || name.endsWith('.md5')) continue;
            const bytes = await stat(join(folder, name)).then(
              (s) => s.size,
              () => 0,
            );
            if ((bytes > 0 && bytes < size) || round === 19) {
              process.kill(stack.pid, 'SIGKILL');
              killed = true;
              break;
            }
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
        await putting;
      }
      s3.destroy();
      await stack.stop();
      await start();

      // Assess: whole, and its ETag its own; the other key as it was.
      const { out, bytes } = await get(key);
      expect(bytes.byteLength).toBe(size);
      expect(Buffer.from(bytes).equals(Buffer.alloc(size, bytes[0]!))).toBe(true);
      expect(out.ETag).toBe(`"${md5(bytes)}"`);
      expect(Buffer.from((await get('issues/big/kept.pdf')).bytes).toString()).toBe('kept');
    }
  }, 180_000);
});
