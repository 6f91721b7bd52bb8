/**
 * The two adapters of the notifier port (`app/ports.ts`; one mail: a text part and, when given, an HTML alternative):
 * Amazon SES v2 on AWS (the raw MIME message, so HTML, the sender's name and the
 * List-Unsubscribe headers travel as composed), and a local outbox that writes each message as
 * an RFC 5322 `.eml` file a mail client can open. Both build the message with nodemailer's
 * MailComposer. Neither logs or echoes the recipient.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { ConfigError, StoreError } from '../../errors.ts';
import { zonedParts } from '../../core/time.ts';
import { redact } from '../../core/redact.ts';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { MailAddress, MailMessage, Notifier } from '../../app/ports.ts';

const DEFAULT_FROM_NAME = '火炬动态编辑部';

/** The sender of a message: its own display name, else the default, at the configured address. */
function senderOf(message: MailMessage, address: string): MailAddress {
  return { name: message.fromName ?? DEFAULT_FROM_NAME, address };
}

/** Amazon SES v2 `SendEmail` with the raw MIME message (text + HTML, headers as composed). */
export function createSesNotifier(ses: SESv2Client, sender: string | undefined): Notifier {
  return {
    async send(message) {
      if (!sender) throw new ConfigError('未设置 BULLETIN_SENDER_ADDRESS：订阅邮件没有发件人');
      const raw = await composeMime({
        ...message,
        from: senderOf(message, sender),
        date: new Date(),
        messageId: `<${randomUUID()}@torch-bulletin>`,
      });
      try {
        const out = await ses.send(
          new SendEmailCommand({
            FromEmailAddress: sender,
            Destination: { ToAddresses: [message.to] },
            Content: { Raw: { Data: raw } },
          }),
        );
        return {
          messageId: out.MessageId ?? 'unknown',
          delivered: `已交给 Amazon SES 发出（SES 邮件编号 ${out.MessageId ?? '未知'}）`,
        };
      } catch (err) {
        const reason = err instanceof Error ? `${err.name}: ${redact(err.message)}` : 'unknown';
        // The SDK error quotes the address: keep it out of the cause chain as well.
        throw new StoreError('notifier', `SES 发信 (SendEmail) 失败（${reason}）`);
      }
    },
  };
}

/** Writes every message as `<time>-<id>.eml` into `dir` (created on first use). */
export function createOutboxNotifier(
  dir: string,
  opts: { sender?: string; now?: () => Date; timeZone?: string } = {},
): Notifier {
  const address = opts.sender ?? 'bulletin@localhost';
  return {
    async send(message) {
      const date = opts.now?.() ?? new Date();
      const id = randomUUID();
      const messageId = `<${id}@torch-bulletin.local>`;
      const eml = await composeMime({
        ...message,
        from: senderOf(message, address),
        date,
        messageId,
        ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
      });
      const stamp = date.toISOString().replace(/[:.]/g, '-');
      const file = join(dir, `${stamp}-${id}.eml`);
      try {
        await mkdir(dir, { recursive: true });
        // Write then rename: a reader never sees half a message.
        await writeFile(`${file}.part`, eml);
        await rename(`${file}.part`, file);
      } catch (err) {
        throw new StoreError('notifier', `无法写入发件箱 (outbox) ${dir}`, { cause: err });
      }
      return {
        messageId,
        delivered: `已写入本地发件箱 ${file}（本机不真正发信；用邮件程序打开这个 .eml 文件查看）`,
      };
    },
  };
}

/**
 * One message in RFC 5322 / MIME form, built by nodemailer's MailComposer: a
 * `multipart/alternative` of UTF-8 text and (when given) HTML, RFC 2047 headers, CRLF line
 * ends, and the `Date` in the given time zone (Beijing time by default, as a Chinese reader
 * expects). File and URL access of the composer are off: every part is given as a string.
 */
export async function composeMime(
  m: MailMessage & { from: MailAddress; date: Date; messageId: string; timeZone?: string },
): Promise<Buffer> {
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name) || /[^\x20-\x7e]/.test(value))
      throw new StoreError('notifier', `邮件头 ${JSON.stringify(name)} 含有非 ASCII 字符`);
  }
  if (/[\r\n]/.test(m.to) || /[\r\n]/.test(m.from.address))
    throw new StoreError('notifier', '地址中含有换行符');
  const composer = new MailComposer({
    from: m.from,
    to: m.to,
    subject: m.subject,
    text: crlf(m.text),
    ...(m.html ? { html: crlf(m.html) } : {}),
    messageId: m.messageId,
    headers: { ...m.headers, Date: rfc5322Date(m.date, m.timeZone) },
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}

/** RFC 5322 wants CRLF line ends in every part. */
const crlf = (text: string) => text.replace(/\r?\n/g, '\r\n');

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Thu, 15 Jan 2026 09:00:00 +0800` — RFC 5322 with the zone's own offset (default Beijing). */
export function rfc5322Date(d: Date, timeZone = 'Asia/Shanghai'): string {
  const p = zonedParts(d, timeZone);
  const weekday = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay();
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[weekday]}, ${pad(p.day)} ${MONTHS[p.month - 1]} ${p.year} ` +
    `${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)} ${p.offset.replace(':', '')}`
  );
}
