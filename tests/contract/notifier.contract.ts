/**
 * What every Notifier must do (app/ports.ts): hand over one message and name it by a
 * message id of its own. SES cannot run locally; the outbox adapter is checked here, and
 * `delivered` lets each backend show where the message went.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailMessage, Notifier } from '../../functions/app/ports.ts';
import type { Subject } from './local-stores.ts';

export interface NotifierSubject extends Subject<Notifier> {
  /** The raw messages handed over so far, oldest first. */
  delivered(): Promise<string[]>;
}

const message: MailMessage = {
  to: 'reader@example.com',
  subject: '《火炬动态》2026年第1期',
  text: '本期已发布。\n下载：https://example.com/x',
  headers: { 'List-Unsubscribe': '<https://example.com/u?token=abc>' },
};

export function describeNotifierContract(
  name: string,
  factory: () => Promise<NotifierSubject>,
): void {
  describe(`Notifier contract: ${name}`, () => {
    let subject: NotifierSubject;
    beforeAll(async () => {
      subject = await factory();
    });
    afterAll(() => subject?.stop());

    it('hands over each message once, each under its own message id', async () => {
      const a = await subject.port.send(message);
      const b = await subject.port.send({ ...message, to: 'second@example.com' });
      expect(a.messageId).toBeTruthy();
      expect(b.messageId).not.toBe(a.messageId);
      const raw = await subject.delivered();
      expect(raw).toHaveLength(2);
      expect(raw.join('\n')).toContain('List-Unsubscribe: <https://example.com/u?token=abc>');
    });
  });
}
