/**
 * TTL (contract/stores.ts): pending subscriptions expire after 7 days, while a confirmed
 * subscription keeps none. dynalite never deletes expired items, so the reads must ignore them themselves —
 * proved here against dynalite through the real SDK.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PENDING_SUBSCRIPTION_TTL_SECONDS,
  TTL_ATTRIBUTE,
} from '../../functions/contract/stores.ts';
import { startTestStores, type TestStores } from '#tests/support/stores.ts';

const DAY = 24 * 3600 * 1000;

describe('TTL of pending subscriptions', () => {
  let t: TestStores;
  const raw = async (table: string, key: Record<string, string>) =>
    (await t.services.clients.documents.send(new GetCommand({ TableName: table, Key: key }))).Item;

  beforeAll(async () => {
    t = await startTestStores();
  }, 60_000);
  afterAll(async () => t?.stop());

  it('a pending subscription expires after 7 days: its token is dead, a new request starts over', async () => {
    const subs = t.services.subscribers;
    const old = new Date(Date.now() - 8 * DAY);
    const first = await subs.subscribe('torch-bulletin', 'late@example.com', { now: old });
    expect(first.action).toBe('confirm');
    const item = await raw(t.config.tables.subscribers, {
      pk: 'SUB#torch-bulletin',
      sk: first.subscription.addressHash,
    });
    expect(item?.[TTL_ATTRIBUTE]).toBe(
      Math.floor(old.getTime() / 1000) + PENDING_SUBSCRIPTION_TTL_SECONDS,
    );
    // Expired but still stored (dynalite, or DynamoDB before its sweep): read as absent.
    expect(await subs.byToken(first.subscription.token)).toBeUndefined();
    expect(await subs.confirm(first.subscription.token)).toBeUndefined();

    const again = await subs.subscribe('torch-bulletin', 'late@example.com');
    expect(again.action).toBe('confirm');
    expect(again.subscription.token).not.toBe(first.subscription.token);
    const confirmed = await subs.confirm(again.subscription.token);
    expect(confirmed?.status).toBe('confirmed');
    const after = await raw(t.config.tables.subscribers, {
      pk: 'SUB#torch-bulletin',
      sk: first.subscription.addressHash,
    });
    expect(after).toBeDefined();
    expect(after?.[TTL_ATTRIBUTE]).toBeUndefined();
  });

  it('a fresh pending subscription confirms within its TTL', async () => {
    const subs = t.services.subscribers;
    const recent = new Date(Date.now() - 6 * DAY);
    const s = await subs.subscribe('torch-bulletin', 'prompt@example.com', { now: recent });
    expect((await subs.confirm(s.subscription.token))?.status).toBe('confirmed');
  });
});
