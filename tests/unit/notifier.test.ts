import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { composeMime, createOutboxNotifier, rfc5322Date } from '#adapters/ses/notifier.ts';
import { redact } from '#core/redact.ts';
import { parseEml, readOutbox } from '#tests/support/eml.ts';

const message = {
  to: 'reader@example.com',
  subject: '《火炬动态》2026年第1期(总第551期)已发布——国家高新区主要经济指标继续保持增长',
  text: '您好：\n\n下载PDF：http://127.0.0.1:1/bulletins/torch-bulletin-551/download\n退订：http://127.0.0.1:1/subscriptions/unsubscribe?token=abc',
  headers: { 'List-Unsubscribe': '<http://127.0.0.1:1/subscriptions/unsubscribe?token=abc>' },
};

describe('MIME messages (nodemailer MailComposer)', () => {
  const compose = (extra: Partial<Parameters<typeof composeMime>[0]> = {}) =>
    composeMime({
      ...message,
      html: '<p>您好：</p><p><a href="http://127.0.0.1:1/x">下载PDF</a></p>',
      from: { name: '《火炬动态》编辑部', address: 'bulletin@localhost' },
      date: new Date('2026-01-15T01:00:00Z'),
      messageId: '<1@torch-bulletin.local>',
      ...extra,
    }).then((b) => b.toString('utf8'));

  it('uses CRLF line ends and keeps every line within 78 characters', async () => {
    const eml = await compose();
    expect(eml.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of eml.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
  });

  it('carries text and HTML alternatives, a Chinese sender name and subject that decode back', async () => {
    const parsed = await parseEml(await compose());
    expect(parsed.headers['content-type']).toMatch(/^multipart\/alternative/);
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.from).toEqual({ name: '《火炬动态》编辑部', address: 'bulletin@localhost' });
    expect(parsed.text.trim()).toBe(message.text);
    expect(parsed.html).toContain('下载PDF');
    expect(parsed.headers['list-unsubscribe']).toBe(message.headers['List-Unsubscribe']);
  });

  it('dates the message in Beijing time', async () => {
    const parsed = await parseEml(await compose());
    expect(parsed.headers['date']).toBe('Thu, 15 Jan 2026 09:00:00 +0800');
  });

  it('refuses header values that could inject headers', async () => {
    await expect(compose({ to: 'a@example.com\r\nBcc: b@example.com' })).rejects.toThrow(
      /地址中含有换行符/,
    );
    await expect(compose({ headers: { 'X-Evil': 'a\r\nBcc: b@example.com' } })).rejects.toThrow(
      /含有非 ASCII 字符/,
    );
  });

  it('formats dates as RFC 5322 with the zone offset', () => {
    expect(rfc5322Date(new Date('2025-12-31T23:59:09Z'))).toBe('Thu, 01 Jan 2026 07:59:09 +0800');
    expect(rfc5322Date(new Date('2025-12-31T23:59:09Z'), 'UTC')).toBe(
      'Wed, 31 Dec 2025 23:59:09 +0000',
    );
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
    expect(mails[0]!.from.address).toBe('bulletin@example.org');
    expect(mails[0]!.subject).toBe(message.subject);
  });
});
