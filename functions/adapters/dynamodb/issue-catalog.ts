/**
 * The issue catalog port and its DynamoDB adapter, with exactly-once numbering that needs
 * no transactions (dynalite has none):
 *
 * 1. A slot (the scheduled time, or an on-demand request id) is claimed with a conditional
 *    put; concurrent callers for the same slot wait for the owner and get the same issue.
 * 2. The owner takes the next number by a conditional put of the issue item `N#<total>`;
 *    whoever loses that race advances the guarded counter and tries the next number.
 * 3. The slot records the number. An owner that died between 2 and 3 is taken over after a
 *    short lease, and the new owner finds the number already written through `gsi1`.
 *    A claim that never got its number carries a TTL (`expiresAt`, contract/stores.ts) so a
 *    dead claim does not stay forever; a numbered slot drops it and is kept.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, StoreError } from '../../errors.ts';
import type { Issue } from '../../core/model.ts';
import type { ClaimRequest, IssueCatalog } from '../../app/ports.ts';
import { expiresIn, STALE_CLAIM_TTL_SECONDS, TTL_ATTRIBUTE } from '../../contract/stores.ts';

/** `torch-bulletin-551` ↔ series `torch-bulletin`, total 551. */
export function issueId(series: string, total: number): string {
  return `${series}-${total}`;
}

export function parseIssueId(id: string): { series: string; total: number } | undefined {
  const m = /^([a-z0-9][a-z0-9-]{0,80}?)-(\d{1,8})$/.exec(id);
  return m ? { series: m[1]!, total: Number(m[2]) } : undefined;
}

const LEASE_MS = 30_000;
const numberKey = (total: number) => `N#${String(total).padStart(8, '0')}`;

export function createDynamoIssueCatalog(
  documents: DynamoDBDocumentClient,
  tableName: string,
): IssueCatalog {
  const component = 'catalog';

  async function getItem(pk: string, sk: string) {
    const out = await documents.send(
      new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }),
    );
    return out.Item;
  }

  async function issueByTotal(series: string, total: number): Promise<Issue | undefined> {
    const item = await getItem(`SERIES#${series}`, numberKey(total));
    return item ? toIssue(item) : undefined;
  }

  async function advanceCounter(
    series: string,
    issue: { total: number; year: number; number: number },
  ) {
    try {
      await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `SERIES#${series}`, sk: 'COUNTER' },
          UpdateExpression: 'SET #t = :t, #y = :y, #n = :n',
          ConditionExpression: 'attribute_not_exists(#t) OR #t < :t',
          ExpressionAttributeNames: { '#t': 'total', '#y': 'year', '#n': 'number' },
          ExpressionAttributeValues: { ':t': issue.total, ':y': issue.year, ':n': issue.number },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  /** Takes the next free number for a slot we own. */
  async function number(req: ClaimRequest, owner: string, startedAt: number): Promise<Issue> {
    const slotIndexKey = `SLOT#${req.series}#${req.slotKey}`;
    // Our own earlier attempt may have written the issue before it died.
    const found = await documents.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': slotIndexKey },
      }),
    );
    const mine = found.Items?.[0];
    if (mine) return toIssue(mine);

    for (let attempt = 0; attempt < 50; attempt++) {
      if (Date.now() - startedAt > LEASE_MS / 2) {
        throw new ConflictError(component, `numbering slot ${req.slotKey} took too long; retry`);
      }
      const counter = await getItem(`SERIES#${req.series}`, 'COUNTER');
      const last = counter
        ? {
            total: counter.total as number,
            year: counter.year as number,
            number: counter.number as number,
          }
        : req.reference;
      const total = last.total + 1;
      const numberInYear = last.year === req.year ? last.number + 1 : 1;
      const now = (req.now ?? new Date()).toISOString();
      const issue: Issue = {
        id: issueId(req.series, total),
        series: req.series,
        kind: req.kind,
        year: req.year,
        number: numberInYear,
        total,
        slotKey: req.slotKey,
        status: 'rendering',
        period: req.period,
        title: req.title,
        createdAt: now,
      };
      try {
        await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: `SERIES#${req.series}`,
              sk: numberKey(total),
              gsi1pk: slotIndexKey,
              gsi1sk: owner,
              ...issue,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        await advanceCounter(req.series, { total, year: req.year, number: numberInYear });
        return issue;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        // The number is taken but the counter lags (its owner is between the two writes).
        const taken = await issueByTotal(req.series, total);
        if (taken) await advanceCounter(req.series, taken);
      }
    }
    throw new ConflictError(component, `could not number slot ${req.slotKey} after 50 attempts`);
  }

  return {
    async claimIssue(req) {
      const slot = { pk: `SERIES#${req.series}`, sk: `SLOT#${req.slotKey}` };
      const owner = randomUUID();
      const deadline = Date.now() + LEASE_MS * 2;
      for (;;) {
        const existing = await getItem(slot.pk, slot.sk);
        if (existing?.total !== undefined) {
          const issue = await issueByTotal(req.series, existing.total as number);
          if (!issue)
            throw new StoreError(
              component,
              `slot ${req.slotKey} names missing issue ${existing.total}`,
            );
          return issue;
        }
        const now = Date.now();
        let owned = false;
        try {
          if (!existing) {
            await documents.send(
              new PutCommand({
                TableName: tableName,
                Item: {
                  ...slot,
                  owner,
                  leaseUntil: now + LEASE_MS,
                  [TTL_ATTRIBUTE]: expiresIn(STALE_CLAIM_TTL_SECONDS, now),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              }),
            );
            owned = true;
          } else if ((existing.leaseUntil as number) < now) {
            await documents.send(
              new UpdateCommand({
                TableName: tableName,
                Key: slot,
                UpdateExpression: 'SET #o = :me, leaseUntil = :l',
                ConditionExpression: '#o = :old AND attribute_not_exists(#t)',
                ExpressionAttributeNames: { '#o': 'owner', '#t': 'total' },
                ExpressionAttributeValues: {
                  ':me': owner,
                  ':old': existing.owner,
                  ':l': now + LEASE_MS,
                },
              }),
            );
            owned = true;
          }
        } catch (err) {
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
        }
        if (owned) {
          const issue = await number(req, owner, now);
          await documents.send(
            new UpdateCommand({
              TableName: tableName,
              Key: slot,
              // Numbered: the slot → number mapping is kept (no TTL).
              UpdateExpression: 'SET #t = :t REMOVE #x',
              ExpressionAttributeNames: { '#t': 'total', '#x': TTL_ATTRIBUTE },
              ExpressionAttributeValues: { ':t': issue.total },
            }),
          );
          return issue;
        }
        if (Date.now() > deadline)
          throw new ConflictError(component, `slot ${req.slotKey} is held by another run`);
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    },

    async markRendering(issue) {
      await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `SERIES#${issue.series}`, sk: numberKey(issue.total) },
          UpdateExpression: 'SET #s = :s REMOVE failure',
          ConditionExpression: '#s <> :published',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'rendering', ':published': 'published' },
        }),
      );
    },

    async markPublished(issue, facts) {
      const out = await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `SERIES#${issue.series}`, sk: numberKey(issue.total) },
          UpdateExpression:
            'SET #s = :s, s3Key = :k, fileName = :f, sha256 = :h, #b = :b, pages = :p, inputHash = :i, publishedAt = :at' +
            (facts.webKey ? ', webKey = :w' : '') +
            (facts.contents ? ', contents = :c' : '') +
            (facts.searchText ? ', searchText = :t' : '') +
            (facts.dataKeys ? ', dataKeys = :d' : '') +
            (facts.coverKey ? ', coverKey = :cv' : '') +
            (facts.coverSize ? ', coverSize = :cs' : '') +
            ' REMOVE failure',
          ConditionExpression: 'attribute_exists(pk) AND (#s <> :s OR sha256 = :h)',
          ExpressionAttributeNames: { '#s': 'status', '#b': 'bytes' },
          ExpressionAttributeValues: {
            ':s': 'published',
            ':k': facts.s3Key,
            ':f': facts.fileName,
            ':h': facts.sha256,
            ':b': facts.bytes,
            ':p': facts.pages,
            ':i': facts.inputHash,
            ':at': facts.publishedAt,
            ...(facts.webKey ? { ':w': facts.webKey } : {}),
            ...(facts.contents ? { ':c': facts.contents } : {}),
            // The search text is capped so that an issue item stays far below DynamoDB's 400 KB.
            ...(facts.searchText ? { ':t': facts.searchText.slice(0, 60_000) } : {}),
            ...(facts.dataKeys ? { ':d': facts.dataKeys } : {}),
            ...(facts.coverKey ? { ':cv': facts.coverKey } : {}),
            ...(facts.coverSize ? { ':cs': facts.coverSize } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toIssue(out.Attributes ?? {});
    },

    async markFailed(issue, reason) {
      try {
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: `SERIES#${issue.series}`, sk: numberKey(issue.total) },
            UpdateExpression: 'SET #s = :s, failure = :r',
            // A published issue is never turned back into a failed one.
            ConditionExpression: 'attribute_exists(pk) AND #s <> :published',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: {
              ':s': 'failed',
              ':r': reason.slice(0, 2000),
              ':published': 'published',
            },
          }),
        );
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    },

    async get(id) {
      const parsed = parseIssueId(id);
      if (!parsed) return undefined;
      return issueByTotal(parsed.series, parsed.total);
    },

    async list(series, opts = {}) {
      const limit = Math.min(Math.max(opts.limit ?? 20, 1), 100);
      const items: Issue[] = [];
      let start: Record<string, unknown> | undefined = opts.cursor
        ? { pk: `SERIES#${series}`, ...decodeCursor(opts.cursor) }
        : undefined;
      do {
        const out = await documents.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :n)',
            ...(opts.status
              ? {
                  FilterExpression: '#s = :s',
                  ExpressionAttributeNames: { '#s': 'status' },
                  ExpressionAttributeValues: {
                    ':pk': `SERIES#${series}`,
                    ':n': 'N#',
                    ':s': opts.status,
                  },
                }
              : { ExpressionAttributeValues: { ':pk': `SERIES#${series}`, ':n': 'N#' } }),
            ScanIndexForward: false,
            Limit: limit - items.length,
            ExclusiveStartKey: start,
          }),
        );
        items.push(...(out.Items ?? []).map(toIssue));
        start = out.LastEvaluatedKey;
      } while (start && items.length < limit);
      return { items, ...(start ? { cursor: encodeCursor(start) } : {}) };
    },

    async latest(series) {
      const { items } = await this.list(series, { limit: 1, status: 'published' });
      return items[0];
    },
  };
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ sk: key.sk })).toString('base64url');
}

function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const { sk } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { sk: unknown };
    if (typeof sk !== 'string' || !/^N#\d{8}$/.test(sk)) throw new Error('bad cursor');
    return { sk };
  } catch (err) {
    throw new NotFoundError('catalog', 'invalid page cursor', { cause: err });
  }
}

function toIssue(item: Record<string, unknown>): Issue {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest as unknown as Issue;
}
