/**
 * TTL (contract/stores.ts): pending subscriptions expire after 7 days and a slot claim that
 * was never numbered carries a TTL, while a numbered slot and a confirmed subscription keep
 * none. dynalite never deletes expired items, so the reads must ignore them themselves —
 * proved here against dynalite through the real SDK.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PENDING_SUBSCRIPTION_TTL_SECONDS,
  STALE_CLAIM_TTL_SECONDS,
  TTL_ATTRIBUTE,
} from '../../functions/contract/stores.ts';
import { startTestStores, type TestStores } from '#tests/support/stores.ts';

const DAY = 24 * 3600 * 1000;

describe('TTL of pending subscriptions and slot claims', () => {
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

  it('a numbered slot keeps no TTL; an abandoned claim has one and is taken over', async () => {
    const catalog = t.services.catalog;
    const req = {
      series: 'torch-bulletin',
      kind: 'torch-bulletin',
      slotKey: 'ttl-test-slot',
      year: 2026,
      reference: { year: 2022, number: 21, total: 550 },
    };
    const issue = await catalog.claimIssue(req);
    const slot = await raw(t.config.tables.issues, {
      pk: 'SERIES#torch-bulletin',
      sk: 'SLOT#ttl-test-slot',
    });
    expect(slot?.['total']).toBe(issue.total);
    expect(slot?.[TTL_ATTRIBUTE]).toBeUndefined();

    // A claim whose owner died before numbering (lease over, no total), as a crash leaves it.
    const now = Date.now();
    await t.services.clients.documents.send(
      new PutCommand({
        TableName: t.config.tables.issues,
        Item: {
          pk: 'SERIES#torch-bulletin',
          sk: 'SLOT#abandoned',
          owner: 'dead',
          leaseUntil: now - 1000,
          [TTL_ATTRIBUTE]: Math.floor(now / 1000) + STALE_CLAIM_TTL_SECONDS,
        },
      }),
    );
    const taken = await catalog.claimIssue({ ...req, slotKey: 'abandoned' });
    expect(taken.total).toBe(issue.total + 1);
    const numbered = await raw(t.config.tables.issues, {
      pk: 'SERIES#torch-bulletin',
      sk: 'SLOT#abandoned',
    });
    expect(numbered?.[TTL_ATTRIBUTE]).toBeUndefined();
  });
});
