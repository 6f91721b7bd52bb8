/**
 * The upload inbox in the archive bucket: analysts drop statistics files under `uploads/`;
 * the ingest Lambda moves each one to `ingested/` (with a summary) or to `rejected/` (with its
 * error report), so `uploads/` only ever holds files not yet looked at.
 *
 * Keys here come from people, not from us (mixed case, spaces, Chinese): unlike the archive
 * adapter's strict key check this one accepts any key under the inbox prefix, but nothing
 * that climbs out of it.
 */
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { INBOX_PREFIXES } from '../../contract/stores.ts';
import { StoreError } from '../../errors.ts';
import { getObject, putObject } from './objects.ts';
import type { UploadInbox } from '../../app/ports.ts';

/** The path of an upload below `uploads/`, or undefined for a key outside the inbox. */
export function uploadName(key: string): string | undefined {
  if (!key.startsWith(INBOX_PREFIXES.uploads)) return undefined;
  const name = key.slice(INBOX_PREFIXES.uploads.length);
  if (!name || name.endsWith('/') || name.split('/').some((p) => p === '..' || p === '')) {
    return undefined;
  }
  return name;
}

/** The object key of an S3 event record (URL-encoded, spaces as `+`). */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

export function createS3UploadInbox(s3: S3Client, bucket: string): UploadInbox {
  const component = 'upload-inbox';
  const put = (key: string, body: Uint8Array, contentType: string) =>
    putObject(s3, bucket, key, body, { contentType });
  const move = async (key: string, bytes: Uint8Array, to: string, note: [string, string]) => {
    const name = uploadName(key);
    if (!name)
      throw new StoreError(component, `不是上传文件的键 (upload key)：${JSON.stringify(key)}`);
    const target = `${to}${name}`;
    try {
      // The note first: if the move stops half-way the upload is still in the inbox.
      await put(
        `${target}${note[0]}`,
        new TextEncoder().encode(note[1]),
        'text/plain; charset=utf-8',
      );
      await put(target, bytes, 'application/octet-stream');
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (err) {
      throw new StoreError(component, `无法把 s3://${bucket}/${key} 移到 ${target}`, {
        cause: err,
      });
    }
    return target;
  };
  return {
    async read(key) {
      try {
        return await getObject(s3, bucket, key);
      } catch (err) {
        throw new StoreError(component, `无法读取 s3://${bucket}/${key}`, { cause: err });
      }
    },
    accept: (key, bytes, summary) =>
      move(key, bytes, INBOX_PREFIXES.ingested, [
        '.summary.json',
        `${JSON.stringify(summary, null, 2)}\n`,
      ]),
    reject: (key, bytes, report) =>
      move(key, bytes, INBOX_PREFIXES.rejected, ['.errors.txt', `${report}\n`]),
  };
}
