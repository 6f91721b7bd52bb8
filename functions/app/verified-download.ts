/**
 * The archive never hands out bytes that differ from what the catalog recorded at publish
 * time: every download (the API's redirect, the CLI's copy) reads the object and checks its
 * sha256 and size against the issue first.
 */
import { sha256Hex } from '../core/digest.ts';
import { TamperedObjectError } from '../errors.ts';
import type { Archive } from './ports.ts';

export { TamperedObjectError };

/**
 * The bytes of an archived object, checked against the sha256 (and size) of its catalog
 * record. Throws `TamperedObjectError` when they differ, when the object is missing, and when
 * the catalog recorded no hash (nothing to check against).
 */
export async function verifiedBytes(
  archive: Archive,
  key: string,
  expected: { sha256?: string | undefined; bytes?: number | undefined },
): Promise<Uint8Array> {
  if (!expected.sha256)
    throw new TamperedObjectError('archive', `${key}：目录 (catalog) 没有记录可供核对的 sha256`);
  const bytes = await archive.get(key);
  if (!bytes) throw new TamperedObjectError('archive', `存档 (archive) 中没有 ${key}`);
  const sha256 = sha256Hex(bytes);
  const size = expected.bytes;
  if (sha256 !== expected.sha256 || (size !== undefined && bytes.byteLength !== size))
    throw new TamperedObjectError(
      'archive',
      `${key} 与目录 (catalog) 记录不符：sha256 ${sha256}（${bytes.byteLength} 字节），应为 ${expected.sha256}${size !== undefined ? `（${size} 字节）` : ''}；拒绝提供此文件`,
    );
  return bytes;
}
