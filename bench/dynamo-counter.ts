/**
 * Counts the DynamoDB requests a piece of work makes, by command name, with an SDK middleware
 * on the client (the document client sends through it too). Continuation pages of a paginated
 * Query (requests that carry `ExclusiveStartKey`) are counted apart: a read path is "flat"
 * when its requests other than continuation pages do not grow with the data.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface DynamoCounts {
  /** Requests by command name (`QueryCommand`, `BatchGetItemCommand`, …), pages included. */
  byCommand: Record<string, number>;
  /** All requests. */
  total: number;
  /** Requests that fetched a further page of a Query started before. */
  continuationPages: number;
  /** `total` without continuation pages. */
  logical: number;
}

export interface DynamoCounter {
  /** Counts the requests `work` makes (other requests made meanwhile are counted too). */
  measure<T>(work: () => Promise<T>): Promise<{ result: T; counts: DynamoCounts }>;
  /** Removes the middleware. */
  detach(): void;
}

let nextId = 0;

/** Adds a counting middleware to `client` (remove it with `detach()`). */
export function countDynamoRequests(client: DynamoDBClient): DynamoCounter {
  const name = `countRequests${nextId++}`;
  let counts: DynamoCounts | undefined;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (counts) {
        const command = context.commandName ?? 'unknown';
        counts.byCommand[command] = (counts.byCommand[command] ?? 0) + 1;
        counts.total++;
        const input = args.input as { ExclusiveStartKey?: unknown } | undefined;
        if (input?.ExclusiveStartKey) counts.continuationPages++;
        else counts.logical++;
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return {
    async measure(work) {
      const mine: DynamoCounts = { byCommand: {}, total: 0, continuationPages: 0, logical: 0 };
      counts = mine;
      try {
        return { result: await work(), counts: mine };
      } finally {
        if (counts === mine) counts = undefined;
      }
    },
    detach() {
      client.middlewareStack.remove(name);
    },
  };
}
