/**
 * Issue 17.3: the embedded stores answer only their owner, and the archive never serves bytes
 * whose hash differs from the catalog's. Reproduces the two reported attacks (an anonymous PUT
 * over an archived PDF, ListTables with a bogus signature) against the real stack, then checks
 * presigned URLs, a tampered object, and the permissions of the state, lock and socket folders.
 */
import { createHash, createHmac } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TamperedObjectError, verifiedBytes } from '../../functions/app/verified-download.ts';
import type { Issue } from '#core/model.ts';
import { startLocalServer, type LocalServer } from '#local/server.ts';
import { lockPathOf, readStackLock } from '#local/stack.ts';
import { startTestStores, type TestStores } from '#tests/support/stores.ts';
import { createTinyRenderer } from '#tests/support/tiny-renderer.ts';

const TOKEN = 'operator-token-for-store-access-tests';

describe('local stores: owner only, archive bytes verified', () => {
  let stores: TestStores;
  let server: LocalServer;
  let issue: Issue;
  const logs: string[] = [];
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  beforeAll(async () => {
    stores = await startTestStores({ renderer: createTinyRenderer() });
    server = await startLocalServer({
      services: stores.services,
      root: join(import.meta.dirname, '..', '..'),
      schedules: false,
      outboxDir: join(stores.dir, 'outbox'),
      workDir: join(stores.dir, 'work'),
      token: TOKEN,
      log: (m) => logs.push(m),
    });
    // A regional report: its series needs no review, the request releases it.
    const res = await fetch(`${server.url}/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'regional-report',
        region: '长三角',
        requestId: 'store-access',
      }),
    });
    expect(res.status).toBe(202);
    const { issueId } = (await res.json()) as { issueId: string };
    issue = (await stores.services.catalog.get(issueId))!;
    expect(issue.status).toBe('published');
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await stores?.stop();
  });

  const s3Url = (key: string) =>
    `${stores.stack.env.AWS_ENDPOINT_URL_S3}/${stores.config.bucket}/${key}`;

  it('refuses an anonymous PUT over an archived PDF, and the download still serves the original', async () => {
    // Act: the attack of the report — an unsigned PUT to the object's key on the S3 port.
    const put = await fetch(s3Url(issue.s3Key!), {
      method: 'PUT',
      body: '%PDF-1.7 tampered',
      headers: { 'content-type': 'application/pdf' },
    });
    const anonymousGet = await fetch(s3Url(issue.s3Key!));
    const anonymousList = await fetch(`${stores.stack.env.AWS_ENDPOINT_URL_S3}/`);

    // Assess: refused, the object unchanged, the download serves the published bytes.
    expect(put.status).toBe(403);
    expect(await put.text()).toMatch(/<Code>AccessDenied<\/Code>/);
    expect(anonymousGet.status).toBe(403);
    expect(anonymousList.status).toBe(403);
    const stored = await stores.services.archive.get(issue.s3Key!);
    expect(sha(stored!)).toBe(issue.sha256);
    const redirect = await fetch(`${server.url}/bulletins/${issue.id}/download`, {
      redirect: 'manual',
    });
    expect(redirect.status).toBe(302);
    const pdf = new Uint8Array(
      await (await fetch(redirect.headers.get('location')!)).arrayBuffer(),
    );
    expect(sha(pdf)).toBe(issue.sha256);
  });

  it('refuses ListTables with a bogus signature, a wrong secret or a foreign key id', async () => {
    const endpoint = stores.stack.env.AWS_ENDPOINT_URL_DYNAMODB!;
    const region = stores.stack.env.AWS_REGION!;
    const ours = stores.stack.env.AWS_ACCESS_KEY_ID!;
    // The attack of the report: a well-formed Authorization header with a made-up signature.
    const amzDate = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const bogus = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        'x-amz-date': amzDate,
        authorization: `AWS4-HMAC-SHA256 Credential=${ours}/${amzDate.slice(0, 8)}/${region}/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${createHmac('sha256', 'guess').update('x').digest('hex')}`,
      },
      body: '{}',
    });
    const unsigned = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
      },
      body: '{}',
    });
    const client = (accessKeyId: string, secretAccessKey: string) =>
      new DynamoDBClient({
        region,
        endpoint,
        credentials: { accessKeyId, secretAccessKey },
        maxAttempts: 1,
      });
    const wrongSecret = client(ours, 'not-the-secret-of-this-stack');
    const foreignKey = client('S3RVER', 'S3RVER');
    const owner = client(ours, stores.stack.env.AWS_SECRET_ACCESS_KEY!);

    // Assess
    expect(bogus.status).toBe(400);
    const bogusBody = await bogus.text();
    expect(bogusBody).toMatch(/InvalidSignatureException/);
    expect(bogusBody).not.toMatch(/TableNames/);
    expect(unsigned.status).toBe(400);
    expect(await unsigned.text()).not.toMatch(/TableNames/);
    await expect(wrongSecret.send(new ListTablesCommand({}))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
    await expect(foreignKey.send(new ListTablesCommand({}))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    const listed = await owner.send(new ListTablesCommand({}));
    expect(listed.TableNames).toEqual(expect.arrayContaining(Object.values(stores.config.tables)));
    for (const c of [wrongSecret, foreignKey, owner]) c.destroy();
  });

  it('refuses presigned URLs whose signature, key or lifetime was altered', async () => {
    const s3 = stores.services.clients.s3;
    const url = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: stores.config.bucket, Key: issue.s3Key! }),
      { expiresIn: 60 },
    );
    const u = new URL(url);
    const otherKey = new URL(url);
    otherKey.pathname = otherKey.pathname.replace(/\.pdf$/, '-other.pdf');
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '604800');
    const resigned = new URL(url);
    resigned.searchParams.set('X-Amz-Signature', '0'.repeat(64));

    expect((await fetch(u)).status).toBe(200);
    for (const bad of [otherKey, longer, resigned]) expect((await fetch(bad)).status).toBe(403);
  });

  it('does not serve an archived file whose bytes differ from the catalog, and says so', async () => {
    // Prepare: bytes changed behind the catalog's back (with the owner's own credentials —
    // what a damaged or hand-edited state folder amounts to).
    const original = (await stores.services.archive.get(issue.s3Key!))!;
    const put = (body: Uint8Array) =>
      stores.services.clients.s3.send(
        new PutObjectCommand({ Bucket: stores.config.bucket, Key: issue.s3Key!, Body: body }),
      );
    await put(new TextEncoder().encode('%PDF-1.7 not the published file'));
    logs.length = 0;

    // Act
    const res = await fetch(`${server.url}/bulletins/${issue.id}/download`, { redirect: 'manual' });
    const verified = verifiedBytes(stores.services.archive, issue.s3Key!, issue);

    // Assess: refused with a clear error, logged; the CLI's path refuses too.
    expect(res.status).toBe(502);
    expect(res.headers.get('location')).toBeNull();
    expect((await res.json()).error).toMatch(/与目录记录 \(catalog, sha256\) 不符/);
    expect(logs.join('\n')).toMatch(
      new RegExp(`拒绝下载 ${issue.id}：.*与目录 \\(catalog\\) 记录不符`),
    );
    await expect(verified).rejects.toBeInstanceOf(TamperedObjectError);

    // Restored bytes are served again.
    await put(original);
    const again = await fetch(`${server.url}/bulletins/${issue.id}/download`, {
      redirect: 'manual',
    });
    expect(again.status).toBe(302);
  });

  it('keeps the state folder, the lock with the credentials and the store sockets owner-only', async () => {
    const lock = await readStackLock(stores.stack.stateDir);
    expect(lock?.credentials?.accessKeyId).toBe(stores.stack.env.AWS_ACCESS_KEY_ID);
    expect(lock?.pid).toBe(stores.stack.pid);
    expect((await stat(stores.stack.stateDir)).mode & 0o777).toBe(0o700);
    expect((await stat(lockPathOf(stores.stack.stateDir))).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(lock!.control!))).mode & 0o777).toBe(0o700);
    // The credentials are this stack's own: random, not the well-known local defaults.
    expect(stores.stack.env.AWS_ACCESS_KEY_ID).toMatch(/^LOCAL[0-9A-F]{16}$/);
    expect(stores.stack.env.AWS_SECRET_ACCESS_KEY).not.toBe('S3RVER');
  });
});
