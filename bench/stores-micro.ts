/**
 * The stores' process alone: the CPU it spends on what a zone profile sends it, without the
 * rest of the run. `STORES_MICRO_N` profiles (default 300), six at a time, each five S3 puts as
 * the archive makes them (927 kB, its sha256 declared: 430 + 326 + 75 + 56 + 40 kB) and eleven
 * DynamoDB requests shaped like a profile's (3 Query, 4 PutItem, 4 UpdateItem; a 56 kB draft and
 * a 75 kB issue) against the embedded stack on LevelDB, as the CLI runs it. Prints the stores'
 * CPU a profile (utime + stime of its process, `/proc/<pid>/stat`) and this process's.
 *
 * `STORES_MICRO_MODE=s3|dynamodb` sends only one kind; `STORES_MICRO_SIZES=430000,17600,…`
 * puts files of those sizes instead of the five above (bytes, comma-separated);
 * `STORES_MICRO_PROFILE=<file>` writes a CPU profile of the stores' process over the run (`npx tsx bench/profile-summary.ts <file> --all`).
 * Run: `npx tsx bench/stores-micro.ts`. Linux only (`/proc`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { loadConfig } from '../functions/config.ts';
import { createAwsClients } from '../functions/adapters/aws-clients.ts';
import { bootstrapStores } from '../functions/adapters/bootstrap.ts';
import { putObject } from '../functions/adapters/s3/objects.ts';
import { startLocalStack } from '../functions/local/stack.ts';

const profiles = Number(process.env.STORES_MICRO_N ?? 300);
const mode = process.env.STORES_MICRO_MODE ?? 'both';
const IN_FLIGHT = 6;

const dir = mkdtempSync(join(tmpdir(), 'bulletin-stores-micro-'));
const stack = await startLocalStack({ stateDir: join(dir, 'state') });
const config = loadConfig({ ...process.env, ...stack.env });
const clients = createAwsClients(config);
await bootstrapStores(config, clients);
const table = config.tables.issues;

/** [utime, stime] of the stores' process, in clock ticks (10 ms). */
function storesTicks(): [number, number] {
  const stat = readFileSync(`/proc/${stack.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(fields[11]), Number(fields[12])];
}

const sizes = process.env.STORES_MICRO_SIZES?.split(',').map(Number) ?? [
  430_000, 326_000, 75_000, 56_000, 40_000,
];
const bodies = sizes.map((n) => randomBytes(n));
const sha256s = bodies.map((b) => createHash('sha256').update(b).digest('hex'));
const draft = 'x'.repeat(56_000);
const issue = 'y'.repeat(75_000);

async function profile(i: number): Promise<void> {
  const puts =
    mode === 'dynamodb'
      ? []
      : bodies.map((body, k) =>
          putObject(clients.s3, config.bucket, `issues/micro/2026/f${k}-${i}.bin`, body, {
            contentType: 'application/octet-stream',
            sha256: sha256s[k]!,
          }),
        );
  if (mode !== 's3') {
    const d = clients.dynamodb;
    const pk = { S: `ZONE#${i % 60}` };
    const key = (sk: string) => ({ pk, sk: { S: sk } });
    const query = (prefix: string) =>
      d.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
          ExpressionAttributeValues: { ':p': pk, ':s': { S: prefix } },
        }),
      );
    const setStatus = (sk: string) =>
      d.send(
        new UpdateItemCommand({
          TableName: table,
          Key: key(sk),
          UpdateExpression: 'SET #s = :s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': { S: 'done' } },
        }),
      );
    await query('RUN#');
    await d.send(new PutItemCommand({ TableName: table, Item: key(`RUN#${i}`) }));
    await d.send(new PutItemCommand({ TableName: table, Item: key(`TRIG#${i}`) }));
    await query('ISSUE#');
    await query('DRAFT#');
    await d.send(
      new PutItemCommand({
        TableName: table,
        Item: { ...key(`DRAFT#${i}`), body: { S: draft } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await d.send(
      new UpdateItemCommand({
        TableName: table,
        Key: key(`DRAFT#${i}`),
        UpdateExpression: 'SET attempt = :a',
        ExpressionAttributeValues: { ':a': { N: '1' } },
      }),
    );
    await d.send(
      new PutItemCommand({
        TableName: table,
        Item: { ...key(`ISSUE#${i}`), body: { S: issue } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await Promise.all(puts);
    for (const sk of [`DRAFT#${i}`, `TRIG#${i}`, `RUN#${i}`]) await setStatus(sk);
  }
  await Promise.all(puts);
}

try {
  for (let i = 0; i < 10; i++) await profile(-1 - i);
  const profileFile = process.env.STORES_MICRO_PROFILE;
  if (profileFile) await stack.profile('start');
  const [user0, system0] = storesTicks();
  const own0 = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < profiles) await profile(next++);
    }),
  );
  const wall = performance.now() - started;
  const own = process.cpuUsage(own0);
  const [user1, system1] = storesTicks();
  if (profileFile) await stack.profile({ stop: profileFile });
  const perProfile = (ticks: number) => ((ticks * 10) / profiles).toFixed(2);
  console.log(
    `${profiles} profiles (${mode}) in ${(wall / 1000).toFixed(1)} s: stores ${perProfile(
      user1 - user0 + system1 - system0,
    )} ms of CPU a profile (user ${perProfile(user1 - user0)} + system ${perProfile(
      system1 - system0,
    )}), this process ${((own.user + own.system) / 1000 / profiles).toFixed(2)} ms; load ${readFileSync(
      '/proc/loadavg',
      'utf8',
    ).trim()}`,
  );
} finally {
  clients.destroy();
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}
