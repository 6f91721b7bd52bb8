/**
 * The subscriber store port and its DynamoDB adapter (table `SUBSCRIBERS_TABLE`).
 *
 * Items:
 * - subscription `pk=SUB#<series>`, `sk=<addressHash>` (sha256 of the lowercased address, hex),
 *   with the address itself, `status` (pending / confirmed / unsubscribed) and one random
 *   token (32 bytes, base64url) that confirms and unsubscribes; `gsi1pk=TOKEN#<token>`
 *   finds the subscription from a link. A pending subscription carries `expiresAt` (TTL,
 *   contract/stores.ts): unconfirmed after 7 days it is gone — DynamoDB deletes it (days
 *   late), and until then, or forever on dynalite, it is read as absent (its token dead).
 * - notice marker `pk=NOTICE#<issueId>`, `sk=<addressHash>`: claimed with a conditional put
 *   before a notice is sent, so that retried or concurrent publishes send it once.
 *
 * Every read is a GetItem or a Query (confirmed subscribers of a series: Query on the series
 * partition); never a Scan. Addresses and tokens are never put into error messages.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../../errors.ts';
import type {
  NoticeDelivery,
  Subscription,
  SubscriberStore,
  SubscriptionStatus,
} from '../../app/ports.ts';
import {
  expiresIn,
  isExpired,
  PENDING_SUBSCRIPTION_TTL_SECONDS,
  TTL_ATTRIBUTE,
} from '../../contract/stores.ts';

/** sha256 (hex) of the trimmed, lowercased address. */
export function addressHash(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}

/** A fresh link token: 32 random bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export { isTokenShaped } from '../../core/tokens.ts';
import { isTokenShaped } from '../../core/tokens.ts';
import { queryAll, queryPages, type QuerySend } from './paged-query.ts';

const DEFAULT_RESEND_AFTER_MS = 10 * 60_000;

export function createDynamoSubscriberStore(
  documents: DynamoDBDocumentClient,
  tableName: string,
): SubscriberStore {
  const component = 'subscribers';
  const subscriptionKey = (series: string, hash: string) => ({ pk: `SUB#${series}`, sk: hash });
  const noticeKey = (issueId: string, hash: string) => ({ pk: `NOTICE#${issueId}`, sk: hash });

  async function send<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw err;
      throw new StoreError(component, `表 ${tableName} 的 ${what} 失败`, { cause: err });
    }
  }

  const querySend: QuerySend = (request) => send('Query', request);

  async function getItem(
    series: string,
    hash: string,
  ): Promise<Record<string, unknown> | undefined> {
    const out = await send('GetItem', () =>
      documents.send(
        new GetCommand({
          TableName: tableName,
          Key: subscriptionKey(series, hash),
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item;
  }

  /** Applies `update` unless the item changed since `seen` (same token, same status). */
  async function transition(
    seen: Subscription,
    set: Record<string, unknown>,
    remove: string[] = [],
  ): Promise<Subscription | undefined> {
    const names: Record<string, string> = { '#status': 'status', '#token': 'token' };
    const values: Record<string, unknown> = {
      ':seenStatus': seen.status,
      ':seenToken': seen.token,
    };
    const assignments = Object.entries(set).map(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    });
    const removals = remove.map((field, i) => {
      names[`#r${i}`] = field;
      return `#r${i}`;
    });
    try {
      const out = await send('UpdateItem', () =>
        documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: subscriptionKey(seen.series, seen.addressHash),
            UpdateExpression:
              `SET ${assignments.join(', ')}` +
              (removals.length ? ` REMOVE ${removals.join(', ')}` : ''),
            ConditionExpression: '#status = :seenStatus AND #token = :seenToken',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return toSubscription(out.Attributes ?? {});
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  return {
    async subscribe(series, email, opts = {}) {
      const now = opts.now ?? new Date();
      const resendAfterMs = opts.resendAfterMs ?? DEFAULT_RESEND_AFTER_MS;
      const hash = addressHash(email);
      // Two concurrent requests for one address: the loser re-reads and follows the winner.
      for (let attempt = 0; attempt < 5; attempt++) {
        const item = await getItem(series, hash);
        const existing = item ? toSubscription(item) : undefined;
        const pendingUntil = expiresIn(PENDING_SUBSCRIPTION_TTL_SECONDS, now.getTime());
        if (!existing) {
          const token = newToken();
          const subscription: Subscription = {
            series,
            addressHash: hash,
            email: email.trim(),
            status: 'pending',
            token,
            createdAt: now.toISOString(),
            confirmationSentAt: now.toISOString(),
          };
          try {
            await send('PutItem', () =>
              documents.send(
                new PutCommand({
                  TableName: tableName,
                  Item: {
                    ...subscriptionKey(series, hash),
                    gsi1pk: `TOKEN#${token}`,
                    gsi1sk: 'SUB',
                    ...subscription,
                    [TTL_ATTRIBUTE]: pendingUntil,
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                }),
              ),
            );
            return { subscription, action: 'confirm' };
          } catch (err) {
            if (err instanceof ConditionalCheckFailedException) continue;
            throw err;
          }
        }
        if (existing.status === 'confirmed') return { subscription: existing, action: 'none' };
        // Unsubscribed, or pending past its TTL (not yet deleted): start over with a new token.
        const lapsed = existing.status === 'pending' && isExpired(item, now.getTime());
        if (existing.status === 'unsubscribed' || lapsed) {
          const token = newToken();
          const updated = await transition(
            existing,
            {
              status: 'pending',
              token,
              gsi1pk: `TOKEN#${token}`,
              email: email.trim(),
              confirmationSentAt: now.toISOString(),
              [TTL_ATTRIBUTE]: pendingUntil,
            },
            ['unsubscribedAt', 'confirmedAt'],
          );
          if (updated) return { subscription: updated, action: 'confirm' };
          continue;
        }
        const lastSent = Date.parse(existing.confirmationSentAt ?? existing.createdAt);
        if (now.getTime() - lastSent < resendAfterMs)
          return { subscription: existing, action: 'none' };
        const updated = await transition(existing, {
          confirmationSentAt: now.toISOString(),
          [TTL_ATTRIBUTE]: pendingUntil,
        });
        if (updated) return { subscription: updated, action: 'confirm' };
      }
      throw new StoreError(component, `订阅 ${hash.slice(0, 12)}… 一直在变动，请重试`);
    },

    async byToken(token) {
      if (!isTokenShaped(token)) return undefined;
      const out = await send('Query', () =>
        documents.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :t',
            ExpressionAttributeValues: { ':t': `TOKEN#${token}` },
          }),
        ),
      );
      const item = out.Items?.[0];
      if (!item) return undefined;
      // The index is eventually consistent: read the item itself before acting on it.
      const raw = await getItem(item.series as string, item.addressHash as string);
      // An expired pending subscription is gone, whether or not DynamoDB deleted it yet.
      if (!raw || isExpired(raw)) return undefined;
      const current = toSubscription(raw);
      return current.token === token ? current : undefined;
    },

    async confirm(token, now = new Date()) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const found = await this.byToken(token);
        if (!found || found.status !== 'pending') return found;
        const updated = await transition(
          found,
          { status: 'confirmed', confirmedAt: now.toISOString() },
          [TTL_ATTRIBUTE],
        );
        if (updated) return updated;
      }
      return this.byToken(token);
    },

    async unsubscribe(token, now = new Date()) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const found = await this.byToken(token);
        if (!found || found.status === 'unsubscribed') return found;
        const updated = await transition(found, {
          status: 'unsubscribed',
          unsubscribedAt: now.toISOString(),
        });
        if (updated) return updated;
      }
      return this.byToken(token);
    },

    async *confirmedSubscribers(series) {
      const pages = queryPages(
        documents,
        {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: '#status = :confirmed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pk': `SUB#${series}`, ':confirmed': 'confirmed' },
        },
        { send: querySend },
      );
      for await (const { items } of pages) for (const item of items) yield toSubscription(item);
    },

    async claimNotice(issueId, hash, now = new Date()) {
      try {
        await send('PutItem', () =>
          documents.send(
            new PutCommand({
              TableName: tableName,
              Item: { ...noticeKey(issueId, hash), state: 'claimed', claimedAt: now.toISOString() },
              // A notice whose send failed may be claimed again (a retried publish, a resend).
              ConditionExpression: 'attribute_not_exists(pk) OR #state = :failed',
              ExpressionAttributeNames: { '#state': 'state' },
              ExpressionAttributeValues: { ':failed': 'failed' },
            }),
          ),
        );
        return true;
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) return false;
        throw err;
      }
    },

    async markNoticeSent(issueId, hash, messageId) {
      await send('UpdateItem', () =>
        documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: noticeKey(issueId, hash),
            UpdateExpression: 'SET #state = :sent, messageId = :m',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':sent': 'sent', ':m': messageId },
          }),
        ),
      );
    },

    async releaseNotice(issueId, hash, reason) {
      try {
        await send('UpdateItem', () =>
          documents.send(
            new UpdateCommand({
              TableName: tableName,
              Key: noticeKey(issueId, hash),
              UpdateExpression: 'SET #state = :failed, reason = :r, failedAt = :at',
              // Never release a notice that was sent.
              ConditionExpression: '#state = :claimed',
              ExpressionAttributeNames: { '#state': 'state' },
              ExpressionAttributeValues: {
                ':claimed': 'claimed',
                ':failed': 'failed',
                ':r': (reason ?? 'send failed').slice(0, 300),
                ':at': new Date().toISOString(),
              },
            }),
          ),
        );
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    },

    async countsOf(series) {
      const counts: Record<SubscriptionStatus, number> = {
        pending: 0,
        confirmed: 0,
        unsubscribed: 0,
      };
      const nowMs = Date.now();
      const items = await queryAll(
        documents,
        {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ProjectionExpression: '#status, #ttl',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':pk': `SUB#${series}` },
        },
        { send: querySend },
      );
      for (const item of items)
        if (!isExpired(item, nowMs)) counts[item['status'] as SubscriptionStatus] += 1;
      return counts;
    },

    async deliveries(issueId) {
      const items = await queryAll(
        documents,
        {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `NOTICE#${issueId}` },
        },
        { send: querySend },
      );
      return items.map((i): NoticeDelivery => ({
        addressHash: i['sk'] as string,
        state: i['state'] as NoticeDelivery['state'],
        at: (i['failedAt'] ?? i['claimedAt']) as string,
        ...(i['messageId'] ? { messageId: i['messageId'] as string } : {}),
        ...(i['reason'] ? { reason: i['reason'] as string } : {}),
      }));
    },
  };
}

function toSubscription(item: Record<string, unknown>): Subscription {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest as unknown as Subscription;
}
