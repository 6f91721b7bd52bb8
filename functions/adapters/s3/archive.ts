/**
 * The archive port (published PDFs) and its S3 adapter. Objects are private; subscribers
 * get short-lived presigned URLs generated per request.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { StoreError } from '../../errors.ts';
import { sha256Hex } from '../../core/digest.ts';
import { getObject, putObject } from './objects.ts';
import type { Archive } from '../../app/ports.ts';

/**
 * `Content-Disposition` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 8187),
 * so that browsers save `火炬动态-2026-第1期.pdf`.
 */
export function contentDisposition(
  fileName: string,
  disposition: 'attachment' | 'inline' = 'attachment',
): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Keys are ours, never taken from a request as they are: refuse anything path-like. */
export function assertSafeKey(key: string): void {
  if (!/^[a-z0-9][a-z0-9/_.-]{0,400}$/.test(key) || key.includes('..') || key.includes('//')) {
    throw new StoreError('archive', `拒绝不安全的对象键 (object key) ${JSON.stringify(key)}`);
  }
}

export function createS3Archive(s3: S3Client, bucket: string): Archive {
  const component = 'archive';
  return {
    async put(key, body, opts) {
      assertSafeKey(key);
      const sha256 = opts.sha256 ?? sha256Hex(body);
      try {
        await putObject(s3, bucket, key, body, {
          contentType: opts.contentType ?? 'application/pdf',
          contentDisposition: contentDisposition(opts.fileName),
          sha256,
          metadata: { sha256, ...opts.metadata },
        });
      } catch (err) {
        // The reason goes into the message: it is what a failed issue records.
        throw new StoreError(component, `无法存入 s3://${bucket}/${key}：${reason(err)}`, {
          cause: err,
        });
      }
      return { sha256 };
    },

    async get(key) {
      assertSafeKey(key);
      try {
        return await getObject(s3, bucket, key);
      } catch (err) {
        throw new StoreError(component, `无法读取 s3://${bucket}/${key}`, { cause: err });
      }
    },

    async head(key) {
      assertSafeKey(key);
      try {
        const out = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return {
          key,
          bytes: out.ContentLength ?? 0,
          sha256: out.Metadata?.sha256,
          contentType: out.ContentType,
          contentDisposition: out.ContentDisposition,
        };
      } catch (err) {
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata
          ?.httpStatusCode;
        if (err instanceof NotFound || err instanceof NoSuchKey || status === 404) return undefined;
        throw new StoreError(component, `无法读取 s3://${bucket}/${key} 的元数据 (HeadObject)`, {
          cause: err,
        });
      }
    },

    async presignDownload(key, opts) {
      assertSafeKey(key);
      const ttl = Math.min(Math.max(Math.floor(opts.ttlSeconds), 1), 900);
      return getSignedUrl(
        s3,
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ResponseContentDisposition: contentDisposition(opts.fileName),
          ResponseContentType: 'application/pdf',
        }),
        { expiresIn: ttl },
      );
    },

    async *list(prefix) {
      assertSafeKey(prefix);
      let token: string | undefined;
      do {
        const out = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of out.Contents ?? [])
          if (o.Key)
            yield { key: o.Key, lastModified: o.LastModified ?? new Date(0), bytes: o.Size ?? 0 };
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    },

    async delete(key) {
      assertSafeKey(key);
      try {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (err) {
        throw new StoreError(component, `无法删除 s3://${bucket}/${key}：${reason(err)}`, {
          cause: err,
        });
      }
    },
  };
}

/** `TimeoutError: …` / `AccessDenied: …`: the service's error name and message, one line. */
function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return `${err.name}: ${err.message}`.replace(/\s+/g, ' ').slice(0, 300);
}
