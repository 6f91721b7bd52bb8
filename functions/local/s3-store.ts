/**
 * s3rver's file store with less file work a request, on the same layout of files (a state
 * folder written by stock s3rver reads the same here):
 *
 * - **A put writes two files, not three, and never half of one.** The object's MD5 (its ETag,
 *   as S3 makes it) goes into its `metadata.json` beside the headers kept, with the inode of
 *   the object's file it is of, instead of a third `.md5` file (an object stored by stock
 *   s3rver, before, is read from its `.md5` here). Both files are written under temporary
 *   names and renamed into place back to back, the object first: a process killed mid-put
 *   leaves the key as it was, or whole (stock s3rver writes the object's own file in place,
 *   then its `.md5`, then its metadata). The body, already read and verified by the proxy
 *   (`VERIFIED_BODY`), is written and hashed whole rather than streamed again.
 * - **What only this process writes is remembered**: whether a bucket exists (stat on every
 *   object request: `bucketExists`), the bucket's CORS and website configuration (two file
 *   reads on every request, from s3rver's `cors` and `website` middleware, nearly always
 *   absent) and the folders made for keys. The stack holds its state folder alone (its lock),
 *   and every change to these goes through this store.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { readFile, rename, stat, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { VERIFIED_BODY, type StoreHandler } from './store-proxy.ts';

/** The parts of s3rver's `FilesystemStore` (lib/stores/filesystem.js) this store builds on. */
interface S3rverObject {
  bucket: string;
  key: string;
  content: Readable & { [VERIFIED_BODY]?: Buffer };
  metadata: Record<string, string>;
}
interface ConfigModel {
  type: string;
  toXML(space?: number): string;
}
interface FilesystemStoreBase {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  getBucketPath(bucket: string): string;
  getMetadata(bucket: string, key: string): Promise<Record<string, unknown>>;
  putMetadata(
    bucket: string,
    key: string,
    metadata: Record<string, string>,
    md5?: string,
  ): Promise<void>;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
  copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata?: Record<string, string>,
  ): Promise<Record<string, unknown>>;
  deleteObject(bucket: string, key: string): Promise<void>;
  getBucket(bucket: string): Promise<unknown>;
  putBucket(bucket: string): Promise<unknown>;
  deleteBucket(bucket: string): Promise<void>;
  reset(): void;
  getSubresource(bucket: string, key: string | undefined, type: string): Promise<unknown>;
  putSubresource(bucket: string, key: string | undefined, resource: ConfigModel): Promise<void>;
  deleteSubresource(bucket: string, key: string | undefined, type: string): Promise<void>;
}

const require = createRequire(import.meta.url);
const FilesystemStore = require('s3rver/lib/stores/filesystem.js') as new (
  root: string,
) => FilesystemStoreBase;
const S3Object = require('s3rver/lib/models/object.js') as { ALLOWED_METADATA: string[] };
const { getConfigModel } = require('s3rver/lib/models/config.js') as {
  getConfigModel(type: string): new (xml: string) => unknown;
};

/** Where this store keeps the object's MD5 in its `metadata.json` (hex, as in the `.md5` file). */
const MD5_FIELD = 'x-s3rver-md5';
/** …and the inode of the object's file that MD5 is of (the file renamed into place). */
const INODE_FIELD = 'x-s3rver-inode';

/** A name beside `path` to write under before the rename (not one s3rver lists: `._S3rver_object`). */
const asideOf = (path: string) => `${path}.${randomBytes(6).toString('hex')}.tmp`;

/** The MD5 (hex) of a file's bytes. */
const md5Of = async (path: string) =>
  createHash('md5')
    .update(await readFile(path))
    .digest('hex');

/** Writes `data` to a new file `path`; its inode. */
function writeNew(path: string, data: string | Uint8Array): number {
  const fd = openSync(path, 'wx');
  try {
    writeFileSync(fd, data);
    return fstatSync(fd).ino;
  } finally {
    closeSync(fd);
  }
}

const notFound = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';
const removeAll = (paths: string[]) =>
  Promise.all(paths.map((path) => unlink(path).catch(() => undefined)));

/** The s3rver file store of the local stack (`new S3rver(…).store` replaced by it). */
export class LocalS3Store extends FilesystemStore {
  /** Buckets known to exist (their `S3Bucket`) or not (null). */
  private readonly buckets = new Map<string, Promise<unknown>>();
  /** Subresource files (CORS, website, tagging) by path: their XML, or null when absent. */
  private readonly subresources = new Map<string, Promise<string | null>>();
  /** Folders known to exist. */
  private readonly folders = new Set<string>();

  override async getMetadata(bucket: string, key: string): Promise<Record<string, unknown>> {
    const objectPath = this.getResourcePath(bucket, key, 'object');
    const metadataPath = this.getResourcePath(bucket, key, 'metadata.json');
    const [stats, stored] = await Promise.all([
      // Expected to throw (ENOENT) when there is no such object, as s3rver's does.
      stat(objectPath),
      readFile(metadataPath, 'utf8').then(
        (text) => JSON.parse(text) as Record<string, unknown>,
        (err: unknown) => {
          if (notFound(err)) return undefined;
          throw err;
        },
      ),
    ]);
    // Stored by stock s3rver (or before this store): its `.md5` file, made when missing.
    if (typeof stored?.[MD5_FIELD] !== 'string') return super.getMetadata(bucket, key);
    const { [MD5_FIELD]: md5, [INODE_FIELD]: inode, ...headers } = stored;
    return {
      ...headers,
      // Not the file the MD5 is of (a put cut off between its two renames): the bytes' own.
      etag: JSON.stringify(inode === stats.ino ? md5 : await md5Of(objectPath)),
      'last-modified': stats.mtime.toUTCString(),
      'content-length': stats.size,
    };
  }

  /** The `metadata.json` of an object, written aside: its path there. */
  private async metadataAside(
    metadataPath: string,
    metadata: Record<string, string>,
    md5: string,
    inode: number,
  ): Promise<string> {
    const kept: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(metadata))
      if (S3Object.ALLOWED_METADATA.includes(name) || name.startsWith('x-amz-meta-'))
        kept[name] = value;
    kept[MD5_FIELD] = md5;
    kept[INODE_FIELD] = inode;
    const aside = asideOf(metadataPath);
    writeNew(aside, JSON.stringify(kept, null, 2));
    return aside;
  }

  /** The metadata of an object already in place (s3rver's streamed puts and copies). */
  override async putMetadata(
    bucket: string,
    key: string,
    metadata: Record<string, string>,
    md5?: string,
  ): Promise<void> {
    const objectPath = this.getResourcePath(bucket, key, 'object');
    const metadataPath = this.getResourcePath(bucket, key, 'metadata.json');
    const { ino } = await stat(objectPath);
    const aside = await this.metadataAside(
      metadataPath,
      metadata,
      md5 ?? (await md5Of(objectPath)),
      ino,
    );
    await rename(aside, metadataPath).catch(async (err: unknown) => {
      await removeAll([aside]);
      throw err;
    });
  }

  override async putObject(object: S3rverObject): Promise<{ size: number; md5: string }> {
    const body = object.content[VERIFIED_BODY];
    // Multipart uploads (parts joined as a stream): s3rver's own way.
    if (!body) return super.putObject(object);
    const md5 = createHash('md5').update(body).digest('hex');
    await this.replaceObject(object.bucket, object.key, body, object.metadata, md5);
    return { size: body.byteLength, md5 };
  }

  /**
   * The object's two files written aside, then renamed into place back to back, the object
   * first: cut off before, the key keeps what it had; between the renames, the new bytes are
   * read with the old headers, but with their own ETag (the metadata names another inode).
   */
  private async replaceObject(
    bucket: string,
    key: string,
    body: Uint8Array,
    metadata: Record<string, string>,
    md5: string,
  ): Promise<void> {
    const objectPath = this.getResourcePath(bucket, key, 'object');
    const metadataPath = this.getResourcePath(bucket, key, 'metadata.json');
    const folder = dirname(objectPath);
    if (!this.folders.has(folder)) {
      mkdirSync(folder, { recursive: true });
      this.folders.add(folder);
    }
    const objectAside = asideOf(objectPath);
    const written: string[] = [objectAside];
    try {
      const inode = writeNew(objectAside, body);
      written.push(await this.metadataAside(metadataPath, metadata, md5, inode));
      renameSync(objectAside, objectPath);
      renameSync(written[1]!, metadataPath);
    } catch (err) {
      await removeAll(written);
      throw err;
    }
  }

  override async copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata?: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    const source = await this.getMetadata(srcBucket, srcKey);
    const md5 = JSON.parse(String(source.etag)) as string;
    const headers = (replacementMetadata ?? source) as Record<string, string>;
    const srcPath = this.getResourcePath(srcBucket, srcKey, 'object');
    if (srcPath === this.getResourcePath(destBucket, destKey, 'object'))
      await this.putMetadata(destBucket, destKey, headers, md5);
    else await this.replaceObject(destBucket, destKey, await readFile(srcPath), headers, md5);
    return this.getMetadata(destBucket, destKey);
  }

  override async deleteObject(bucket: string, key: string): Promise<void> {
    // s3rver removes folders left empty.
    this.folders.clear();
    await super.deleteObject(bucket, key);
  }

  override getBucket(bucket: string): Promise<unknown> {
    let known = this.buckets.get(bucket);
    if (!known) {
      known = super.getBucket(bucket);
      this.buckets.set(bucket, known);
      known.catch(() => this.buckets.delete(bucket));
    }
    return known;
  }

  override async putBucket(bucket: string): Promise<unknown> {
    this.buckets.delete(bucket);
    try {
      return await super.putBucket(bucket);
    } finally {
      this.buckets.delete(bucket);
    }
  }

  override async deleteBucket(bucket: string): Promise<void> {
    this.forget();
    try {
      await super.deleteBucket(bucket);
    } finally {
      this.forget();
    }
  }

  override reset(): void {
    this.forget();
    super.reset();
  }

  override async getSubresource(
    bucket: string,
    key: string | undefined,
    type: string,
  ): Promise<unknown> {
    const path = this.getResourcePath(bucket, key, `${type}.xml`);
    let xml = this.subresources.get(path);
    if (!xml) {
      xml = readFile(path, 'utf8').catch((err: unknown) => {
        if (notFound(err)) return null;
        throw err;
      });
      this.subresources.set(path, xml);
      xml.catch(() => this.subresources.delete(path));
    }
    const text = await xml;
    if (text === null) return null;
    const Model = getConfigModel(type);
    return new Model(text);
  }

  override async putSubresource(
    bucket: string,
    key: string | undefined,
    resource: ConfigModel,
  ): Promise<void> {
    const path = this.getResourcePath(bucket, key, `${resource.type}.xml`);
    this.subresources.delete(path);
    try {
      await super.putSubresource(bucket, key, resource);
    } finally {
      this.subresources.delete(path);
    }
  }

  override async deleteSubresource(
    bucket: string,
    key: string | undefined,
    type: string,
  ): Promise<void> {
    const path = this.getResourcePath(bucket, key, `${type}.xml`);
    this.subresources.delete(path);
    try {
      await super.deleteSubresource(bucket, key, type);
    } finally {
      this.subresources.delete(path);
    }
  }

  private forget(): void {
    this.buckets.clear();
    this.subresources.clear();
    this.folders.clear();
  }
}

/**
 * s3rver's request log (koa-logger into a silenced winston) taken out of its middleware: it
 * wrote nothing, yet formatted two lines with chalk for every request, and put a counting
 * stream in front of every streamed answer. The answers are the same without it (Koa handles
 * a streamed body's errors itself; the log only rethrew them). s3rver's own `logger` (its
 * warnings, silenced) stays.
 */
export function withoutRequestLog(app: { middleware: { name: string }[] }): void {
  const at = app.middleware.findIndex((fn) => fn.name === 'logger');
  if (at >= 0) app.middleware.splice(at, 1);
}

/**
 * s3rver's request handler on `directory`, with this store (loaded on first use: ≈ 0.15 s),
 * for the proxy to hand verified requests to (no server of its own).
 */
export async function s3rverHandler(directory: string): Promise<StoreHandler> {
  const { default: S3rver } = await import('s3rver');
  const app = new S3rver({ directory, silent: true });
  app.store = app.context.store = new LocalS3Store(directory);
  withoutRequestLog(app as unknown as { middleware: { name: string }[] });
  return app.callback();
}
