/**
 * Reads the `.eml` files of an outbox folder back: headers (RFC 2047 subject decoded) and the
 * base64 UTF-8 body, so tests can follow the links a subscriber would click.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ParsedEml {
  file: string;
  raw: string;
  headers: Record<string, string>;
  subject: string;
  to: string;
  text: string;
  /** Every http(s) URL in the body. */
  urls: string[];
}

/** Decodes `=?UTF-8?B?…?=` words (folded across lines) back to text. */
export function decodeHeaderWords(value: string): string {
  return value
    .replace(/\?=\r?\n?[ \t]+=\?/g, '?==?')
    .replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/gi, (_, b64: string) =>
      Buffer.from(b64, 'base64').toString('utf8'),
    );
}

export function parseEml(raw: string, file = ''): ParsedEml {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const text = Buffer.from(body.replace(/\r\n/g, ''), 'base64').toString('utf8');
  return {
    file,
    raw,
    headers,
    subject: decodeHeaderWords(headers['subject'] ?? ''),
    to: headers['to'] ?? '',
    text,
    urls: text.match(/https?:\/\/\S+/g) ?? [],
  };
}

/** All messages in an outbox folder (missing folder: none), oldest first. */
export async function readOutbox(dir: string): Promise<ParsedEml[]> {
  const names = (await readdir(dir).catch(() => [] as string[]))
    .filter((n) => n.endsWith('.eml'))
    .sort();
  return Promise.all(names.map(async (n) => parseEml(await readFile(join(dir, n), 'utf8'), n)));
}
