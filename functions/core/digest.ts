import { createHash } from 'node:crypto';

/** sha256 of bytes, hex: what the archive stores beside each PDF and publish compares. */
export function sha256Hex(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}
