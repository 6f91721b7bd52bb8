/**
 * The record store's DynamoDB adapter (the port is `RecordStore` in `app/ports.ts`). Every read is a Query, GetItem or
 * BatchGetItem — never a Scan (see `contract/stores.ts` for the item layout).
 *
 * Writes are whole batches, all or nothing, even when the writer is killed:
 * - one batch at a time holds the ingest lock (`INGEST#LOCK`, a lease renewed while it
 *   writes; a holder that died — its process is gone, or its lease ran out — is taken over);
 * - a batch writes its header (`BATCH#<id>`, status `pending`) and a journal of every key it
 *   will touch, then its items, each tagged `batch=<id>`, with BatchWriteItem (25 a request,
 *   bounded concurrency, no per-record round trip);
 * - one conditional update of the header to `committed` makes the whole batch visible at once;
 * - reads honour it: an item of a batch that is not committed is read as the item it replaced
 *   (kept inline as `prev`) or not at all. A batch left `pending` by a dead writer is rolled
 *   back from its journal by the next writer, before it writes anything.
 *
 * Revision history: a later revision supersedes the current item without losing the earlier
 * one, which is copied to the revision log (`R#…`) in the same batch. The log holds every
 * revision but the current one (stores written before this layout hold the current one too;
 * reads merge both).
 *
 * Packs: every record of one (zone, period), as written, in one item (its records' JSON
 * deflated), twice: under its zone (`ZONE#<zone>` / `<period>`: a zone's records are one Query
 * of ≈ 15 items instead of ≈ 520, a zone profile's read) and under its period (`PACKS#<period>`
 * / `<zone>`: a period's records are one Query of ≈ 180 items instead of ≈ 6 600). The stores'
 * process and the SDK spend their time per item. A batch rewrites both packs of every
 * (zone, period) whose records it creates or revises, in the batch (same `batch`/`prev`
 * visibility, journalled, undone with it). The marker `ZONES#PACKED` / `2` says every pack is
 * there: a batch keeps packs only under it, and writes it into an empty table (or a table without
 * it, after writing the packs of every period's records: `backfillPacks`); a zone or period
 * without packs is read from `gsi2` or its `P#` items as before.
 */
import { hostname } from 'node:os';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { BulletinError, ConflictError, StoreError } from '../../errors.ts';
import type { Article, IndicatorRecord } from '../../core/model.ts';
import type { Granularity } from '../../core/periods.ts';
import { parsePeriod } from '../../core/periods.ts';
import { recordKey, type RecordKey } from '../../core/record-key.ts';
import type {
  ArticleKey,
  ArticleRevision,
  BatchWriteResult,
  RecordStore,
  WriteOutcome,
} from '../../app/ports.ts';

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

/* ---------------------------------------------------------------------------------------- */
/* What DynamoDB would refuse, checked before anything is written                            */
/* ---------------------------------------------------------------------------------------- */

/** DynamoDB numbers: magnitude 1E-130 … 9.9999999999999999999999999999999999999E+125. */
const MAX_NUMBER = 9.999999999999999e125;
const MIN_NUMBER = 1e-130;
/** Key attribute limits (bytes, UTF-8): partition 2048, sort 1024. */
const MAX_PK_BYTES = 2048;
const MAX_SK_BYTES = 1024;
/** An item is at most 400 KB; a current item carries the one it replaced (`prev`). */
const MAX_ITEM_BYTES = 400 * 1024;
/** Largest article (its JSON) we store: twice this (current + prev) stays under 400 KB. */
export const MAX_ARTICLE_BYTES = 180 * 1024;

const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** Why DynamoDB would refuse this number, or undefined. */
function numberProblem(n: number): string | undefined {
  if (!Number.isFinite(n)) return `${n} 换算为指标的基本单位后不是有限数`;
  const a = Math.abs(n);
  if (a > MAX_NUMBER) return `${n} 超出存储能保存的上限（±9.99E+125）`;
  // The SDK's marshaller (lib-dynamodb) refuses any number past 2^53 − 1.
  if (a > Number.MAX_SAFE_INTEGER)
    return `${n} 超出存储能精确保存的范围（绝对值至多 ${Number.MAX_SAFE_INTEGER}，即 2^53−1，按指标的基本单位计）`;
  if (a !== 0 && a < MIN_NUMBER) return `${n} 小于存储能保存的下限（1E-130）`;
  return undefined;
}

/**
 * Problems that would make DynamoDB refuse a record (numbers it cannot hold, keys or items too
 * long), as `field → message`. Checked for the whole batch before the first write.
 */
export function recordStorageProblems(
  r: Omit<IndicatorRecord, 'revision'>,
): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  for (const field of ['value', 'yoy', 'share'] as const) {
    const n = r[field];
    if (n === undefined) continue;
    const p = numberProblem(n);
    if (p) problems.push({ field, message: p });
  }
  if (utf8Bytes(`R#${recordKey(r)}`) > MAX_PK_BYTES)
    problems.push({ field: 'zone', message: '园区、指标与数据期合成的键（key）太长' });
  if (utf8Bytes(`${r.zone}#${r.indicator}`) > MAX_SK_BYTES)
    problems.push({ field: 'zone', message: '园区与指标合成的键（key）太长' });
  // Current item + the one it replaces, with index keys: about 3× the record's text.
  const size = utf8Bytes(JSON.stringify(r)) * 3 + 512;
  if (size > MAX_ITEM_BYTES) problems.push({ field: 'source', message: '这条记录太大，无法存储' });
  return problems;
}

/** Problems that would make DynamoDB refuse an article (too large, keys too long). */
export function articleStorageProblems(a: Article): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const bytes = utf8Bytes(JSON.stringify(a));
  if (bytes > MAX_ARTICLE_BYTES)
    problems.push({
      field: 'body',
      message: `文章存储后有 ${bytes} 字节，上限为 ${MAX_ARTICLE_BYTES}`,
    });
  if (utf8Bytes(`AR#${a.series}#${a.period}#${a.id}`) > MAX_PK_BYTES)
    problems.push({ field: 'id', message: '刊物、数据期与 id 合成的键（key）太长' });
  return problems;
}

/* ---------------------------------------------------------------------------------------- */

const rev = (n: number) => String(n).padStart(6, '0');

/** The lock every batch writer holds while it writes (one item). */
const LOCK_KEY = { pk: 'INGEST#LOCK', sk: '-' };
/** The data version: the last batch that may have changed what reads return. */
const DATA_VERSION_KEY = { pk: 'DATA#VERSION', sk: '-' };
const LEASE_MS = 30_000;
const HEARTBEAT_MS = 5_000;
const LOCK_WAIT_MS = 15 * 60_000;
/** Journal text per item: well under 400 KB. */
const JOURNAL_CHUNK_BYTES = 200 * 1024;
const BATCH_WRITE = 25;
/** Records a batch writes at a time: its memory is that of one chunk, whatever its size. */
const CHUNK_RECORDS = 1_000;
const BATCH_GET = 100;
/**
 * The marker of a table whose every (zone, period) has both its packs (see the header). `sk=-`
 * was the marker of zone packs alone (kept by `16c550a` only): not this one.
 */
const PACKED_KEY = { pk: 'ZONES#PACKED', sk: '2' };
/** A (zone, period)'s pack under its zone (a zone's read) and under its period (a period's). */
const packKey = (zone: string, period: string) => ({ pk: `ZONE#${zone}`, sk: period });
const periodPackKey = (zone: string, period: string) => ({ pk: `PACKS#${period}`, sk: zone });
const packKeys = (zone: string, period: string) => [
  packKey(zone, period),
  periodPackKey(zone, period),
];
/**
 * Largest pack kept (deflated; with the pack it replaced, `prev`, well under 400 KB). A larger
 * one is written as `overflow`: that zone is read from `gsi2`.
 */
const MAX_PACK_BYTES = 150 * 1024;

type Item = Record<string, unknown>;
type BatchStatus = 'pending' | 'rolling-back' | 'committed' | 'rolled-back';

const batchHeaderKey = (id: string) => ({ pk: `BATCH#${id}`, sk: '-' });

/** Is the process that holds a lock gone? Only knowable on this host. */
function ownerIsDead(owner: { host?: unknown; pid?: unknown }): boolean {
  if (owner.host !== hostname() || typeof owner.pid !== 'number') return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export function createDynamoRecordStore(
  documents: DynamoDBDocumentClient,
  tableName: string,
  opts: {
    /** BatchWrite/BatchGet requests in flight at once (default 8). */
    concurrency?: number;
    /** How long the ingest lock outlives a writer that stopped renewing it (default 30 s). */
    leaseMs?: number;
    /** Records read, journalled and written at a time (default 1 000). */
    chunkRecords?: number;
    /** Largest zone pack kept, deflated bytes (default 150 KiB; a test's is smaller). */
    maxPackBytes?: number;
  } = {},
): RecordStore {
  const leaseMs = opts.leaseMs ?? LEASE_MS;
  const chunkRecords = opts.chunkRecords ?? CHUNK_RECORDS;
  const maxPackBytes = opts.maxPackBytes ?? MAX_PACK_BYTES;
  const packBody = (records: IndicatorRecord[]) => packBodyOf(records, maxPackBytes);
  const heartbeatMs = Math.min(HEARTBEAT_MS, leaseMs / 3);
  const component = 'records';
  const limit = pLimit(opts.concurrency ?? 8);
  /** Final states are final: a batch once committed or rolled back never changes again. */
  const settled = new Map<string, 'committed' | 'rolled-back'>();

  async function queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await documents.send(
        new QueryCommand({ TableName: tableName, ...input, ExclusiveStartKey: start }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async function batchWriteAll(
    requests: ({ PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } })[],
  ): Promise<void> {
    let request = requests;
    for (let attempt = 0; request.length > 0; attempt++) {
      if (attempt > 8) throw new StoreError(component, 'BatchWrite 多次重试后仍有未写入的项');
      if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      const out = await documents.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: request } }),
      );
      request = (out.UnprocessedItems?.[tableName] ?? []) as typeof request;
    }
  }

  async function batchGetAll(keys: Item[]): Promise<Item[]> {
    const chunks: Item[][] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET) chunks.push(keys.slice(i, i + BATCH_GET));
    const results = await Promise.all(
      chunks.map((chunk) =>
        limit(async () => {
          const items: Item[] = [];
          let request: Item[] | undefined = chunk;
          for (let attempt = 0; request && request.length > 0; attempt++) {
            if (attempt > 8) throw new StoreError(component, 'BatchGet 多次重试后仍有未读取的键');
            if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
            const out = await documents.send(
              new BatchGetCommand({
                RequestItems: { [tableName]: { Keys: request, ConsistentRead: true } },
              }),
            );
            items.push(...(out.Responses?.[tableName] ?? []));
            request = out.UnprocessedKeys?.[tableName]?.Keys as Item[] | undefined;
          }
          return items;
        }),
      ),
    );
    return results.flat();
  }

  /** Writes (or deletes) many items, 25 a request, a bounded number of requests at once. */
  async function writeAll(
    requests: ({ PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } })[],
    onDone?: (n: number) => void,
  ): Promise<void> {
    const chunks: (typeof requests)[] = [];
    for (let i = 0; i < requests.length; i += BATCH_WRITE)
      chunks.push(requests.slice(i, i + BATCH_WRITE));
    await Promise.all(
      chunks.map((c) =>
        limit(async () => {
          await batchWriteAll(c);
          onDone?.(c.length);
        }),
      ),
    );
  }

  /* ------------------------------ visibility ------------------------------------------- */

  /** Learns which of these batches are committed (cached once final). */
  async function committedBatches(ids: Iterable<string>): Promise<Set<string>> {
    const unknown = [...new Set(ids)].filter((id) => !settled.has(id));
    if (unknown.length) {
      const headers = await batchGetAll(unknown.map(batchHeaderKey));
      for (const h of headers) {
        const status = h.status as BatchStatus;
        if (status === 'committed' || status === 'rolled-back')
          settled.set((h.pk as string).slice('BATCH#'.length), status);
      }
    }
    const committed = new Set<string>();
    for (const [id, status] of settled) if (status === 'committed') committed.add(id);
    return committed;
  }

  /**
   * The items as readers may see them: an item of a batch that is not committed reads as the
   * item it replaced (`prev`), or not at all.
   */
  async function visible(items: Item[]): Promise<Item[]> {
    const ids: string[] = [];
    for (const i of items) {
      if (typeof i.batch === 'string') ids.push(i.batch);
      const prev = i.prev as Item | undefined;
      if (prev && typeof prev.batch === 'string') ids.push(prev.batch);
    }
    if (ids.length === 0) return items;
    const committed = await committedBatches(ids);
    const isVisible = (i: Item) => typeof i.batch !== 'string' || committed.has(i.batch);
    const out: Item[] = [];
    for (const i of items) {
      if (isVisible(i)) out.push(i);
      else {
        const prev = i.prev as Item | undefined;
        if (prev && isVisible(prev)) out.push({ pk: i.pk, sk: i.sk, ...prev });
      }
    }
    return out;
  }

  const visibleRecords = async (items: Item[]) => (await visible(items)).map(fromItem);

  /* ------------------------------ item shapes ------------------------------------------ */

  function currentItem(r: IndicatorRecord, batch: string | undefined, prev?: Item): Item {
    return {
      pk: `P#${r.period}`,
      sk: `${r.zone}#${r.indicator}`,
      gsi1pk: `S#${r.zone}#${r.indicator}`,
      gsi1sk: r.period,
      gsi2pk: `Z#${r.zone}`,
      gsi2sk: `${r.indicator}#${r.period}`,
      ...toAttributes(r),
      ...(batch ? { batch } : {}),
      ...(prev ? { prev } : {}),
    };
  }

  /** What a replaced current item keeps of itself inside its successor (all but its key). */
  function prevOf(item: Item): Item {
    const { pk: _pk, sk: _sk, prev: _prev, ...rest } = item;
    return rest;
  }

  /** A replaced current item as a revision log entry (no index keys: not in the indexes). */
  function logCopy(item: Item): Item {
    const rest = prevOf(item);
    for (const k of Object.keys(rest)) if (k.startsWith('gsi')) delete rest[k];
    return rest;
  }

  const logKey = (k: RecordKey, revision: number) => ({
    pk: `R#${recordKey(k)}`,
    sk: rev(revision),
  });
  const articleKey = (a: ArticleKey) => ({ pk: `A#${a.series}#${a.period}`, sk: a.id });
  const articleLogKey = (a: ArticleKey, revision: number) => ({
    pk: `AR#${a.series}#${a.period}#${a.id}`,
    sk: rev(revision),
  });

  /* ------------------------------ the ingest lock -------------------------------------- */

  interface Lease {
    batchId: string;
    lost: () => boolean;
    release(): Promise<void>;
    /** Stops renewing the lease but keeps the lock: the next writer takes it over and undoes. */
    abandon(): void;
  }

  async function acquireLock(batchId: string): Promise<{ lease: Lease; previous?: string }> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    const owner = { host: hostname(), pid: process.pid };
    for (;;) {
      const now = Date.now();
      let previous: string | undefined;
      try {
        const out = await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...LOCK_KEY, batch: batchId, ...owner, leaseUntil: now + leaseMs },
            ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now',
            ExpressionAttributeValues: { ':now': now },
            ReturnValues: 'ALL_OLD',
          }),
        );
        previous = out.Attributes?.batch as string | undefined;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        const held = (
          await documents.send(
            new GetCommand({ TableName: tableName, Key: LOCK_KEY, ConsistentRead: true }),
          )
        ).Item;
        if (held && ownerIsDead(held)) {
          // Its process is gone: take the lock over without waiting for the lease.
          try {
            await documents.send(
              new PutCommand({
                TableName: tableName,
                Item: { ...LOCK_KEY, batch: batchId, ...owner, leaseUntil: now + leaseMs },
                ConditionExpression: '#b = :b',
                ExpressionAttributeNames: { '#b': 'batch' },
                ExpressionAttributeValues: { ':b': held.batch },
              }),
            );
            previous = held.batch as string;
          } catch (e) {
            if (!(e instanceof ConditionalCheckFailedException)) throw e;
            continue;
          }
        } else {
          if (Date.now() > deadline)
            throw new ConflictError(
              component,
              `另一批数据（${String(held?.batch)}）写入时间过长，请稍后再试`,
            );
          await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
          continue;
        }
      }
      let lost = false;
      const timer = setInterval(() => {
        documents
          .send(
            new UpdateCommand({
              TableName: tableName,
              Key: LOCK_KEY,
              UpdateExpression: 'SET leaseUntil = :t',
              ConditionExpression: '#b = :b',
              ExpressionAttributeNames: { '#b': 'batch' },
              ExpressionAttributeValues: { ':t': Date.now() + leaseMs, ':b': batchId },
            }),
          )
          .catch((err: unknown) => {
            if (err instanceof ConditionalCheckFailedException) lost = true;
          });
      }, heartbeatMs);
      timer.unref();
      const lease: Lease = {
        batchId,
        lost: () => lost,
        abandon() {
          clearInterval(timer);
        },
        async release() {
          clearInterval(timer);
          await documents
            .send(
              new DeleteCommand({
                TableName: tableName,
                Key: LOCK_KEY,
                ConditionExpression: '#b = :b',
                ExpressionAttributeNames: { '#b': 'batch' },
                ExpressionAttributeValues: { ':b': batchId },
              }),
            )
            .catch((err: unknown) => {
              if (!(err instanceof ConditionalCheckFailedException)) throw err;
            });
        },
      };
      return { lease, ...(previous ? { previous } : {}) };
    }
  }

  /* ------------------------------ journal and rollback --------------------------------- */

  interface JournalEntry {
    /** r: record · a: article · p: registered period · z: zone pack · m: the packs' marker */
    type: 'r' | 'a' | 'p' | 'z' | 'm';
    /** r: period, zone, indicator · a: series, period, id · p: granularity, period · z: zone, period */
    key: [string, string, string];
    /** The revision this batch writes (r, a). */
    revision: number;
    /** This batch wrote the replaced revision into the log (r, a). */
    logged: boolean;
  }

  const encode = (e: JournalEntry) =>
    [e.type, ...e.key, String(e.revision), e.logged ? '1' : '0'].join('\t');
  const decode = (line: string): JournalEntry => {
    const [type, a, b, c, revision, logged] = line.split('\t');
    return {
      type: type as JournalEntry['type'],
      key: [a!, b!, c!],
      revision: Number(revision),
      logged: logged === '1',
    };
  };

  /** Writes journal entries as items `J#<n>`, numbered from `first`; returns how many. */
  async function writeJournal(
    batchId: string,
    entries: JournalEntry[],
    first: number,
  ): Promise<number> {
    const chunks: string[] = [];
    let current: string[] = [];
    let bytes = 0;
    for (const e of entries) {
      const line = encode(e);
      const n = utf8Bytes(line) + 1;
      if (bytes + n > JOURNAL_CHUNK_BYTES && current.length) {
        chunks.push(current.join('\n'));
        current = [];
        bytes = 0;
      }
      current.push(line);
      bytes += n;
    }
    if (current.length) chunks.push(current.join('\n'));
    await writeAll(
      chunks.map((text, i) => ({
        PutRequest: {
          Item: { pk: `BATCH#${batchId}`, sk: `J#${rev(first + i)}`, entries: text },
        },
      })),
    );
    return chunks.length;
  }

  const journalQuery = (batchId: string) => ({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :j)',
    ExpressionAttributeValues: { ':pk': `BATCH#${batchId}`, ':j': 'J#' },
    ConsistentRead: true,
  });

  /** The journal's entries, a page of items at a time (a big batch's journal is never whole). */
  async function* journalPages(batchId: string): AsyncGenerator<JournalEntry[]> {
    let start: Item | undefined;
    do {
      const out = await documents.send(
        new QueryCommand({
          TableName: tableName,
          ...journalQuery(batchId),
          ExclusiveStartKey: start,
        }),
      );
      yield (out.Items ?? []).flatMap((i) => (i.entries as string).split('\n').map(decode));
      start = out.LastEvaluatedKey;
    } while (start);
  }

  async function deleteJournal(batchId: string): Promise<void> {
    const keys = await queryAll({ ...journalQuery(batchId), ProjectionExpression: 'pk, sk' });
    await writeAll(keys.map((i) => ({ DeleteRequest: { Key: { pk: i.pk, sk: i.sk } } })));
  }

  async function setStatus(batchId: string, from: BatchStatus[], to: BatchStatus): Promise<void> {
    const values: Record<string, string> = { ':to': to };
    from.forEach((s, i) => (values[`:f${i}`] = s));
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: batchHeaderKey(batchId),
        UpdateExpression: 'SET #s = :to',
        ConditionExpression: `#s IN (${from.map((_, i) => `:f${i}`).join(', ')})`,
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: values,
      }),
    );
  }

  /**
   * Finishes what a dead writer of `batchId` left: a committed batch only loses its journal;
   * a pending one is undone — every current item it replaced is put back, every item it added
   * deleted — then marked rolled back. Safe to repeat (a rollback can die too).
   */
  async function settle(batchId: string): Promise<'committed' | 'rolled-back' | 'none'> {
    const header = (
      await documents.send(
        new GetCommand({
          TableName: tableName,
          Key: batchHeaderKey(batchId),
          ConsistentRead: true,
        }),
      )
    ).Item;
    const status = header?.status as BatchStatus | undefined;
    if (status === 'committed') {
      await deleteJournal(batchId);
      return 'committed';
    }
    if (!header) {
      // Died before its header: it wrote nothing but (perhaps) journal chunks.
      await deleteJournal(batchId);
      return 'none';
    }
    if (status === 'pending') await setStatus(batchId, ['pending'], 'rolling-back');
    if (status !== 'rolled-back') {
      for await (const entries of journalPages(batchId)) await undo(batchId, entries);
      await setStatus(batchId, ['rolling-back'], 'rolled-back');
    }
    settled.set(batchId, 'rolled-back');
    await deleteJournal(batchId);
    return 'rolled-back';
  }

  /**
   * Undoes what a batch wrote of these journal entries: every current item it replaced is put
   * back, every item it added deleted. Safe to repeat.
   */
  async function undo(batchId: string, entries: JournalEntry[]): Promise<void> {
    const recordEntries = entries.filter((e) => e.type === 'r');
    const articleEntries = entries.filter((e) => e.type === 'a');
    const packed = new Map(
      entries
        .filter((e) => e.type === 'z')
        .flatMap((e) => packKeys(e.key[0], e.key[1]))
        .map((k) => [`${k.pk}\t${k.sk}`, k]),
    );
    const currentKeys = [
      ...recordEntries.map((e) => ({ pk: `P#${e.key[0]}`, sk: `${e.key[1]}#${e.key[2]}` })),
      ...articleEntries.map((e) =>
        articleKey({ series: e.key[0], period: e.key[1], id: e.key[2] }),
      ),
      ...packed.values(),
    ];
    const currents = await batchGetAll(currentKeys);
    const restore: Parameters<typeof writeAll>[0] = [];
    for (const item of currents) {
      if (item.batch !== batchId) continue;
      const prev = item.prev as Item | undefined;
      restore.push(
        prev
          ? { PutRequest: { Item: { pk: item.pk, sk: item.sk, ...prev } } }
          : { DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } },
      );
    }
    await writeAll(restore);
    // Then what it added: log copies of the revisions it replaced, and new periods.
    const added: Item[] = [];
    for (const e of recordEntries)
      if (e.logged)
        added.push(
          logKey({ period: e.key[0], zone: e.key[1], indicator: e.key[2] }, e.revision - 1),
        );
    for (const e of articleEntries)
      if (e.logged)
        added.push(
          articleLogKey({ series: e.key[0], period: e.key[1], id: e.key[2] }, e.revision - 1),
        );
    for (const e of entries)
      if (e.type === 'p') added.push({ pk: `PERIODS#${e.key[0]}`, sk: e.key[1] });
    if (entries.some((e) => e.type === 'm')) added.push(PACKED_KEY);
    await writeAll(added.map((Key) => ({ DeleteRequest: { Key } })));
  }

  /* ------------------------------ the store -------------------------------------------- */

  async function currentItemsOf(keys: readonly RecordKey[]): Promise<Map<string, Item>> {
    const unique = [...new Map(keys.map((k) => [recordKey(k), k])).values()];
    const items = await batchGetAll(
      unique.map((k) => ({ pk: `P#${k.period}`, sk: `${k.zone}#${k.indicator}` })),
    );
    return new Map(items.map((i) => [recordKey(fromItem(i)), i]));
  }

  /** The writes and journal entries of a chunk of records; their outcomes go to `outcomes`. */
  async function recordWrites(
    batchId: string,
    chunk: readonly Omit<IndicatorRecord, 'revision'>[],
    outcomes: WriteOutcome[],
  ) {
    const items = await currentItemsOf(chunk);
    const writes: Parameters<typeof writeAll>[0] = [];
    const journal: JournalEntry[] = [];
    /** The records created or revised, as a read returns them (in input order). */
    const changed: IndicatorRecord[] = [];
    for (const record of chunk) {
      let old = items.get(recordKey(record));
      // A key met again in the same batch (a caller that did not validate): written against
      // the item the batch replaced, as if it came first.
      if (old?.batch === batchId) {
        const prev = old.prev as Item | undefined;
        old = prev ? { pk: old.pk, sk: old.sk, ...prev } : undefined;
      }
      const current = old ? fromItem(old) : undefined;
      if (current && sameFacts(current, record)) {
        outcomes.push('unchanged');
        continue;
      }
      const revision = (current?.revision ?? 0) + 1;
      const next: IndicatorRecord = { ...record, revision };
      // An item of this layout is not in the log yet (older stores logged every revision).
      const logged = old !== undefined && typeof old.batch === 'string';
      if (logged)
        writes.push({
          PutRequest: { Item: { ...logKey(record, revision - 1), ...logCopy(old!) } },
        });
      const item = currentItem(next, batchId, old ? prevOf(old) : undefined);
      writes.push({ PutRequest: { Item: item } });
      changed.push(fromItem(item));
      journal.push({
        type: 'r',
        key: [record.period, record.zone, record.indicator],
        revision,
        logged,
      });
      outcomes.push(current ? 'revised' : 'created');
    }
    return { writes, journal, changed };
  }

  /* ------------------------------ zone packs ------------------------------------------- */

  /** Is the packs' marker there (read under the lock: nothing else writes)? */
  async function packedMarker(): Promise<boolean> {
    const out = await documents.send(
      new GetCommand({ TableName: tableName, Key: PACKED_KEY, ConsistentRead: true }),
    );
    return (await visible(out.Item ? [out.Item] : [])).length > 0;
  }

  /** Has no record ever been stored (no period registered)? Read under the lock. */
  async function noRecordsStored(): Promise<boolean> {
    for (const granularity of ['annual', 'quarterly', 'monthly'] as const) {
      const out = await documents.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `PERIODS#${granularity}` },
          ConsistentRead: true,
          Limit: 1,
        }),
      );
      if (out.Items?.length) return false;
    }
    return true;
  }

  /**
   * The writes and journal entries that bring both packs of these records' (zone, period) up to
   * date: each as stored (this batch's own version if it wrote one already, keeping the `prev`
   * from before the batch), with these records put in.
   */
  async function packWrites(batchId: string, changed: readonly IndicatorRecord[]) {
    const byPack = new Map<string, { zone: string; period: string; records: IndicatorRecord[] }>();
    for (const r of changed) {
      const id = `${r.zone}\t${r.period}`;
      let pack = byPack.get(id);
      if (!pack) byPack.set(id, (pack = { zone: r.zone, period: r.period, records: [] }));
      pack.records.push(r);
    }
    const stored = await storedPacks([...byPack.values()]);
    const writes: Parameters<typeof writeAll>[0] = [];
    const journal: JournalEntry[] = [];
    for (const { zone, period, records } of byPack.values()) {
      // Both packs hold the same records (written together); the zone's is read.
      const old = stored.get(`${packKey(zone, period).pk}\t${period}`);
      let body: Item;
      if (old?.overflow) body = { overflow: true };
      else {
        const byIndicator = new Map((old ? unpack(old) : []).map((r) => [r.indicator, r] as const));
        for (const r of records) byIndicator.set(r.indicator, r);
        body = packBody([...byIndicator.values()]);
      }
      writes.push(...packPuts(batchId, zone, period, body, stored));
      journal.push({ type: 'z', key: [zone, period, ''], revision: 0, logged: false });
    }
    return { writes, journal };
  }

  /** Both packs of these (zone, period) as stored, by `pk` and `sk`. */
  async function storedPacks(packs: { zone: string; period: string }[]) {
    const keys = packs.flatMap((p) => packKeys(p.zone, p.period));
    return new Map(
      (await batchGetAll(keys)).map((i) => [`${i.pk as string}\t${i.sk as string}`, i]),
    );
  }

  /**
   * The puts of both packs of a (zone, period) with `body`, each keeping what it replaced
   * (`prev`): under the lock every other item is committed, so the stored pack is the current
   * one — or this batch's own, which keeps the one from before the batch.
   */
  function packPuts(
    batchId: string,
    zone: string,
    period: string,
    body: Item,
    stored: Map<string, Item>,
  ) {
    return packKeys(zone, period).map((key) => {
      const old = stored.get(`${key.pk}\t${key.sk}`);
      const prev = old?.batch === batchId ? (old.prev as Item | undefined) : old && prevOf(old);
      return {
        PutRequest: { Item: { ...key, ...body, batch: batchId, ...(prev ? { prev } : {}) } },
      };
    });
  }

  /**
   * Writes the pack of every (zone, period) of the records stored (a table that was written
   * before packs were kept), one period at a time, as part of batch `batchId`, before any of
   * the batch's records: the packs and the records the batch writes next agree.
   */
  async function backfillPacks(
    batchId: string,
    store: (writes: Parameters<typeof writeAll>[0], journal: JournalEntry[]) => Promise<void>,
  ): Promise<void> {
    for (const granularity of ['annual', 'quarterly', 'monthly'] as const) {
      // Read consistently: a period the last batch registered is not missed.
      const periods = await queryAll({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `PERIODS#${granularity}` },
        ConsistentRead: true,
      });
      for (const period of (await visible(periods)).map((i) => i.sk as string)) {
        const items = await visible(
          await queryAll({
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': `P#${period}` },
            ConsistentRead: true,
            ...RECORD_PROJECTION,
          }),
        );
        const byZone = new Map<string, IndicatorRecord[]>();
        for (const i of items) {
          const r = fromItem(i);
          const list = byZone.get(r.zone) ?? [];
          byZone.set(r.zone, list);
          list.push(r);
        }
        // Packs there already (zone packs of a store that kept those alone): replaced whole.
        const stored = await storedPacks([...byZone.keys()].map((zone) => ({ zone, period })));
        const writes: Parameters<typeof writeAll>[0] = [];
        const journal: JournalEntry[] = [];
        for (const [zone, records] of byZone) {
          writes.push(...packPuts(batchId, zone, period, packBody(records), stored));
          journal.push({ type: 'z', key: [zone, period, ''], revision: 0, logged: false });
        }
        await store(writes, journal);
      }
    }
  }

  /** The writes and journal entries of a batch's articles; their outcomes go to `outcomes`. */
  async function articleWrites(batchId: string, articles: Article[], outcomes: WriteOutcome[]) {
    const writes: Parameters<typeof writeAll>[0] = [];
    const journal: JournalEntry[] = [];
    const oldArticles = new Map(
      (await batchGetAll(articles.map(articleKey))).map((i) => [
        `${i.pk as string}#${i.sk as string}`,
        i,
      ]),
    );
    for (const a of articles) {
      const key = articleKey(a);
      const old = oldArticles.get(`${key.pk}#${key.sk}`);
      const json = JSON.stringify(a);
      if (old?.json === json) {
        outcomes.push('unchanged');
        continue;
      }
      // Articles stored before revisions were kept have no number: they are revision 1.
      const oldRevision = old ? ((old.revision as number | undefined) ?? 1) : 0;
      const revision = oldRevision + 1;
      if (old) {
        writes.push({
          PutRequest: {
            Item: { ...articleLogKey(a, oldRevision), ...prevOf(old), revision: oldRevision },
          },
        });
      }
      writes.push({
        PutRequest: {
          Item: {
            ...key,
            json,
            revision,
            batch: batchId,
            ...(old ? { prev: prevOf(old) } : {}),
          },
        },
      });
      journal.push({ type: 'a', key: [a.series, a.period, a.id], revision, logged: !!old });
      outcomes.push(old ? 'revised' : 'created');
    }
    return { writes, journal };
  }

  async function registeredPeriods(granularity: Granularity): Promise<Item[]> {
    return queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `PERIODS#${granularity}` },
    });
  }

  return {
    recordRefusals: recordStorageProblems,
    articleRefusals: articleStorageProblems,

    async currentValues(keys) {
      const items = await visible([...(await currentItemsOf(keys)).values()]);
      return new Map(items.map((i) => [recordKey(fromItem(i)), fromItem(i)]));
    },

    async writeBatch(batch, opts = {}) {
      const batchId = `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
      const { lease, previous } = await acquireLock(batchId);
      const total = opts.total ?? (Array.isArray(batch.records) ? batch.records.length : 0);
      let started = false;
      let journalItems = 0;
      /**
       * Writes one chunk: the batch's header before its first write, then the chunk's journal,
       * then its items — so a writer killed anywhere leaves every item it wrote in the journal.
       */
      const store = async (
        writes: Parameters<typeof writeAll>[0],
        journal: JournalEntry[],
        onDone?: (n: number) => void,
      ) => {
        if (writes.length === 0) return;
        if (!started) {
          await documents.send(
            new PutCommand({
              TableName: tableName,
              Item: {
                ...batchHeaderKey(batchId),
                status: 'pending',
                startedAt: new Date().toISOString(),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
          started = true;
        }
        journalItems += await writeJournal(batchId, journal, journalItems);
        await writeAll(writes, onDone);
        if (lease.lost()) throw new ConflictError(component, `批次 ${batchId} 写入时失去了锁`);
      };
      let result: BatchWriteResult;
      try {
        if (previous) await settle(previous);
        // Packs are kept under their marker; a table without it gets it with this batch (and,
        // when records were stored before, the pack of each first).
        let markPacked = !(await packedMarker());
        if (markPacked && !(await noRecordsStored())) {
          await backfillPacks(batchId, store);
          await store(
            [{ PutRequest: { Item: { ...PACKED_KEY, batch: batchId } } }],
            [{ type: 'm', key: ['', '', ''], revision: 0, logged: false }],
          );
          markPacked = false;
        }
        const outcomes: WriteOutcome[] = [];
        /** Periods registered (read once per granularity) or added by this batch. */
        const known = new Map<Granularity, Set<string>>();
        let done = 0;
        for await (const chunk of chunksOf(batch.records, chunkRecords)) {
          // Under the lock nothing else writes: what we read now is what we replace.
          const { writes, journal, changed } = await recordWrites(batchId, chunk, outcomes);
          const records = writes.length;
          if (changed.length) {
            const packs = await packWrites(batchId, changed);
            writes.push(...packs.writes);
            journal.push(...packs.journal);
            if (markPacked) {
              writes.push({ PutRequest: { Item: { ...PACKED_KEY, batch: batchId } } });
              journal.push({ type: 'm', key: ['', '', ''], revision: 0, logged: false });
              markPacked = false;
            }
          }
          // New periods are registered with the chunk that brings them.
          for (const p of new Set(chunk.map((r) => r.period))) {
            const parsed = parsePeriod(p);
            if (!parsed) throw new StoreError(component, `不是有效的期间：${p}`);
            let seen = known.get(parsed.granularity);
            if (!seen) {
              const registered = await registeredPeriods(parsed.granularity);
              seen = new Set(registered.map((i) => i.sk as string));
              known.set(parsed.granularity, seen);
            }
            if (seen.has(p)) continue;
            seen.add(p);
            writes.push({
              PutRequest: { Item: { pk: `PERIODS#${parsed.granularity}`, sk: p, batch: batchId } },
            });
            journal.push({
              type: 'p',
              key: [parsed.granularity, p, ''],
              revision: 0,
              logged: false,
            });
          }
          let written = 0;
          await store(writes, journal, (n) => {
            // Progress in records (of the items written, most are records).
            written += n;
            const part = Math.min(1, written / Math.max(1, records));
            opts.onProgress?.(done + Math.floor(part * chunk.length), total);
          });
          done += chunk.length;
          if (!writes.length) opts.onProgress?.(done, total);
        }

        const articleOutcomes: WriteOutcome[] = [];
        const articles = await articleWrites(batchId, batch.articles, articleOutcomes);
        await store(articles.writes, articles.journal);

        if (started) {
          // Readers that compare the data version (the all-zones plan) learn of the batch before
          // it is visible: a version read before some records never stands for newer data.
          await documents.send(
            new PutCommand({
              TableName: tableName,
              Item: { ...DATA_VERSION_KEY, version: batchId, at: new Date().toISOString() },
            }),
          );
          // The one write that makes the whole batch visible.
          await setStatus(batchId, ['pending'], 'committed');
          settled.set(batchId, 'committed');
          await settle(batchId).catch(() => undefined);
        }
        if (done === 0) opts.onProgress?.(0, total);
        result = { batchId, records: outcomes, articles: articleOutcomes };
      } catch (err) {
        // Undo what was written. If even that fails, keep the lock (its lease runs out): the
        // next writer takes it over and undoes the batch before writing; reads never see it.
        const undone = await settle(batchId).then(
          () => true,
          () => false,
        );
        if (undone) await lease.release().catch(() => undefined);
        else lease.abandon();
        throw err instanceof BulletinError
          ? err
          : new StoreError(component, `批次 ${batchId} 未存入（其内容均未保留）`, {
              cause: err,
            });
      }
      await lease.release().catch(() => undefined);
      return result;
    },

    async recover() {
      const batchId = `recover-${randomUUID().slice(0, 8)}`;
      const { lease, previous } = await acquireLock(batchId);
      try {
        return previous && (await settle(previous)) === 'rolled-back' ? [previous] : [];
      } finally {
        await lease.release();
      }
    },

    async dataVersion() {
      const out = await documents.send(
        new GetCommand({ TableName: tableName, Key: DATA_VERSION_KEY, ConsistentRead: true }),
      );
      return typeof out.Item?.version === 'string' ? out.Item.version : undefined;
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
      const top = await visible(out.Items ?? []);
      if (top.length || !out.Items?.length) return top[0]?.sk as string | undefined;
      // The newest period belongs to a batch not yet committed: the latest visible one.
      const all = await visible(await registeredPeriods(granularity));
      return all[all.length - 1]?.sk as string | undefined;
    },

    async periods(granularity) {
      return (await visible(await registeredPeriods(granularity))).map((i) => i.sk as string);
    },

    async latestPeriodOf(zone, indicator) {
      const input = {
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': `S#${zone}#${indicator}` },
        ScanIndexForward: false,
      };
      const out = await documents.send(
        new QueryCommand({ TableName: tableName, ...input, Limit: 1 }),
      );
      const top = await visible(out.Items ?? []);
      if (top.length || !out.Items?.length) return top[0]?.period as string | undefined;
      const all = await visible(await queryAll(input));
      return all[0]?.period as string | undefined;
    },

    async recordsOfPeriod(period) {
      // Its packs (one Query of a pack a zone), in the order of its items (zone, indicator).
      const packs = await visible(
        await queryAll({
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': periodPackKey('', period).pk },
        }),
      );
      if (packs.length && !packs.some((p) => p.overflow))
        return sortedBy(packs.flatMap(unpack), (r) => `${r.zone}#${r.indicator}`);
      // A period without packs (none kept in this table, or no record) or with one too large.
      return visibleRecords(
        await queryAll({
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `P#${period}` },
        }),
      );
    },

    async history(zone, indicator) {
      return visibleRecords(
        await queryAll({
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': `S#${zone}#${indicator}` },
        }),
      );
    },

    async recordsOfZone(zone) {
      // Its packs (one Query of ≈ 15 items), in the order of gsi2 (indicator, period).
      const packs = await visible(
        await queryAll({
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': packKey(zone, '').pk },
        }),
      );
      if (packs.length && !packs.some((p) => p.overflow))
        return sortedBy(packs.flatMap(unpack), (r) => `${r.indicator}#${r.period}`);
      // A zone without packs (none kept in this table, or no record) or with a pack too large.
      return visibleRecords(
        await queryAll({
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :pk',
          ExpressionAttributeValues: { ':pk': `Z#${zone}` },
          ...RECORD_PROJECTION,
        }),
      );
    },

    async revisions(key) {
      const [log, current] = await Promise.all([
        queryAll({
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `R#${recordKey(key)}` },
          ConsistentRead: true,
        }),
        documents.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: `P#${key.period}`, sk: `${key.zone}#${key.indicator}` },
            ConsistentRead: true,
          }),
        ),
      ]);
      const byRevision = new Map<number, IndicatorRecord>();
      const all = await visibleRecords([...log, ...(current.Item ? [current.Item] : [])]);
      for (const r of all) if (!byRevision.has(r.revision)) byRevision.set(r.revision, r);
      return [...byRevision.values()].sort((a, b) => a.revision - b.revision);
    },

    async articles(series, period) {
      const items = await visible(
        await queryAll({
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `A#${series}#${period}` },
        }),
      );
      return items.map((i) => JSON.parse(i.json as string) as Article);
    },

    async articleRevisions(key) {
      const [log, current] = await Promise.all([
        queryAll({
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': articleLogKey(key, 0).pk },
          ConsistentRead: true,
        }),
        documents.send(
          new GetCommand({ TableName: tableName, Key: articleKey(key), ConsistentRead: true }),
        ),
      ]);
      const all = await visible([...log, ...(current.Item ? [current.Item] : [])]);
      const byRevision = new Map<number, ArticleRevision>();
      for (const i of all) {
        const revision = (i.revision as number | undefined) ?? 1;
        if (!byRevision.has(revision))
          byRevision.set(revision, { revision, article: JSON.parse(i.json as string) as Article });
      }
      return [...byRevision.values()].sort((a, b) => a.revision - b.revision);
    },
  };
}

/**
 * What a read of records needs of an item: the record's attributes and what says whether it is
 * visible (its batch, and the item it replaced) — not its keys nor its index keys (a fifth of
 * an answer that a zone profile's read of ≈ 500 records carries).
 */
const RECORD_FIELDS = [
  'zone',
  'indicator',
  'period',
  'value',
  'reportedValue',
  'reportedUnit',
  'qualifier',
  'yoy',
  'share',
  'source',
  'revision',
  'origin',
  'ingestedAt',
  'batch',
  'prev',
] as const;
const RECORD_PROJECTION = {
  ProjectionExpression: RECORD_FIELDS.map((_, i) => `#p${i}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(RECORD_FIELDS.map((f, i) => [`#p${i}`, f])),
};

/**
 * A pack's attributes: its records (as a read returns them, by indicator) as deflated JSON, or
 * `overflow` when that is larger than {@link MAX_PACK_BYTES}.
 */
function packBodyOf(records: IndicatorRecord[], maxBytes: number): Item {
  const sorted = [...records].sort((a, b) =>
    a.indicator < b.indicator ? -1 : a.indicator > b.indicator ? 1 : 0,
  );
  const data = deflateRawSync(JSON.stringify(sorted), { level: 1 });
  return data.length > maxBytes ? { overflow: true } : { data, count: sorted.length };
}

/**
 * Records in the order of their items' sort key (`key` of each): what a Query of those items
 * returns (DynamoDB orders by UTF-8 bytes; for these keys, code units give the same order).
 */
function sortedBy(records: IndicatorRecord[], key: (r: IndicatorRecord) => string) {
  const keyed = records.map((r) => ({ key: key(r), r }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.r);
}

/** The records of a pack item, as `fromItem` reads their current items. */
function unpack(item: Item): IndicatorRecord[] {
  const records = JSON.parse(inflateRawSync(item.data as Uint8Array).toString('utf8')) as Item[];
  return records.map(fromItem);
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

/** Records in chunks of at most `size`, from an array or a stream of chunks of any size. */
async function* chunksOf<T>(
  records: readonly T[] | AsyncIterable<readonly T[]>,
  size: number,
): AsyncGenerator<readonly T[]> {
  if (Array.isArray(records)) {
    const all = records as readonly T[];
    for (let i = 0; i < all.length; i += size) yield all.slice(i, i + size);
    return;
  }
  let chunk: T[] = [];
  for await (const part of records as AsyncIterable<readonly T[]>)
    for (const r of part) {
      chunk.push(r);
      if (chunk.length >= size) {
        yield chunk;
        chunk = [];
      }
    }
  if (chunk.length) yield chunk;
}
