/**
 * What one DynamoDB request of a zone profile costs, in CPU of this process (the SDK: build,
 * sign, send, parse) and of the stores' process (the proxy and dynalite), on the embedded stack
 * as the CLI and the bench run it (dynalite on LevelDB): a small conditional write (as a
 * trigger's claim and finish) and a zone's records read (every period of the zone: its packs);
 * and the seeding of the synthetic zones (one batch).
 *
 *   npx tsx bench/request-cost.ts            # 30 synthetic zones, 4 000 small writes
 *   ZONES=60 WRITES=2000 npx tsx bench/request-cost.ts
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { bootstrapStores } from '../functions/adapters/bootstrap.ts';
import { loadConfig } from '../functions/config.ts';
import { seedSynthetic, syntheticReference } from '../functions/app/synthetic.ts';
import { startLocalStack } from '../functions/local/stack.ts';
import { createServices } from '../functions/wiring/services.ts';

const ZONES = Number(process.env.ZONES ?? 30);
const WRITES = Number(process.env.WRITES ?? 2000);
const IN_FLIGHT = 6;

/** CPU (user, system; all threads) of a process so far, ms. */
async function cpuOf(pid: number): Promise<[number, number]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(f[11]) * 10, Number(f[12]) * 10];
}

/** Node's and the stores' CPU a call of `work`, ms (and of it the system's, in the kernel). */
async function measure(pid: number, calls: number, work: () => Promise<void>) {
  const [user0, system0] = await cpuOf(pid);
  const node0 = process.cpuUsage();
  await work();
  const node = process.cpuUsage(node0);
  const [user1, system1] = await cpuOf(pid);
  return {
    node: (node.user + node.system) / 1000 / calls,
    nodeSystem: node.system / 1000 / calls,
    stores: (user1 - user0 + system1 - system0) / calls,
    storesSystem: (system1 - system0) / calls,
  };
}

const dir = await mkdtemp(join(tmpdir(), 'request-cost-'));
const stack = await startLocalStack({ stateDir: join(dir, 'state'), inMemory: false });
const config = loadConfig({ ...process.env, ...stack.env });
const services = createServices(config, {});
try {
  await bootstrapStores(config, services.clients);
  const docs = services.clients.documents;
  const TableName = config.tables.issues;
  /** A claim and a finish of a slot, as the cycle writes them. */
  const claimAndFinish = async (i: number) => {
    const Key = { pk: `COST#${i}`, sk: 'TRIGGER#slot' };
    await docs.send(
      new PutCommand({
        TableName,
        Item: { ...Key, owner: 'me', state: 'running', leaseUntil: Date.now(), zone: 'z' },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await docs.send(
      new UpdateCommand({
        TableName,
        Key,
        UpdateExpression: 'SET #s = :done, detail = :m',
        ConditionExpression: '#o = :me',
        ExpressionAttributeNames: { '#s': 'state', '#o': 'owner' },
        ExpressionAttributeValues: { ':done': 'done', ':m': '已发布（测试）', ':me': 'me' },
      }),
    );
  };
  for (let i = 0; i < 100; i++) await claimAndFinish(-1 - i);
  let next = 0;
  const writes = await measure(stack.pid, 2 * WRITES, async () => {
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < WRITES) await claimAndFinish(next++);
      }),
    );
  });
  let seeded = 0;
  const seeding = await measure(stack.pid, 1, async () => {
    seeded = (await seedSynthetic({ records: services.records }, { seed: 20241231, zones: ZONES }))
      .records;
  });
  const zones = syntheticReference(ZONES)
    .zones.filter((z) => z.level === 'national')
    .map((z) => z.id);
  let items = 0;
  for (const zone of zones) items += (await services.records.recordsOfZone(zone)).length;
  const rounds = Number(process.env.ROUNDS ?? 3);
  const queries = await measure(stack.pid, rounds * zones.length, async () => {
    for (let r = 0; r < rounds; r++)
      for (const zone of zones) await services.records.recordsOfZone(zone);
  });
  const ms = (n: number) => n.toFixed(2);
  const cost = (c: typeof writes) =>
    `Node ${ms(c.node)} + stores ${ms(c.stores)} ms each (of it system ${ms(c.nodeSystem)} + ${ms(c.storesSystem)})`;
  console.log(`${2 * WRITES} small conditional writes (${IN_FLIGHT} in flight): ${cost(writes)}`);
  console.log(
    `a zone's records read (its packs: one Query; ${zones.length} zones, ${Math.round(items / zones.length)} records a zone, ${rounds} rounds): ${cost(queries)}`,
  );
  console.log(
    `seeding ${seeded} records (one batch, packs included): Node ${(seeding.node / 1000).toFixed(2)} + stores ${(seeding.stores / 1000).toFixed(2)} s`,
  );
} finally {
  await services.close();
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}
