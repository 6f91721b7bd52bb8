/**
 * The subscriber store against dynalite through the real AWS SDK, and notices: exactly one
 * per (issue, confirmed subscriber) however often or concurrently notify runs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#config';
import { bootstrapStores } from '#adapters/bootstrap.ts';
import { createAwsClients, type AwsClients } from '#adapters/aws-clients.ts';
import type { Notifier, SubscriberStore } from '../../functions/app/ports.ts';
import { createOutboxNotifier } from '#adapters/ses/notifier.ts';
import { addressHash, createDynamoSubscriberStore } from '#adapters/dynamodb/subscriber-store.ts';
import type { Issue } from '#core/model.ts';
import { startLocalStack, type LocalStack } from '#local/stack.ts';
import { notifySubscribers, type NotifyDeps } from '../../functions/app/notify.ts';
import { referenceData } from '../../functions/app/reference-data.ts';
import { readOutbox } from '#tests/support/eml.ts';

const SERIES = 'torch-bulletin';
const BASE = 'http://bulletin.test';

function publishedIssue(total: number, series = SERIES): Issue {
  return {
    id: `${series}-${total}`,
    series,
    kind: 'torch-bulletin',
    year: 2026,
    number: total - 550,
    total,
    slotKey: `test:${total}`,
    status: 'published',
    title: '火炬动态',
    pages: 6,
    createdAt: '2026-01-15T01:00:00.000Z',
    publishedAt: '2026-01-15T01:00:05.000Z',
  };
}

describe('subscriber store and notices (dynalite)', () => {
  let dir: string;
  let stack: LocalStack;
  let clients: AwsClients;
  let store: SubscriberStore;
  let tableName: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'subscribers-test-'));
    stack = await startLocalStack({ stateDir: join(dir, 'state'), inMemory: true });
    const config = loadConfig({ ...stack.env });
    clients = createAwsClients(config);
    await bootstrapStores(config, clients);
    tableName = config.tables.subscribers;
    store = createDynamoSubscriberStore(clients.documents, tableName);
  });

  afterAll(async () => {
    clients?.destroy();
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const notifyDeps = (notifier: Notifier, over: Partial<NotifyDeps> = {}): NotifyDeps => ({
    subscribers: store,
    notifier,
    reference: referenceData(),
    publicBaseUrl: BASE,
    timeZone: 'Asia/Shanghai',
    ...over,
  });

  it('confirm re-checks the token on the item itself (the token index may be stale)', async () => {
    // Prepare: a pending subscription whose token was replaced, while the index still points at
    // the old one (what an eventually consistent index shows for a moment; dynalite updates its
    // indexes at once, so the item is changed under it here).
    const { subscription } = await store.subscribe(SERIES, 'stale-index@example.com');
    const old = subscription.token;
    const replaced = 'R'.repeat(old.length);
    await clients.documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: `SUB#${SERIES}`, sk: subscription.addressHash },
        UpdateExpression: 'SET #t = :t',
        ExpressionAttributeNames: { '#t': 'token' },
        ExpressionAttributeValues: { ':t': replaced },
      }),
    );
    // Act, Assess: the old token confirms nothing.
    expect(await store.confirm(old)).toBeUndefined();
    const item = await clients.documents.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: `SUB#${SERIES}`, sk: subscription.addressHash },
      }),
    );
    expect(item.Item?.status).toBe('pending');
  });

  it('confirm re-checks the token in its write (the token may change between its read and write)', async () => {
    // Prepare: a pending subscription; the address asks again right as the old link is opened,
    // so its token is replaced after confirm read the item and before its write lands.
    const { subscription } = await store.subscribe(SERIES, 'raced-token@example.com');
    const old = subscription.token;
    const replaced = 'Q'.repeat(old.length);
    const key = { pk: `SUB#${SERIES}`, sk: subscription.addressHash };
    let raced = false;
    const stack = clients.documents.middlewareStack as unknown as {
      add(m: unknown, o: unknown): void;
      remove(name: string): boolean;
    };
    stack.add(
      (next: (a: unknown) => Promise<unknown>) => async (args: { input: object }) => {
        const write = JSON.stringify(args.input);
        if (!raced && write.includes('confirmedAt') && write.includes(subscription.addressHash)) {
          raced = true;
          await clients.documents.send(
            new UpdateCommand({
              TableName: tableName,
              Key: key,
              UpdateExpression: 'SET #t = :t, gsi1pk = :g',
              ExpressionAttributeNames: { '#t': 'token' },
              ExpressionAttributeValues: { ':t': replaced, ':g': `TOKEN#${replaced}` },
            }),
          );
        }
        return next(args);
      },
      { step: 'initialize', name: 'replaceTokenBeforeConfirm' },
    );
    try {
      // Act, Assess: the old token confirms nothing (a write conditioned on the status alone,
      // planted, confirmed it); the new one still can.
      expect(await store.confirm(old)).toBeUndefined();
    } finally {
      stack.remove('replaceTokenBeforeConfirm');
    }
    expect(raced).toBe(true);
    const item = await clients.documents.send(new GetCommand({ TableName: tableName, Key: key }));
    expect(item.Item?.status).toBe('pending');
    expect((await store.confirm(replaced))?.status).toBe('confirmed');
  });

  it('keys a subscription on the hash of the lowercased address and keeps the address', async () => {
    const first = await store.subscribe(SERIES, ' Reader@Example.com ');
    expect(first.action).toBe('confirm');
    expect(first.subscription).toMatchObject({
      addressHash: addressHash('reader@example.com'),
      email: 'Reader@Example.com',
      status: 'pending',
    });
    expect(first.subscription.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const raw = await clients.documents.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: `SUB#${SERIES}`, sk: addressHash('READER@example.com') },
      }),
    );
    expect(raw.Item).toMatchObject({ gsi1pk: `TOKEN#${first.subscription.token}` });
  });

  it('asks a pending address to confirm again only after the resend interval', async () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const a = await store.subscribe(SERIES, 'pending@example.com', { now: t0 });
    const soon = await store.subscribe(SERIES, 'PENDING@example.com', {
      now: new Date(t0.getTime() + 60_000),
    });
    const later = await store.subscribe(SERIES, 'pending@example.com', {
      now: new Date(t0.getTime() + 11 * 60_000),
    });
    expect([a.action, soon.action, later.action]).toEqual(['confirm', 'none', 'confirm']);
    expect(later.subscription.token).toBe(a.subscription.token);
  });

  it('confirms and unsubscribes idempotently; a returning address gets a new token', async () => {
    const { subscription } = await store.subscribe(SERIES, 'flow@example.com');
    expect((await store.confirm(subscription.token))?.status).toBe('confirmed');
    expect((await store.confirm(subscription.token))?.status).toBe('confirmed');
    expect((await store.subscribe(SERIES, 'flow@example.com')).action).toBe('none');
    expect((await store.unsubscribe(subscription.token))?.status).toBe('unsubscribed');
    expect((await store.unsubscribe(subscription.token))?.status).toBe('unsubscribed');
    // An old confirmation link does not bring an unsubscribed address back.
    expect((await store.confirm(subscription.token))?.status).toBe('unsubscribed');
    const back = await store.subscribe(SERIES, 'flow@example.com');
    expect(back.action).toBe('confirm');
    expect(back.subscription.token).not.toBe(subscription.token);
    expect(await store.byToken(subscription.token)).toBeUndefined();
    expect(await store.confirm('A'.repeat(43))).toBeUndefined();
    expect(await store.confirm('not-a-token')).toBeUndefined();
  });

  it('lets concurrent subscribes of one new address create one subscription', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () => store.subscribe(SERIES, 'race@example.com')),
    );
    expect(results.filter((r) => r.action === 'confirm')).toHaveLength(1);
    expect(new Set(results.map((r) => r.subscription.token)).size).toBe(1);
  });

  it('sends each confirmed subscriber one notice per issue, however often notify runs', async () => {
    const series = 'notice-test';
    const confirmed = ['one@example.com', 'two@example.com', 'three@example.com'];
    for (const email of confirmed) {
      const { subscription } = await store.subscribe(series, email);
      await store.confirm(subscription.token);
    }
    await store.subscribe(series, 'never-confirmed@example.com');
    const listed: string[] = [];
    for await (const s of store.confirmedSubscribers(series)) listed.push(s.email);
    expect(listed.sort()).toEqual([...confirmed].sort());

    const outbox = join(dir, 'outbox-notices');
    const notifier = createOutboxNotifier(outbox);
    const issue = publishedIssue(551, series);
    const runs = await Promise.all([
      notifySubscribers(notifyDeps(notifier), issue),
      notifySubscribers(notifyDeps(notifier), issue),
      notifySubscribers(notifyDeps(notifier), issue),
    ]);
    const again = await notifySubscribers(notifyDeps(notifier), issue);
    expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(3);
    expect(again).toMatchObject({ sent: 0, alreadyNotified: 3, failed: 0 });

    const mails = await readOutbox(outbox);
    expect(mails.map((m) => m.to).sort()).toEqual([...confirmed].sort());
    expect(mails[0]!.subject).toBe('《notice-test》2026年第1期(总第551期)已发布');
    expect(mails[0]!.urls).toContain(`${BASE}/bulletins/notice-test-551/download`);

    // The next issue is a new notice for everyone.
    const next = await notifySubscribers(notifyDeps(notifier), publishedIssue(552, series));
    expect(next.sent).toBe(3);
  });

  it('gives a failed notice back so that a retried publish sends it, and never logs addresses', async () => {
    const series = 'failure-test';
    for (const email of ['ok@example.com', 'bounce@example.com']) {
      const { subscription } = await store.subscribe(series, email);
      await store.confirm(subscription.token);
    }
    const outbox = join(dir, 'outbox-failures');
    const real = createOutboxNotifier(outbox);
    // SES quotes the address in its error: a fault we cannot provoke locally.
    const flaky: Notifier = {
      async send(m) {
        if (m.to === 'bounce@example.com')
          throw new Error(`Throttling: rate exceeded for bounce@example.com`);
        return real.send(m);
      },
    };
    const logs: string[] = [];
    const issue = publishedIssue(551, series);
    const first = await notifySubscribers(notifyDeps(flaky, { log: (m) => logs.push(m) }), issue);
    expect(first).toMatchObject({ sent: 1, failed: 1 });
    expect(logs.join('\n')).not.toMatch(/@example\.com/);
    expect(logs.join('\n')).toContain('<address>');

    const retry = await notifySubscribers(notifyDeps(real), issue);
    expect(retry).toMatchObject({ sent: 1, alreadyNotified: 1, failed: 0 });
    expect((await readOutbox(outbox)).map((m) => m.to).sort()).toEqual([
      'bounce@example.com',
      'ok@example.com',
    ]);
  });

  it('sends nothing for an issue that is not published', async () => {
    const outcome = await notifySubscribers(notifyDeps(createOutboxNotifier(join(dir, 'x'))), {
      ...publishedIssue(560),
      status: 'rendering',
    });
    expect(outcome.sent).toBe(0);
  });
});
