import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createOutboxNotifier,
  encodeHeaderWords,
  formatEml,
  rfc5322Date,
} from '#adapters/ses/notifier.ts';
import { redact } from '#core/redact.ts';
import { decodeHeaderWords, parseEml, readOutbox } from '#tests/support/eml.ts';

const message = {
  to: 'reader@example.com',
  subject: '《火炬动态》2026年第1期(总第551期)已发布——国家高新区主要经济指标继续保持增长',
  text: '您好：\n\n下载PDF：http://127.0.0.1:1/bulletins/torch-bulletin-551/download\n退订：http://127.0.0.1:1/subscriptions/unsubscribe?token=abc',
  headers: { 'List-Unsubscribe': '<http://127.0.0.1:1/subscriptions/unsubscribe?token=abc>' },
};

describe('RFC 5322 messages', () => {
  const eml = formatEml({
    ...message,
    from: 'Torch Bulletin <bulletin@localhost>',
    date: new Date('2026-01-15T01:00:00Z'),
    messageId: '<1@torch-bulletin.local>',
  });

  it('uses CRLF line ends; subject and body lines stay within 76 characters', () => {
    expect(eml.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const lines = eml.split('\r\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(998);
    const subject = lines.findIndex((l) => l.startsWith('Subject:'));
    const folded = [lines[subject]!];
    for (let i = subject + 1; lines[i]!.startsWith(' '); i++) folded.push(lines[i]!);
    expect(folded.length).toBeGreaterThan(1);
    for (const line of folded) expect(line.length).toBeLessThanOrEqual(76);
    const body = lines.slice(lines.indexOf('') + 1);
    for (const line of body) expect(line.length).toBeLessThanOrEqual(76);
  });

  it('encodes the Chinese subject as UTF-8 encoded words that decode back exactly', () => {
    const parsed = parseEml(eml);
    expect(parsed.headers['subject']).toMatch(/^=\?UTF-8\?B\?/);
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.headers['content-type']).toBe('text/plain; charset=UTF-8');
    expect(parsed.headers['content-transfer-encoding']).toBe('base64');
    expect(parsed.headers['date']).toBe('Thu, 15 Jan 2026 01:00:00 +0000');
    expect(parsed.headers['list-unsubscribe']).toBe(message.headers['List-Unsubscribe']);
  });

  it('carries the body as base64 UTF-8 with CRLF line ends', () => {
    expect(parseEml(eml).text).toBe(message.text.replace(/\n/g, '\r\n'));
  });

  it('never splits a character between encoded words and leaves ASCII alone', () => {
    const subject = '火'.repeat(40) + '😀' + 'a'.repeat(3);
    const encoded = encodeHeaderWords(subject);
    for (const word of encoded.split('\r\n ')) {
      expect(word.length).toBeLessThanOrEqual(75);
      expect(Buffer.from(word.slice(10, -2), 'base64').toString('utf8')).not.toContain('\uFFFD');
    }
    expect(decodeHeaderWords(encoded)).toBe(subject);
    expect(encodeHeaderWords('Plain ASCII')).toBe('Plain ASCII');
  });

  it('refuses header values that could inject headers', () => {
    expect(() =>
      formatEml({
        ...message,
        to: 'a@example.com\r\nBcc: b@example.com',
        from: 'x@localhost',
        date: new Date(),
        messageId: '<2@x>',
      }),
    ).toThrow(/not valid ASCII/);
  });

  it('formats dates as RFC 5322 in UTC', () => {
    expect(rfc5322Date(new Date('2025-12-31T23:59:09Z'))).toBe('Wed, 31 Dec 2025 23:59:09 +0000');
  });

  it('redacts addresses and tokens from diagnostics', () => {
    expect(
      redact('MessageRejected: Email address is not verified: reader@example.com; token=abc_DEF-1'),
    ).toBe('MessageRejected: Email address is not verified: <address>; token=<token>');
  });
});

describe('outbox notifier', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('writes one complete .eml file per message into a folder it creates', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'outbox-test-')), 'outbox');
    dirs.push(dir);
    const outbox = createOutboxNotifier(dir, { sender: 'bulletin@example.org' });
    const a = await outbox.send(message);
    const b = await outbox.send({ ...message, to: 'other@example.com' });
    expect(a.messageId).not.toBe(b.messageId);
    expect((await readdir(dir)).filter((f) => f.endsWith('.part'))).toEqual([]);
    const mails = await readOutbox(dir);
    expect(mails.map((m) => m.to).sort()).toEqual(['other@example.com', 'reader@example.com']);
    expect(mails[0]!.headers['from']).toBe('bulletin@example.org');
    expect(mails[0]!.subject).toBe(message.subject);
  });
});
