/**
 * A release's small parts in ONE archive object beside its PDF (`…-parts.bin`): the web
 * edition, what the cover is made from and the data file, each brotli-compressed on its own as
 * `packed-json.ts` packs it, written one after another behind a one-line header that says where
 * each lies. A release is then two puts (the PDF and this), not four — each put costs the SDK,
 * the stores and a round trip (bench/README, issue 27, session 14).
 *
 * Each part is still checked on its own: the catalog records the sha256 of each part's stored
 * (compressed) bytes, as it did when each was its own object (`partsSha256.web`,
 * `coverKeys.sha256.source`, `dataKeys.sha256.json`), and the fields that named each object
 * (`webKey`, `coverKeys.source`, `dataKeys.json`) name this one. {@link storedPart} reads a part
 * either way: from a parts object, or from the object of its own that issues released before
 * keep (`.html.br`, `-cover.json.br`, `-data.json.br`, or uncompressed before those).
 *
 * Layout: `{"parts":{"web":[offset,length],…}}\n` (ASCII JSON, offsets from the byte after the
 * newline), then the parts' bytes.
 */
import { brotliDecompressSync } from 'node:zlib';
import { z } from 'zod';
import { sha256Hex } from '../core/digest.ts';
import { TamperedObjectError } from '../errors.ts';
import { RELEASE_PARTS } from './archive-keys.ts';
import { unpackBytes } from './packed-json.ts';
import type { Archive } from './ports.ts';
import { verifiedBytes } from './verified-download.ts';

/** The parts a parts object may hold. */
export const PART_NAMES = ['web', 'cover', 'data'] as const;
export type PartName = (typeof PART_NAMES)[number];

/** A header longer than this is not one we wrote (three parts' offsets are ≈ 60 bytes). */
const MAX_HEADER = 1024;

const headerSchema = z.strictObject({
  parts: z.partialRecord(
    z.enum(PART_NAMES),
    z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
  ),
});

/** Whether `key` names a parts object (else a part stored on its own, by an earlier release). */
export function isPartsKey(key: string): boolean {
  return key.endsWith(RELEASE_PARTS.parts);
}

/**
 * One object's bytes holding each of `parts` (each already compressed), in the order given.
 * @example packParts({ web: packBytes(html), data: packJson(dataFile) })
 */
export function packParts(parts: Partial<Record<PartName, Uint8Array>>): Uint8Array {
  const entries = Object.entries(parts) as [PartName, Uint8Array][];
  const where: Partial<Record<PartName, [number, number]>> = {};
  let offset = 0;
  for (const [name, bytes] of entries) {
    where[name] = [offset, bytes.byteLength];
    offset += bytes.byteLength;
  }
  const header = Buffer.from(`${JSON.stringify({ parts: where })}\n`);
  return Buffer.concat([header, ...entries.map(([, bytes]) => bytes)]);
}

/**
 * The stored bytes of part `name` of a parts object (as put: compressed), or undefined when it
 * holds none of that name.
 * @throws TamperedObjectError when the bytes are not a parts object (`key` names it).
 */
export function partBytes(key: string, bytes: Uint8Array, name: PartName): Uint8Array | undefined {
  const end = bytes.subarray(0, MAX_HEADER).indexOf(0x0a);
  let where;
  try {
    if (end < 0) throw new Error('没有标头行');
    where = headerSchema.parse(JSON.parse(Buffer.from(bytes.subarray(0, end)).toString('latin1')))
      .parts[name];
  } catch (err) {
    throw new TamperedObjectError(
      'archive',
      `${key} 不是发布的部件文件：${err instanceof Error ? err.message.slice(0, 200) : String(err)}`,
    );
  }
  if (!where) return undefined;
  const [offset, length] = where;
  const start = end + 1 + offset;
  if (start + length > bytes.byteLength)
    throw new TamperedObjectError(
      'archive',
      `${key} 的部件 ${name} 超出文件末尾（${start + length} > ${bytes.byteLength} 字节）`,
    );
  return bytes.subarray(start, start + length);
}

/**
 * Part `name` of a released issue as it was before it was stored — the web edition's HTML, the
 * cover source's or the data file's JSON — read from `key` (a parts object, or an object of its
 * own from an earlier release) and checked against the sha256 its catalog record holds first.
 * @throws TamperedObjectError when the object is missing, the part is not in it, its bytes
 *   differ from the record (or none was recorded), or they do not decompress.
 */
export async function storedPart(
  archive: Archive,
  key: string,
  name: PartName,
  sha256: string | undefined,
): Promise<Uint8Array> {
  if (!isPartsKey(key)) return unpackBytes(key, await verifiedBytes(archive, key, { sha256 }));
  if (!sha256)
    throw new TamperedObjectError('archive', `${key}：目录 (catalog) 没有记录可供核对的 sha256`);
  const whole = await archive.get(key);
  if (!whole) throw new TamperedObjectError('archive', `存档 (archive) 中没有 ${key}`);
  const stored = partBytes(key, whole, name);
  if (!stored) throw new TamperedObjectError('archive', `${key} 中没有部件 ${name}`);
  const actual = sha256Hex(stored);
  if (actual !== sha256)
    throw new TamperedObjectError(
      'archive',
      `${key} 的部件 ${name} 与目录 (catalog) 记录不符：sha256 ${actual}（${stored.byteLength} 字节），应为 ${sha256}；拒绝提供此文件`,
    );
  try {
    return brotliDecompressSync(stored);
  } catch (err) {
    throw new TamperedObjectError(
      'archive',
      `${key} 的部件 ${name} 无法解压：${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
