/**
 * Files the archive keeps compressed with brotli at a low quality, their keys ending in `.br`:
 * JSON kept for the program itself (the data file a CSV and a workbook are made from, the HTML a
 * cover is made from) and the web edition, which the API serves decompressed. A zone profile's
 * data file is 353 kB of JSON whose rows repeat their sources and records; compressed it is
 * ≈ 18 kB, for ≈ 0.4 ms of Node's CPU — less than what putting, hashing and writing the other
 * 335 kB cost Node and the stores (bench/README, session 12). Keys without `.br` (files stored
 * before) are read as they are.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

/** What the key of a packed file ends with. */
export const PACKED_SUFFIX = '.br';

/** The type a packed file is stored with: bytes, not text (its name ends in `.br`). */
export const PACKED_JSON_TYPE = 'application/octet-stream';

/** `bytes` as stored: brotli-compressed (quality 1). */
export function packBytes(bytes: Uint8Array): Uint8Array {
  return brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 1,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
    },
  });
}

/** The bytes of `value` as stored: its JSON, brotli-compressed. */
export function packJson(value: unknown): Uint8Array {
  return packBytes(Buffer.from(JSON.stringify(value)));
}

/**
 * The bytes stored under `key` as they were before packing: decompressed when the key ends in
 * `.br`, else as they are.
 * @throws Error when the key says brotli and the bytes are not.
 */
export function unpackBytes(key: string, bytes: Uint8Array): Uint8Array {
  return key.endsWith(PACKED_SUFFIX) ? brotliDecompressSync(bytes) : bytes;
}

/**
 * The value stored under `key`: decompressed first when the key ends in `.br`.
 * @throws Error when the bytes are not what the key says (not brotli, not JSON).
 */
export function unpackJson(key: string, bytes: Uint8Array): unknown {
  return JSON.parse(new TextDecoder().decode(unpackBytes(key, bytes))) as unknown;
}
