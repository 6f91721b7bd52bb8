/**
 * dynalite signs every answer with its CRC32 (`x-amz-crc32`, as DynamoDB does) through
 * buffer-crc32, a loop in JavaScript over the answer's bytes (a zone's records, ≈ 300 kB an
 * answer, cost ≈ 1 ms each). zlib's own CRC32 (Node ≥ 20.15, the same checksum) computes it
 * natively; dynalite calls `crc32.unsigned` on buffer-crc32's module object at each answer,
 * so setting it there is enough.
 *
 * dynalite answers with a string (`sendData`: its CRC32, then its length, then `res.end(body)`),
 * so each answer was encoded as UTF-8 twice (zlib's CRC32 of a string encodes it, and so does
 * the socket's write). {@link answersEncodedOnce} keeps the bytes the CRC32 was computed over
 * and hands them to `res.end` in place of the same string.
 */
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';

/** buffer-crc32 as dynalite requires it (its own copy, wherever npm placed it). */
const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));

/** The answer whose CRC32 was computed last, as text and as the bytes it was computed over. */
let encoded: { text: string; bytes: Buffer } | undefined;

/** dynalite's answers checksummed by zlib (once a process; the values are the same). */
export function nativeDynaliteCrc32(): void {
  const bufferCrc32 = fromDynalite('buffer-crc32') as {
    unsigned: (data: string | Uint8Array) => number;
  };
  bufferCrc32.unsigned = (data) => {
    if (typeof data !== 'string') return crc32(data);
    const bytes = Buffer.from(data, 'utf8');
    encoded = { text: data, bytes };
    return crc32(bytes);
  };
}

/**
 * dynalite's request handler, its answers written as the bytes their CRC32 was computed over
 * (the same bytes `res.end(text)` would write; needs {@link nativeDynaliteCrc32}).
 */
export function answersEncodedOnce<Req>(
  handle: (req: Req, res: ServerResponse) => void,
): (req: Req, res: ServerResponse) => void {
  return (req, res) => {
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      const answer = encoded;
      encoded = undefined;
      // `sendData` computes the CRC32 and ends the response in one synchronous run.
      if (answer && typeof args[0] === 'string' && args[0] === answer.text)
        return end(answer.bytes, ...args.slice(1));
      return end(...args);
    }) as ServerResponse['end'];
    handle(req, res);
  };
}
