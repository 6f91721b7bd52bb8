/**
 * What every SubscriberStore must do (app/ports.ts): double opt-in by link token, idempotent
 * confirm and unsubscribe, and a notice claimed once per subscriber and issue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubscriberStore, Subscription } from '../../functions/app/ports.ts';
import { uniqueName, type Subject } from './local-stores.ts';

async function all(it: AsyncIterable<Subscription>): Promise<Subscription[]> {
  const out: Subscription[] = [];
  for await (const s of it) out.push(s);
  return out;
}

export function describeSubscriberStoreContract(
  name: string,
  factory: () => Promise<Subject<SubscriberStore>>,
): void {
  describe(`SubscriberStore contract: ${name}`, () => {
    let subject: Subject<SubscriberStore>;
    let store: SubscriberStore;
    beforeAll(async () => {
      subject = await factory();
      store = subject.port;
    });
    afterAll(() => subject?.stop());

    it('subscribes pending, confirms by token, and lists only confirmed subscribers', async () => {
      const series = uniqueName('series');
      const { subscription, action } = await store.subscribe(series, ' Reader@Example.com ');
      expect(action).toBe('confirm');
      expect(subscription).toMatchObject({
        series,
        status: 'pending',
        email: 'Reader@Example.com',
      });
      expect(await all(store.confirmedSubscribers(series))).toEqual([]);

      expect(await store.byToken(subscription.token)).toMatchObject({ status: 'pending' });
      expect(await store.confirm(subscription.token)).toMatchObject({ status: 'confirmed' });
      expect(await store.confirm(subscription.token)).toMatchObject({ status: 'confirmed' });
      const again = await store.subscribe(series, 'reader@example.com');
      expect(again).toMatchObject({ action: 'none', subscription: { status: 'confirmed' } });
      expect((await all(store.confirmedSubscribers(series))).map((s) => s.addressHash)).toEqual([
        subscription.addressHash,
      ]);
    });

    it('asks a pending address again only after the resend interval', async () => {
      const series = uniqueName('series');
      const t0 = new Date('2026-01-01T00:00:00Z');
      await store.subscribe(series, 'slow@example.com', { now: t0 });
      const soon = await store.subscribe(series, 'slow@example.com', {
        now: new Date(t0.getTime() + 60_000),
        resendAfterMs: 600_000,
      });
      expect(soon.action).toBe('none');
      const later = await store.subscribe(series, 'slow@example.com', {
        now: new Date(t0.getTime() + 700_000),
        resendAfterMs: 600_000,
      });
      expect(later.action).toBe('confirm');
    });

    it('unsubscribes by token, idempotently; unknown tokens find nothing', async () => {
      const series = uniqueName('series');
      const { subscription } = await store.subscribe(series, 'leaving@example.com');
      await store.confirm(subscription.token);
      expect(await store.unsubscribe(subscription.token)).toMatchObject({ status: 'unsubscribed' });
      expect(await store.unsubscribe(subscription.token)).toMatchObject({ status: 'unsubscribed' });
      expect(await all(store.confirmedSubscribers(series))).toEqual([]);
      const unknown = 'A'.repeat(43);
      expect(await store.byToken(unknown)).toBeUndefined();
      expect(await store.confirm(unknown)).toBeUndefined();
      expect(await store.unsubscribe(unknown)).toBeUndefined();
    });

    it('lets a notice be claimed once, and again after it was released', async () => {
      const issueId = uniqueName('issue');
      const hash = 'f'.repeat(64);
      const claims = await Promise.all([
        store.claimNotice(issueId, hash),
        store.claimNotice(issueId, hash),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      await store.releaseNotice(issueId, hash);
      expect(await store.claimNotice(issueId, hash)).toBe(true);
      await store.markNoticeSent(issueId, hash, '<m@x>');
      expect(await store.claimNotice(issueId, hash)).toBe(false);
    });
  });
}
