/**
 * The notifier port (sends one plain-text mail) and its two adapters: Amazon SES v2 on AWS,
 * and a local outbox that writes each message as an RFC 5322 `.eml` file a mail client can
 * open. Neither logs or echoes the recipient.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { ConfigError, StoreError } from '../../errors.ts';
import { redact } from '../../core/redact.ts';
import type { MailMessage, Notifier } from '../../app/ports.ts';

/** Amazon SES v2 `SendEmail` with a simple (UTF-8) message. */
export function createSesNotifier(ses: SESv2Client, sender: string | undefined): Notifier {
  return {
    async send(message) {
      if (!sender)
        throw new ConfigError('BULLETIN_SENDER_ADDRESS is not set: no sender for subscriber mail');
      try {
        const out = await ses.send(
          new SendEmailCommand({
            FromEmailAddress: sender,
            Destination: { ToAddresses: [message.to] },
            Content: {
              Simple: {
                Subject: { Data: message.subject, Charset: 'UTF-8' },
                Body: { Text: { Data: message.text, Charset: 'UTF-8' } },
                ...(message.headers
                  ? {
                      Headers: Object.entries(message.headers).map(([Name, Value]) => ({
                        Name,
                        Value,
                      })),
                    }
                  : {}),
              },
            },
          }),
        );
        return { messageId: out.MessageId ?? 'unknown' };
      } catch (err) {
        const reason = err instanceof Error ? `${err.name}: ${redact(err.message)}` : 'unknown';
        // The SDK error quotes the address: keep it out of the cause chain as well.
        throw new StoreError('notifier', `SES SendEmail failed (${reason})`);
      }
    },
  };
}

/** Writes every message as `<time>-<id>.eml` into `dir` (created on first use). */
export function createOutboxNotifier(
  dir: string,
  opts: { sender?: string; now?: () => Date } = {},
): Notifier {
  const sender = opts.sender ?? 'Torch Bulletin <bulletin@localhost>';
  return {
    async send(message) {
      const date = opts.now?.() ?? new Date();
      const id = randomUUID();
      const messageId = `<${id}@torch-bulletin.local>`;
      const eml = formatEml({ ...message, from: sender, date, messageId });
      const stamp = date.toISOString().replace(/[:.]/g, '-');
      const file = join(dir, `${stamp}-${id}.eml`);
      try {
        await mkdir(dir, { recursive: true });
        // Write then rename: a reader never sees half a message.
        await writeFile(`${file}.part`, eml);
        await rename(`${file}.part`, file);
      } catch (err) {
        throw new StoreError('notifier', `cannot write to outbox ${dir}`, { cause: err });
      }
      return { messageId };
    },
  };
}

/**
 * One message in RFC 5322 / MIME form: CRLF line ends, an RFC 2047 encoded-word subject,
 * a UTF-8 text body in base64 (lines of 76 characters).
 */
export function formatEml(
  m: MailMessage & { from: string; date: Date; messageId: string },
): string {
  const headers: [string, string][] = [
    ['From', m.from],
    ['To', m.to],
    ['Subject', encodeHeaderWords(m.subject, 'Subject: '.length)],
    ['Date', rfc5322Date(m.date)],
    ['Message-ID', m.messageId],
    ['MIME-Version', '1.0'],
    ['Content-Type', 'text/plain; charset=UTF-8'],
    ['Content-Transfer-Encoding', 'base64'],
    ...Object.entries(m.headers ?? {}),
  ];
  for (const [name, value] of headers) {
    if (name === 'Subject') continue; // encoded above, folded with CRLF on purpose
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name) || /[\r\n]/.test(value) || /[^\x20-\x7e]/.test(value))
      throw new StoreError('notifier', `header ${JSON.stringify(name)} is not valid ASCII`);
  }
  const body = Buffer.from(m.text.replace(/\r?\n/g, '\r\n'), 'utf8')
    .toString('base64')
    .replace(/.{1,76}/g, '$&\r\n');
  return `${headers.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n${body}`;
}

/**
 * RFC 2047 `=?UTF-8?B?…?=` words of at most 75 characters, folded onto continuation lines of
 * at most 76 (the first after `firstLineOffset` characters of header name); characters are
 * never split between words. Plain ASCII is returned as it is.
 */
export function encodeHeaderWords(text: string, firstLineOffset = 0): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  // Bytes per word so that a word (12 characters of framing + base64) keeps its line within
  // 76 characters; continuation lines start with one space. 45 bytes → 60 base64 characters.
  const bytesFor = (lineStart: number) => Math.min(45, Math.floor((76 - lineStart - 12) / 4) * 3);
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    const limit = bytesFor(words.length === 0 ? firstLineOffset : 1);
    if (Buffer.byteLength(chunk + ch, 'utf8') > limit) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Mon, 15 Dec 2025 01:00:00 +0000` */
export function rfc5322Date(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}
