/**
 * `npx tsx bench/stores-memory.ts`: the local stores' process alone under writes and reads
 * (issue 15). Starts the stack on LevelDB (as the CLI runs it) in a temporary folder, then
 * ROUNDS rounds (default 20) of 100 PutItems of ITEM_KB kB (default 50), each followed by a
 * Query stopped by `Limit` — the pattern of the catalog during an all-zones run — and prints
 * after each round the stores' RSS (from /proc), their V8 heap and the LevelDB iterators open
 * (their own `stats`). Before the iterators were closed the RSS grew with every byte written
 * (853 MB after 100 MB); now it stays flat.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { startLocalStack } from '../functions/local/stack.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const ROUNDS = Number(process.env.ROUNDS ?? 20);
const ITEM_KB = Number(process.env.ITEM_KB ?? 50);

const dir = mkdtempSync(join(tmpdir(), 'stores-memory-'));
const stack = await startLocalStack({ stateDir: join(dir, 'state') });
const db = new DynamoDBClient({
  region: stack.env.AWS_REGION!,
  endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB!,
  credentials: {
    accessKeyId: stack.env.AWS_ACCESS_KEY_ID!,
    secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY!,
  },
});
const report = async (label: string) => {
  const status = readFileSync(`/proc/${stack.pid}/status`, 'utf8');
  const rssMb = Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  const st = await stack.stats();
  console.log(
    `${label.padEnd(28)} stores RSS ${String(rssMb).padStart(4)} MB · V8 heap used ${Math.round(st.heapUsedMb)} MB · iterators open ${st.openIterators} (opened ${st.openedIterators})`,
  );
};
try {
  await db.send(
    new CreateTableCommand({
      TableName: 'stores-memory',
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
  await report('start');
  const blob = 'x'.repeat(ITEM_KB * 1024);
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < 100; i++) {
      const pk = { S: `p${i % 10}` };
      await db.send(
        new PutItemCommand({
          TableName: 'stores-memory',
          Item: { pk, sk: { S: `r${r}-${i}` }, v: { S: `${blob}${r}` } },
        }),
      );
      await db.send(
        new QueryCommand({
          TableName: 'stores-memory',
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': pk },
          Limit: 2,
        }),
      );
    }
    await report(`round ${r + 1} (${((r + 1) * 100 * ITEM_KB) / 1000} MB written)`);
  }
} finally {
  db.destroy();
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}
