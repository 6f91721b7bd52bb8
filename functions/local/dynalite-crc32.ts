/**
 * dynalite signs every answer with its CRC32 (`x-amz-crc32`, as DynamoDB does) through
 * buffer-crc32, a loop in JavaScript over the answer's bytes (a zone's records, ≈ 300 kB an
 * answer, cost ≈ 1 ms each). zlib's own CRC32 (Node ≥ 20.15, the same checksum) computes it
 * natively; dynalite calls `crc32.unsigned` on buffer-crc32's module object at each answer,
 * so setting it there is enough.
 */
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';

/** buffer-crc32 as dynalite requires it (its own copy, wherever npm placed it). */
const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));

/** dynalite's answers checksummed by zlib (once a process; the values are the same). */
export function nativeDynaliteCrc32(): void {
  const bufferCrc32 = fromDynalite('buffer-crc32') as {
    unsigned: (data: string | Uint8Array) => number;
  };
  bufferCrc32.unsigned = (data) => crc32(data);
}
