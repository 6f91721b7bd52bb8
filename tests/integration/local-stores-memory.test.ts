/**
 * Issue 15: the stores' process does not grow with what is written. dynalite 4 ended its read
 * iterators with `return()`, which abstract-level 3 iterators lack, so every Query, Scan and
 * ListTables left one open — on LevelDB each pinned the memtables written after it (the
 * stores' process reached 2.3 GB in the 178-zone benchmark). The host now closes them
 * (`level-iterators.ts`); its `stats` answer counts the iterators still open.
 */
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { closeLevelIterators, openLevelIterators } from '#local/level-iterators.ts';
import { startLocalStack, type LocalStack } from '#local/stack.ts';

describe('the stores close every iterator they open', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  /** A local stack in a folder of its own, and a DynamoDB client of the real SDK on it. */
  async function stores(
    inMemory: boolean,
  ): Promise<{ stack: LocalStack; db: DynamoDBClient; dir: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'bulletin-stores-memory-'));
    dirs.push(dir);
    const stack = await startLocalStack({ stateDir: join(dir, 'state'), inMemory });
    const db = new DynamoDBClient({
      region: stack.env.AWS_REGION!,
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB!,
      credentials: {
        accessKeyId: stack.env.AWS_ACCESS_KEY_ID!,
        secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY!,
      },
    });
    return { stack, db, dir };
  }

  it('counts and closes an abstract-level iterator in this process', async () => {
    closeLevelIterators();
    const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
    const { MemoryLevel } = fromDynalite('memory-level') as {
      MemoryLevel: new () => {
        put(k: string, v: string): Promise<void>;
        values(): { next(): Promise<unknown>; return(): Promise<void> };
        close(): Promise<void>;
      };
    };
    const db = new MemoryLevel();
    await db.put('a', '1');
    const before = openLevelIterators();
    const iterator = db.values();
    expect(openLevelIterators()).toBe(before + 1);
    expect(await iterator.next()).toBe('1');
    await iterator.return();
    expect(openLevelIterators()).toBe(before);
    await db.close();
  });

  for (const inMemory of [false, true]) {
    it(`dynalite ${inMemory ? 'in memory' : 'on LevelDB'}: no iterator left open after Query, Scan and ListTables`, async () => {
      const { stack, db } = await stores(inMemory);
      try {
        await db.send(
          new CreateTableCommand({
            TableName: 'memory-check',
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [
              { AttributeName: 'pk', AttributeType: 'S' },
              { AttributeName: 'sk', AttributeType: 'S' },
            ],
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'sk', KeyType: 'RANGE' },
            ],
          }),
        );
        // dynalite answers CreateTable while the table is still CREATING and turns it ACTIVE a
        // moment later; under load a put in that moment is refused (ResourceNotFound). Wait on
        // the condition, as bootstrap does.
        await waitUntilTableExists({ client: db, maxWaitTime: 120 }, { TableName: 'memory-check' });
        for (let i = 0; i < 40; i++)
          await db.send(
            new PutItemCommand({
              TableName: 'memory-check',
              Item: { pk: { S: `p${i % 4}` }, sk: { S: `s${String(i).padStart(3, '0')}` } },
            }),
          );
        let read = 0;
        for (let i = 0; i < 30; i++) {
          // Stopped early by Limit, read to the end, and a Scan page.
          const limited = await db.send(
            new QueryCommand({
              TableName: 'memory-check',
              KeyConditionExpression: 'pk = :p',
              ExpressionAttributeValues: { ':p': { S: `p${i % 4}` } },
              Limit: 2,
            }),
          );
          const all = await db.send(
            new QueryCommand({
              TableName: 'memory-check',
              KeyConditionExpression: 'pk = :p',
              ExpressionAttributeValues: { ':p': { S: `p${i % 4}` } },
            }),
          );
          const scan = await db.send(new ScanCommand({ TableName: 'memory-check', Limit: 5 }));
          read += (limited.Count ?? 0) + (all.Count ?? 0) + (scan.Count ?? 0);
        }
        await db.send(new ListTablesCommand({}));
        expect(read).toBe(30 * (2 + 10 + 5));
        // Closing completes asynchronously after the answer: wait for it, without a speed claim.
        await vi.waitFor(async () => expect((await stack.stats()).openIterators).toBe(0), {
          timeout: 10_000,
          interval: 100,
        });
        const stats = await stack.stats();
        expect(stats.pid).toBe(stack.pid);
        // Counted: one iterator per read at least (so 0 open above is not 0 counted).
        expect(stats.openedIterators).toBeGreaterThanOrEqual(90);
        expect(stats.rssMb).toBeGreaterThan(0);
      } finally {
        db.destroy();
        await stack.stop();
      }
    });
  }

  it("takes a CPU profile of the stores' process between start and stop (bench:profile)", async () => {
    // Prepare
    const { stack, db, dir } = await stores(true);
    const file = join(dir, 'stores.cpuprofile');
    try {
      // Act
      await stack.profile('start');
      await expect(stack.profile('start')).rejects.toThrow(/已在采集性能剖析/);
      for (let i = 0; i < 20; i++) await db.send(new ListTablesCommand({}));
      await stack.profile({ stop: file });

      // Assess: a V8 CPU profile in which dynalite's code ran.
      const profile = JSON.parse(await readFile(file, 'utf8')) as {
        nodes: { callFrame: { url: string } }[];
        samples: number[];
      };
      expect(profile.samples.length).toBeGreaterThan(0);
      expect(profile.nodes.some((n) => n.callFrame.url.includes('/dynalite/'))).toBe(true);
      await expect(stack.profile({ stop: file })).rejects.toThrow(/没有正在采集的性能剖析可停止/);
    } finally {
      db.destroy();
      await stack.stop();
    }
  });
});
