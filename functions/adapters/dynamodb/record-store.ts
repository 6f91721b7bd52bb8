/**
 * The record store port and its DynamoDB adapter. Every read is a Query, GetItem or
 * BatchGetItem — never a Scan (see `contract/stores.ts` for the item layout).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { ConflictError, StoreError } from '../../errors.ts';
import type { Article, IndicatorRecord } from '../../core/model.ts';
import { parsePeriod } from '../../core/periods.ts';
import { recordKey, type RecordKey } from '../../core/record-key.ts';
import type { WriteOutcome, RecordStore } from '../../app/ports.ts';

/** Two observations carry the same facts (value, reported rates, source). */
export function sameFacts(
  a: Omit<IndicatorRecord, 'revision'>,
  b: Omit<IndicatorRecord, 'revision'>,
): boolean {
  return (
    a.value === b.value &&
    a.reportedValue === b.reportedValue &&
    a.reportedUnit === b.reportedUnit &&
    a.qualifier === b.qualifier &&
    a.yoy === b.yoy &&
    a.share === b.share &&
    a.source === b.source
  );
}

const rev = (n: number) => String(n).padStart(6, '0');

/** Records per step of a bulk write: bounds the time a first revision waits for its current item. */
const BULK_CHUNK = 500;

export function createDynamoRecordStore(
  documents: DynamoDBDocumentClient,
  tableName: string,
): RecordStore {
  const component = 'records';
  const limit = pLimit(8);

  async function queryAll(
    input: Omit<QueryCommandInput, 'TableName'>,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await documents.send(
        new QueryCommand({ TableName: tableName, ...input, ExclusiveStartKey: start }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  function currentItem(r: IndicatorRecord) {
    return {
      pk: `P#${r.period}`,
      sk: `${r.zone}#${r.indicator}`,
      gsi1pk: `S#${r.zone}#${r.indicator}`,
      gsi1sk: r.period,
      gsi2pk: `Z#${r.zone}`,
      gsi2sk: `${r.indicator}#${r.period}`,
      ...toAttributes(r),
    };
  }

  async function putCurrent(r: IndicatorRecord): Promise<void> {
    try {
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: currentItem(r),
          // A newer revision written concurrently is never replaced by an older one.
          ConditionExpression: 'attribute_not_exists(pk) OR revision < :r',
          ExpressionAttributeValues: { ':r': r.revision },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async function latestRevision(key: RecordKey): Promise<IndicatorRecord | undefined> {
    const out = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `R#${recordKey(key)}` },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = out.Items?.[0];
    return item ? fromItem(item) : undefined;
  }

  /**
   * Appends `record` to the revision log when it differs from the latest revision (conditional
   * put: no two writers ever get the same revision number). Writes the current item itself
   * for a revision ≥ 2; a first revision is returned for the caller to store as current (one
   * by one, or batched by {@link putFirstCurrents}).
   */
  async function appendRevision(
    record: Omit<IndicatorRecord, 'revision'>,
    current: IndicatorRecord | undefined,
  ): Promise<{ outcome: WriteOutcome; firstRevision?: IndicatorRecord }> {
    let known = current;
    for (let attempt = 0; attempt < 10; attempt++) {
      if (known && sameFacts(known, record)) {
        // The caller's `current` is the current item itself: nothing to do. A revision found
        // in the log may be missing from the current item (a crash between the two writes):
        // heal it.
        if (known !== current) await putCurrent(known);
        return { outcome: 'unchanged' };
      }
      const revision = (known?.revision ?? 0) + 1;
      const next: IndicatorRecord = { ...record, revision };
      try {
        await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: `R#${recordKey(record)}`, sk: rev(revision), ...toAttributes(next) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) {
          throw new StoreError(component, `cannot write revision of ${recordKey(record)}`, {
            cause: err,
          });
        }
        // Someone else wrote this revision (a concurrent ingest or our own earlier try).
        known = await latestRevision(record);
        continue;
      }
      if (revision === 1) return { outcome: 'created', firstRevision: next };
      await putCurrent(next);
      return { outcome: 'revised' };
    }
    throw new ConflictError(component, `too many concurrent revisions of ${recordKey(record)}`);
  }

  /**
   * Current items of first revisions, 25 per BatchWriteItem (a conditional PutItem each made
   * bulk ingest several times slower). BatchWriteItem cannot be conditional, so afterwards we
   * look for a revision 2 of each key: a concurrent writer that wrote one may have had its
   * current item replaced by our revision 1, and we put the latest revision back
   * (conditionally). A newer revision always lands in the log before its current item, so a
   * look made after our write cannot miss one that our write hid.
   */
  async function putFirstCurrents(firsts: IndicatorRecord[]): Promise<void> {
    const batches: IndicatorRecord[][] = [];
    for (let i = 0; i < firsts.length; i += 25) batches.push(firsts.slice(i, i + 25));
    await Promise.all(batches.map((b) => limit(() => batchWriteAll(b.map(currentItem)))));
    const lookups: IndicatorRecord[][] = [];
    for (let i = 0; i < firsts.length; i += 100) lookups.push(firsts.slice(i, i + 100));
    const newer = (
      await Promise.all(
        lookups.map((l) =>
          limit(() =>
            batchGetAll(l.map((r) => ({ pk: `R#${recordKey(r)}`, sk: rev(r.revision + 1) }))),
          ),
        ),
      )
    ).flat();
    for (const item of newer) {
      const latest = await latestRevision(fromItem(item));
      if (latest) await putCurrent(latest);
    }
  }

  async function batchWriteAll(items: Record<string, unknown>[]): Promise<void> {
    let request = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; request.length > 0; attempt++) {
      if (attempt > 8)
        throw new StoreError(component, 'BatchWrite kept returning unprocessed items');
      if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      const out = await documents.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: request } }),
      );
      request = (out.UnprocessedItems?.[tableName] ?? []) as typeof request;
    }
  }

  async function batchGetAll(keys: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let request: Record<string, unknown>[] | undefined = keys;
    for (let attempt = 0; request && request.length > 0; attempt++) {
      if (attempt > 8) throw new StoreError(component, 'BatchGet kept returning unprocessed keys');
      if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      const out = await documents.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: request, ConsistentRead: true } },
        }),
      );
      items.push(...(out.Responses?.[tableName] ?? []));
      request = out.UnprocessedKeys?.[tableName]?.Keys as Record<string, unknown>[] | undefined;
    }
    return items;
  }

  return {
    async currentValues(keys) {
      const result = new Map<string, IndicatorRecord>();
      const unique = [...new Map(keys.map((k) => [recordKey(k), k])).values()];
      const chunks: RecordKey[][] = [];
      for (let i = 0; i < unique.length; i += 100) chunks.push(unique.slice(i, i + 100));
      await Promise.all(
        chunks.map((chunk) =>
          limit(async () => {
            const items = await batchGetAll(
              chunk.map((k) => ({ pk: `P#${k.period}`, sk: `${k.zone}#${k.indicator}` })),
            );
            for (const item of items) {
              const r = fromItem(item);
              result.set(recordKey(r), r);
            }
          }),
        ),
      );
      return result;
    },

    async writeRecord(record, current) {
      const { outcome, firstRevision } = await appendRevision(record, current);
      if (firstRevision) await putCurrent(firstRevision);
      return outcome;
    },

    async writeRecords(entries, opts = {}) {
      const outcomes: WriteOutcome[] = new Array<WriteOutcome>(entries.length);
      const appendLimit = pLimit(32);
      let done = 0;
      for (let start = 0; start < entries.length; start += BULK_CHUNK) {
        const chunk = entries.slice(start, start + BULK_CHUNK);
        const firsts: IndicatorRecord[] = [];
        await Promise.all(
          chunk.map((e, i) =>
            appendLimit(async () => {
              const { outcome, firstRevision } = await appendRevision(e.record, e.current);
              outcomes[start + i] = outcome;
              if (firstRevision) firsts.push(firstRevision);
            }),
          ),
        );
        await putFirstCurrents(firsts);
        done += chunk.length;
        opts.onProgress?.(done, entries.length);
      }
      return outcomes;
    },

    async registerPeriods(periods) {
      await Promise.all(
        [...new Set(periods)].map((p) =>
          limit(() => {
            const parsed = parsePeriod(p);
            if (!parsed) throw new StoreError(component, `not a period: ${p}`);
            return documents.send(
              new PutCommand({
                TableName: tableName,
                Item: { pk: `PERIODS#${parsed.granularity}`, sk: p },
              }),
            );
          }),
        ),
      );
    },

    async latestPeriod(granularity) {
      const out = await documents.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `PERIODS#${granularity}` },
          ScanIndexForward: false,
          Limit: 1,
        }),
      );
      return out.Items?.[0]?.sk as string | undefined;
    },

    async periods(granularity) {
      const items = await queryAll({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `PERIODS#${granularity}` },
      });
      return items.map((i) => i.sk as string);
    },

    async latestPeriodOf(zone, indicator) {
      const out = await documents.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': `S#${zone}#${indicator}` },
          ScanIndexForward: false,
          Limit: 1,
        }),
      );
      return out.Items?.[0]?.period as string | undefined;
    },

    async recordsOfPeriod(period) {
      const items = await queryAll({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `P#${period}` },
      });
      return items.map(fromItem);
    },

    async history(zone, indicator) {
      const items = await queryAll({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': `S#${zone}#${indicator}` },
      });
      return items.map(fromItem);
    },

    async recordsOfZone(zone) {
      const items = await queryAll({
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': `Z#${zone}` },
      });
      return items.map(fromItem);
    },

    async revisions(key) {
      const items = await queryAll({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `R#${recordKey(key)}` },
      });
      return items.map(fromItem);
    },

    async putArticle(article) {
      const key = { pk: `A#${article.series}#${article.period}`, sk: article.id };
      const existing = await documents.send(
        new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
      );
      const body = JSON.stringify(article);
      if (existing.Item?.json === body) return 'unchanged';
      await documents.send(new PutCommand({ TableName: tableName, Item: { ...key, json: body } }));
      return existing.Item ? 'revised' : 'created';
    },

    async articles(series, period) {
      const items = await queryAll({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `A#${series}#${period}` },
      });
      return items.map((i) => JSON.parse(i.json as string) as Article);
    },
  };
}

function toAttributes(r: IndicatorRecord) {
  return {
    zone: r.zone,
    indicator: r.indicator,
    period: r.period,
    value: r.value,
    reportedValue: r.reportedValue,
    reportedUnit: r.reportedUnit,
    qualifier: r.qualifier,
    yoy: r.yoy,
    share: r.share,
    source: r.source,
    revision: r.revision,
    origin: r.origin,
    ingestedAt: r.ingestedAt,
  };
}

function fromItem(item: Record<string, unknown>): IndicatorRecord {
  const r: IndicatorRecord = {
    zone: item.zone as string,
    indicator: item.indicator as string,
    period: item.period as string,
    value: item.value as number,
    source: item.source as string,
    revision: item.revision as number,
  };
  if (typeof item.reportedValue === 'string') r.reportedValue = item.reportedValue;
  if (typeof item.reportedUnit === 'string') r.reportedUnit = item.reportedUnit;
  if (typeof item.qualifier === 'string') r.qualifier = item.qualifier;
  if (typeof item.yoy === 'number') r.yoy = item.yoy;
  if (typeof item.share === 'number') r.share = item.share;
  if (typeof item.origin === 'string') r.origin = item.origin;
  if (typeof item.ingestedAt === 'string') r.ingestedAt = item.ingestedAt;
  return r;
}
