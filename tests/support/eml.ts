/**
 * Reads the `.eml` files of an outbox folder back with mailparser (headers decoded, text and
 * HTML parts apart), so tests can follow the links a subscriber would click.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';

export interface ParsedEml {
  file: string;
  raw: string;
  /** Raw header lines by lower-case name (values as on the wire, unfolded). */
  headers: Record<string, string>;
  subject: string;
  to: string;
  /** Display name and address of the sender. */
  from: { name: string; address: string };
  text: string;
  html: string;
  /** Every http(s) URL in the text part. */
  urls: string[];
}

export async function parseEml(raw: string, file = ''): Promise<ParsedEml> {
  const mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  const headers: Record<string, string> = {};
  for (const line of mail.headerLines)
    headers[line.key] = line.line.replace(/^[^:]*:\s*/, '').replace(/\r?\n[ \t]+/g, ' ');
  const text = mail.text ?? '';
  const from = mail.from?.value[0];
  const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
  return {
    file,
    raw,
    headers,
    subject: mail.subject ?? '',
    to: to?.value[0]?.address ?? '',
    from: { name: from?.name ?? '', address: from?.address ?? '' },
    text,
    html: typeof mail.html === 'string' ? mail.html : '',
    urls: text.match(/https?:\/\/[^\s<>]+/g) ?? [],
  };
}

/** All messages in an outbox folder (missing folder: none), oldest first. */
export async function readOutbox(dir: string): Promise<ParsedEml[]> {
  const names = (await readdir(dir).catch(() => [] as string[]))
    .filter((n) => n.endsWith('.eml'))
    .sort();
  return Promise.all(names.map(async (n) => parseEml(await readFile(join(dir, n), 'utf8'), n)));
}
