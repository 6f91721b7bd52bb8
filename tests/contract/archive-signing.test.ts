/**
 * An archive upload is signed with the sha256 the archive computed for its record (the
 * `x-amz-content-sha256` S3 checks against the body, as the local stores' proxy does): the SDK
 * does not hash the body a second time on the Node thread, and a declared hash that is not the
 * body's is refused, not stored.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ClientConfig } from '#adapters/aws-clients.ts';
import { createS3Archive } from '#adapters/s3/archive.ts';
import { getObject, putObject } from '#adapters/s3/objects.ts';
import { startTestStores, type TestStores } from '#tests/support/stores.ts';

/** Bytes the S3 client's sha256 (signing and payload hashes) was given. */
let hashedBytes = 0;
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (data: SourceData, encoding?: BufferEncoding): Uint8Array =>
  typeof data === 'string'
    ? Buffer.from(data, encoding ?? 'utf8')
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
/** The SDK's checksum interface over node:crypto, counting what it hashes. */
class CountingSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret ? createHmac('sha256', bytesOf(this.secret)) : createHash('sha256');
  }
  update(data: SourceData, encoding?: BufferEncoding): void {
    const bytes = bytesOf(data, encoding);
    hashedBytes += bytes.byteLength;
    this.hash.update(bytes);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

describe('archive uploads signed with their own sha256', () => {
  let stores: TestStores;
  let s3: S3Client;

  beforeAll(async () => {
    stores = await startTestStores();
    // As aws-clients.ts builds it, with a sha256 that counts.
    s3 = new S3Client({ ...s3ClientConfig(stores.config), sha256: CountingSha256 });
  }, 60_000);
  afterAll(async () => {
    s3?.destroy();
    await stores?.stop();
  });

  it('hashes a 1 MB body once (the archive), not again for the signature', async () => {
    // Prepare
    const body = new Uint8Array(2 ** 20).map((_, i) => (i * 7) % 251);
    const archive = createS3Archive(s3, stores.config.bucket);
    hashedBytes = 0;

    // Act
    const { sha256 } = await archive.put('issues/signing/big.pdf', body, { fileName: 'big.pdf' });

    // Assess: stored as sent; the SDK hashed only the signature's strings (a few hundred bytes).
    expect(sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(await archive.get('issues/signing/big.pdf')).toEqual(body);
    expect(hashedBytes).toBeLessThan(64 * 1024);
  });

  it('refuses a body whose declared sha256 is another body’s, and stores nothing', async () => {
    // Prepare
    const body = new TextEncoder().encode('正文 (body)');
    const other = createHash('sha256').update('another body').digest('hex');

    // Act
    const put = putObject(s3, stores.config.bucket, 'issues/signing/wrong.txt', body, {
      contentType: 'text/plain',
      sha256: other,
    });

    // Assess
    await expect(put).rejects.toThrow();
    expect(await getObject(s3, stores.config.bucket, 'issues/signing/wrong.txt')).toBeUndefined();
  });
});
