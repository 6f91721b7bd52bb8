/**
 * JSON the archive keeps for the program itself, not for readers (the data file a CSV and a
 * workbook are made from, the HTML a cover is made from): stored compressed with brotli at a low quality, its key ending in
 * `.br`. A zone profile's data file is 353 kB of JSON whose rows repeat their sources and
 * records; compressed it is ≈ 18 kB, for ≈ 0.4 ms of Node's CPU — less than what putting,
 * hashing and writing the other 335 kB cost Node and the stores (bench/README, session 12).
 * Keys without `.br` (files stored before) are read as plain JSON.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

/** What the key of a packed file ends with. */
export const PACKED_SUFFIX = '.br';

/** The type a packed file is stored with: bytes, not text (its name ends in `.json.br`). */
export const PACKED_JSON_TYPE = 'application/octet-stream';

/** The bytes of `value` as stored: its JSON, brotli-compressed (quality 1). */
export function packJson(value: unknown): Uint8Array {
  const json = Buffer.from(JSON.stringify(value));
  return brotliCompressSync(json, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 1,
      [constants.BROTLI_PARAM_SIZE_HINT]: json.byteLength,
    },
  });
}

/**
 * The value stored under `key`: decompressed first when the key ends in `.br`.
 * @throws Error when the bytes are not what the key says (not brotli, not JSON).
 */
export function unpackJson(key: string, bytes: Uint8Array): unknown {
  const text = key.endsWith(PACKED_SUFFIX)
    ? brotliDecompressSync(bytes).toString('utf8')
    : new TextDecoder().decode(bytes);
  return JSON.parse(text) as unknown;
}
