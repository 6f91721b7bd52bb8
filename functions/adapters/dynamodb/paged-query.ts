/**
 * The DynamoDB adapters' reads of many items, in one place: a Query with its continuation
 * pages followed (`ExclusiveStartKey` ← `LastEvaluatedKey`, until none or enough items), and a
 * BatchGetItem of many keys (100 a request, unprocessed keys asked again).
 */
import {
  BatchGetCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../../errors.ts';

export type Item = Record<string, unknown>;

/** Wraps each request (e.g. a store that names itself in the errors it throws). */
export type QuerySend = (request: () => Promise<QueryCommandOutput>) => Promise<QueryCommandOutput>;

export interface PagedQueryOptions {
  /** Stop once this many items are read (each page asks for the rest only). */
  limit?: number;
  send?: QuerySend;
}

/**
 * Each page of the Query `input`, in order, with the key to continue from after it (none on the
 * last page). `input.ExclusiveStartKey` starts it there.
 */
export async function* queryPages(
  documents: DynamoDBDocumentClient,
  input: QueryCommandInput,
  opts: PagedQueryOptions = {},
): AsyncGenerator<{ items: Item[]; next?: Item }> {
  const send = opts.send ?? ((request) => request());
  let start = input.ExclusiveStartKey;
  let read = 0;
  do {
    const left = opts.limit === undefined ? undefined : opts.limit - read;
    const out = await send(() =>
      documents.send(
        new QueryCommand({
          ...input,
          ...(left !== undefined ? { Limit: left } : {}),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      ),
    );
    const items = out.Items ?? [];
    read += items.length;
    start = out.LastEvaluatedKey;
    yield { items, ...(start ? { next: start } : {}) };
  } while (start && (opts.limit === undefined || read < opts.limit));
}

/** Every item of the Query `input` (at most `opts.limit`), its pages followed. */
export async function queryAll(
  documents: DynamoDBDocumentClient,
  input: QueryCommandInput,
  opts: PagedQueryOptions = {},
): Promise<Item[]> {
  const all: Item[] = [];
  for await (const { items } of queryPages(documents, input, opts)) all.push(...items);
  return all;
}

/** DynamoDB's limit of keys in one BatchGetItem. */
const BATCH_GET_KEYS = 100;

/**
 * The items of `keys` in `tableName` (strongly consistent when asked), in the keys' order,
 * undefined where none is: one BatchGetItem per 100 keys, unprocessed keys asked again.
 */
export async function batchGet(
  documents: DynamoDBDocumentClient,
  tableName: string,
  keys: Item[],
  opts: { consistent?: boolean; keyNames?: [string, string] } = {},
): Promise<(Item | undefined)[]> {
  const [pk, sk] = opts.keyNames ?? ['pk', 'sk'];
  const id = (item: Item) => JSON.stringify([item[pk], item[sk]]);
  const found = new Map<string, Item>();
  const unique = [...new Map(keys.map((k) => [id(k), k])).values()];
  for (let i = 0; i < unique.length; i += BATCH_GET_KEYS) {
    let ask: Item[] = unique.slice(i, i + BATCH_GET_KEYS);
    for (let round = 0; ask.length > 0; round += 1) {
      if (round === 9)
        throw new StoreError('dynamodb', `表 ${tableName} 的 BatchGetItem 仍有未处理的键`);
      // Unprocessed keys mean throttling: ask again after a growing pause.
      if (round > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** round));
      const out = await documents.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: { Keys: ask, ...(opts.consistent ? { ConsistentRead: true } : {}) },
          },
        }),
      );
      for (const item of out.Responses?.[tableName] ?? []) found.set(id(item), item);
      ask = (out.UnprocessedKeys?.[tableName]?.Keys as Item[] | undefined) ?? [];
    }
  }
  return keys.map((k) => found.get(id(k)));
}
