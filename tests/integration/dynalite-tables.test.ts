/**
 * dynalite's table descriptions kept between requests (`functions/local/dynalite-tables.ts`):
 * every request still sees the table as LevelDB holds it — an index added by UpdateTable is
 * queried at once, a deleted table is not found, a table created again under the same name
 * has its new key schema — and the descriptions are served from memory between those changes.
 * Through the real AWS SDK, on dynalite in this process (where the reads are counted) and on
 * the stores' process as the CLI starts it (LevelDB, then restarted on the same folder).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, describe, expect, it } from 'vitest';
import { tableDescriptionsKept, tableReads } from '#local/dynalite-tables.ts';
import { startLocalStack } from '#local/stack.ts';

const TABLE = 'kept';

/** Waits until DescribeTable says ACTIVE (dynalite's status changes are timers). */
async function active(db: DynamoDBClient, name = TABLE): Promise<Record<string, unknown>> {
  for (;;) {
    const { Table } = await db.send(new DescribeTableCommand({ TableName: name }));
    const indexesReady = (Table?.GlobalSecondaryIndexes ?? []).every(
      (i) => i.IndexStatus === 'ACTIVE',
    );
    if (Table?.TableStatus === 'ACTIVE' && indexesReady) return Table as Record<string, unknown>;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Creates, uses, changes, deletes and creates again one table; each step checked. */
async function changesSeen(db: DynamoDBClient): Promise<void> {
  await db.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'colour', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byColour',
          KeySchema: [{ AttributeName: 'colour', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
          ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
        },
      ],
      ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
    }),
  );
  await active(db);
  for (let i = 0; i < 5; i++)
    await db.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: `a${i}` }, colour: { S: i % 2 ? 'red' : 'blue' } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  await db.send(
    new UpdateItemCommand({
      TableName: TABLE,
      Key: { pk: { S: 'a0' } },
      UpdateExpression: 'SET colour = :c',
      ExpressionAttributeValues: { ':c': { S: 'red' } },
    }),
  );
  const got = await db.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'a0' } } }));
  expect(got.Item?.colour?.S).toBe('red');
  const reds = async () =>
    db.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: 'byColour',
        KeyConditionExpression: 'colour = :c',
        ExpressionAttributeValues: { ':c': { S: 'red' } },
      }),
    );
  expect((await reds()).Items?.map((item) => item.pk?.S).sort()).toEqual(['a0', 'a1', 'a3']);

  // Updated: its new throughput, then its new billing mode, are what the next requests see.
  await db.send(
    new UpdateTableCommand({
      TableName: TABLE,
      ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 2 },
    }),
  );
  const updated = await active(db);
  expect(updated.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 2 });
  await db.send(new UpdateTableCommand({ TableName: TABLE, BillingMode: 'PAY_PER_REQUEST' }));
  const onDemand = await active(db);
  expect(onDemand.BillingModeSummary).toMatchObject({ BillingMode: 'PAY_PER_REQUEST' });
  await expect(
    db.send(
      new UpdateTableCommand({
        TableName: TABLE,
        ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 3 },
      }),
    ),
  ).rejects.toThrow(/PAY_PER_REQUEST/);

  // Deleted: not found, for writes and reads alike.
  await db.send(new DeleteTableCommand({ TableName: TABLE }));
  for (;;) {
    const gone = await db.send(new DescribeTableCommand({ TableName: TABLE })).then(
      () => undefined,
      (err: Error) => err,
    );
    if (gone) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await expect(
    db.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'b' } } })),
  ).rejects.toThrow(/not found/i);
  await expect(
    db.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'a1' } } })),
  ).rejects.toThrow(/not found/i);

  // Created again with another key schema: the new schema is the one checked.
  await db.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await active(db);
  await expect(
    db.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'c' } } })),
  ).rejects.toThrow(/missing the key sk/i);
  await db.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'c' }, sk: { N: '1' } } }));
  const again = await db.send(
    new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'c' }, sk: { N: '1' } } }),
  );
  expect(again.Item?.pk?.S).toBe('c');
  await expect(
    db.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'a1' } } })),
  ).rejects.toThrow(/schema/i);
  await expect(reds()).rejects.toThrow(/index/i);
}

function clientOf(endpoint: string, accessKeyId = 'a', secretAccessKey = 'b'): DynamoDBClient {
  return new DynamoDBClient({
    region: 'cn-north-1',
    endpoint,
    credentials: { accessKeyId, secretAccessKey },
  });
}

describe("dynalite's table descriptions kept between requests", { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('sees every change of a table, and serves the unchanged ones from memory', async () => {
    // Prepare: dynalite on LevelDB in this process, as the stores' process starts it.
    tableDescriptionsKept();
    const dir = await mkdtemp(join(tmpdir(), 'bulletin-dynalite-tables-'));
    dirs.push(dir);
    const server: Server = dynalite({
      path: join(dir, 'dynamodb'),
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const db = clientOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      // Act
      await changesSeen(db);
      const before = { ...tableReads };
      for (let i = 0; i < 10; i++)
        await db.send(
          new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'c' }, sk: { N: '1' } } }),
        );

      // Assess: the table unchanged, its description was read from LevelDB once at most.
      expect(tableReads.fromLevel - before.fromLevel).toBeLessThanOrEqual(1);
      expect(tableReads.kept - before.kept).toBeGreaterThanOrEqual(9);
    } finally {
      db.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('in the stores’ process on LevelDB, also after a restart on the same folder', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'bulletin-dynalite-tables-'));
    dirs.push(dir);
    const stateDir = join(dir, 'state');
    const start = async () => {
      const stack = await startLocalStack({ stateDir });
      const env = stack.env;
      return {
        stack,
        db: clientOf(
          env.AWS_ENDPOINT_URL_DYNAMODB!,
          env.AWS_ACCESS_KEY_ID!,
          env.AWS_SECRET_ACCESS_KEY!,
        ),
      };
    };
    const first = await start();
    try {
      // Act
      await changesSeen(first.db);
    } finally {
      first.db.destroy();
      await first.stack.stop();
    }
    const second = await start();
    try {
      // Assess: the table as last created, read back from LevelDB.
      const { Table } = await second.db.send(new DescribeTableCommand({ TableName: TABLE }));
      expect(Table?.KeySchema?.map((k) => k.AttributeName)).toEqual(['pk', 'sk']);
      expect(Table?.GlobalSecondaryIndexes).toBeUndefined();
      const item = await second.db.send(
        new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'c' }, sk: { N: '1' } } }),
      );
      expect(item.Item?.pk?.S).toBe('c');
    } finally {
      second.db.destroy();
      await second.stack.stop();
    }
  });
});
