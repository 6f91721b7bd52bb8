/**
 * Ingest is all or nothing, on real dynalite:
 * - everything DynamoDB would refuse (a value that becomes Infinity after unit conversion, a
 *   number beyond DynamoDB's range) is refused with file, line and field before any write;
 * - a write that fails mid-batch, and even the rollback after it, leaves every read as it was,
 *   and the next writer undoes the batch;
 * - a writer killed with SIGKILL at random points of a large batch (a child process) leaves the
 *   store equal to the state before the batch or the state after it — before anyone recovers
 *   (reads honour the batch's commit) and after (the table itself, compared item by item).
 *
 * - a writer killed after some of its chunks are stored (a batch is written in chunks, each
 *   journalled before its items) leaves the old state, and the next writer undoes the chunks.
 *
 * `BULLETIN_KILL_ROUNDS` sets the number of kills (default 4), `BULLETIN_KILL_ZONES` the size; the seed of the kill points is
 * printed, and `BULLETIN_KILL_SEED` replays one.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapStores } from '#adapters/bootstrap.ts';
import { createDynamoRecordStore } from '#adapters/dynamodb/record-store.ts';
import type { RecordStore } from '../../functions/app/ports.ts';
import type { IndicatorRecord } from '#core/model.ts';
import { loadConfig } from '#config';
import { ValidationError } from '#errors';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { syntheticFiles, syntheticReference } from '../../functions/app/synthetic.ts';
import { injectFaults, serviceError } from '#tests/support/faults.ts';
import {
  dumpRecords,
  dumpStores,
  REPO,
  seedRealData,
  startTestStores,
  type TestStores,
} from '#tests/support/stores.ts';
import { createServices, type Services } from '../../functions/wiring/services.ts';
import { seededRandom } from '../support/seeded.ts';

const HEADER = 'zone,indicator,period,value,unit,yoy,share,source';
const csv = (name: string, rows: string[]) => ({
  name,
  bytes: new TextEncoder().encode([HEADER, ...rows].join('\n')),
});

let stores: TestStores;
const opened: Services[] = [];
let tables = 0;

/** A records table of its own (same stack) and a store on it. */
async function freshTable(opts: { leaseMs?: number } = {}) {
  const name = `atomic-records-${(tables += 1)}`;
  const config = loadConfig({ ...stores.stack.env, BULLETIN_RECORDS_TABLE: name });
  await bootstrapStores(config, stores.services.clients);
  const records = createDynamoRecordStore(stores.services.clients.documents, name, opts);
  return { name, records };
}

/**
 * What reads return for these periods, and for the zones that have records in them (a zone's
 * read is its packs): the logical state of the store.
 */
async function readState(records: RecordStore, periods: string[]): Promise<string[]> {
  const out: string[] = [];
  const zones = new Set<string>();
  const line = (r: IndicatorRecord) => {
    const { ingestedAt: _i, ...rest } = r;
    return JSON.stringify(rest);
  };
  for (const p of periods) {
    for (const r of await records.recordsOfPeriod(p)) {
      out.push(line(r));
      zones.add(r.zone);
    }
  }
  for (const zone of [...zones].sort())
    out.push(`zone ${zone}: ${(await records.recordsOfZone(zone)).map(line).join('|')}`);
  return out.sort();
}

/** The table without what differs between two runs of the same batch (time, batch id). */
const comparable = (items: string[]) =>
  items.map((i) =>
    i
      .replace(/"batch":\{"S":"[^"]*"\},?/, '')
      .replace(/"ingestedAt":\{"S":"[^"]*"\},?/, '')
      // A zone pack's records (`dumpRecords` shows them as JSON).
      .replace(/"ingestedAt":"[^"]*",?/g, ''),
  );

beforeAll(async () => {
  stores = await startTestStores();
  await seedRealData(stores.services);
});
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await stores?.stop();
});

describe('validated before any write', () => {
  it('refuses a value that becomes Infinity after unit conversion, and one DynamoDB cannot hold', async () => {
    // Prepare: 1e308 万亿元 is 1e312 亿元 = Infinity; 1e200 亿元 is finite but beyond ±9.99E+125.
    const before = await dumpStores(stores.services);
    const file = csv('huge.csv', [
      'zhongguancun,gdp,2031,100,亿元,,,来源甲',
      'zhongguancun,exports,2031,1e308,万亿元,,,来源甲',
      'tianjin,gdp,2031,1e200,亿元,,,来源甲',
      'tianjin,exports,2031,200,亿元,,,来源甲',
    ]);

    // Act
    const error = await ingestFiles(
      { records: stores.services.records, reference: stores.services.reference },
      [file],
    ).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    const problems = (error as ValidationError).problems;
    expect(problems).toEqual([
      expect.objectContaining({ file: 'huge.csv', location: '3', field: 'value' }),
      expect.objectContaining({ file: 'huge.csv', location: '4', field: 'value' }),
    ]);
    expect(problems[0]!.message).toMatch(/不是有限数/);
    expect(problems[1]!.message).toMatch(/上限/);
    expect(await dumpStores(stores.services)).toBe(before);
  });

  it('refuses the same in a JSON file, at its JSON path', async () => {
    const before = await dumpStores(stores.services);
    const json = JSON.stringify([
      {
        zone: 'zhongguancun',
        indicator: 'gdp',
        period: '2031',
        value: 1,
        unit: '亿元',
        source: 'x甲',
      },
      {
        zone: 'tianjin',
        indicator: 'gdp',
        period: '2031',
        value: '1e308',
        unit: '万亿元',
        source: 'x甲',
      },
    ]);
    const error = await ingestFiles(
      { records: stores.services.records, reference: stores.services.reference },
      [{ name: 'huge.json', bytes: new TextEncoder().encode(json) }],
    ).catch((e: unknown) => e);
    expect((error as ValidationError).problems).toEqual([
      expect.objectContaining({ file: 'huge.json', location: '$[1].value', field: 'value' }),
    ]);
    expect(await dumpStores(stores.services)).toBe(before);
  });
});

describe('a write that fails', () => {
  it('fails mid-batch and its rollback fails too: reads see the old state; the next writer undoes it', async () => {
    // Prepare: a table with a first batch; a second batch (new keys and revisions) whose
    // writes fail from the third BatchWriteItem on — the rollback's writes included.
    const { name } = await freshTable();
    const faulty = createServices(
      loadConfig({ ...stores.stack.env, BULLETIN_RECORDS_TABLE: name }),
    );
    opened.push(faulty);
    const leaseMs = 1_500;
    const broken = createDynamoRecordStore(faulty.clients.documents, name, { leaseMs });
    const healthy = createDynamoRecordStore(stores.services.clients.documents, name, { leaseMs });
    const reference = syntheticReference(6);
    await ingestFiles(
      { records: healthy, reference },
      syntheticFiles({ seed: 1, zones: 6, firstYear: 2022 }),
    );
    const periods = ['2020', '2021', '2022', '2023', '2024'];
    const oldState = await readState(healthy, periods);
    const oldTable = await dumpRecords(stores.services, name);
    const dynamo = injectFaults(faulty.clients.dynamodb);
    let writes = 0;
    dynamo.rule = ({ command, attempt }) => {
      if (command !== 'BatchWriteItemCommand') return undefined;
      if (attempt === 1) writes += 1;
      return writes >= 3 ? serviceError('InternalServerError', 500, 'injected') : undefined;
    };

    // Act
    const error = await ingestFiles(
      { records: broken, reference },
      syntheticFiles({ seed: 2, zones: 6, firstYear: 2020 }),
    ).catch((e: unknown) => e);
    const readsMeanwhile = await readState(healthy, periods);
    const periodsMeanwhile = await healthy.periods('annual');
    dynamo.rule = undefined;
    const rolledBack = await healthy.recover();

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(dynamo.injected).toBeGreaterThan(0);
    expect(readsMeanwhile).toEqual(oldState);
    expect(periodsMeanwhile).toEqual(['2022', '2023', '2024']);
    expect(rolledBack).toHaveLength(1);
    expect(await dumpRecords(stores.services, name)).toEqual(oldTable);
    const retry = await ingestFiles(
      { records: healthy, reference },
      syntheticFiles({ seed: 2, zones: 6, firstYear: 2020 }),
    );
    expect(retry.created).toBeGreaterThan(0);
    expect(retry.revised).toBeGreaterThan(0);
  });
});

describe('killed with SIGKILL while ingesting', () => {
  const ZONES = Number(process.env.BULLETIN_KILL_ZONES ?? 8);
  const A = { seed: 101, firstYear: 2021 };
  const B = { seed: 202, firstYear: 2019 };
  const PERIODS = ['2019', '2020', '2021', '2022', '2023', '2024'];
  const rounds = Number(process.env.BULLETIN_KILL_ROUNDS ?? 4);
  const seed = Number(process.env.BULLETIN_KILL_SEED ?? Date.now() % 1_000_000);
  /** Kill points replayable from the printed seed. */
  const random = seededRandom(seed);

  /**
   * Runs batch B in a child process on `table`; kills it `killDelayMs` (default 0) after the first
   * output line `killAt` accepts. `chunk`: records its store writes at a time.
   */
  function child(
    table: string,
    opts: { chunk?: number; killAt?: (line: string) => boolean; killDelayMs?: number } = {},
  ) {
    return new Promise<{ killed: boolean; writingMs: number; lines: string[]; at: number[] }>(
      (resolve, reject) => {
        const proc = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            join(REPO, 'tests/support/ingest-child.ts'),
            String(B.seed),
            String(ZONES),
            String(B.firstYear),
            ...(opts.chunk ? [String(opts.chunk)] : []),
          ],
          {
            cwd: REPO,
            env: { ...process.env, ...stores.stack.env, BULLETIN_RECORDS_TABLE: table },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        const lines: string[] = [];
        /** When each line came, ms after READY. */
        const at: number[] = [];
        let ready = 0;
        let armed = false;
        let stderr = '';
        proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        proc.stdout.on('data', (d: Buffer) => {
          for (const line of d.toString().split('\n').filter(Boolean)) {
            lines.push(line);
            at.push(ready ? performance.now() - ready : 0);
            if (!armed && opts.killAt?.(line)) {
              armed = true;
              if (opts.killDelayMs) setTimeout(() => proc.kill('SIGKILL'), opts.killDelayMs);
              else proc.kill('SIGKILL');
            }
            if (line === 'READY') {
              ready = performance.now();
            }
          }
        });
        proc.on('error', reject);
        proc.on('exit', (code, signal) => {
          const writingMs = performance.now() - ready;
          if (signal === 'SIGKILL') resolve({ killed: true, writingMs, lines, at });
          else if (code === 0) resolve({ killed: false, writingMs, lines, at });
          else reject(new Error(`ingest child failed (${code}): ${stderr.slice(-2000)}`));
        });
      },
    );
  }

  it(`leaves the old state or the new one, never a part (${rounds} kills)`, async () => {
    // Prepare: the state after A (old) and after A then B (new), from an unkilled run.
    const reference = syntheticReference(ZONES);
    const prepare = async () => {
      const t = await freshTable();
      await ingestFiles({ records: t.records, reference }, syntheticFiles({ ...A, zones: ZONES }));
      return t;
    };
    const ref = await prepare();
    const oldState = await readState(ref.records, PERIODS);
    const oldTable = comparable(await dumpRecords(stores.services, ref.name));
    const full = await child(ref.name);
    expect(full.lines.at(-1)).toMatch(/^DONE \d+ \d+$/);
    const newState = await readState(ref.records, PERIODS);
    const newTable = comparable(await dumpRecords(stores.services, ref.name));
    expect(newState).not.toEqual(oldState);
    console.log(
      `kill test: seed ${seed}, batch of ${full.lines.at(-1)} (created, revised), writing ≈ ${full.writingMs.toFixed(0)} ms`,
    );

    // Act + Assess, per round: kill at a random point of the writing (and a little beyond). The
    // point follows the child's own progress, not the clock: a record count it must have
    // reported, then a random part of the mean time between two of its progress lines (so the
    // kill lands between writes too). A machine that is busier or quieter than during the
    // unkilled run moves nothing. The first round kills within the first 90 % of the records,
    // so at least one kill lands; the last one near the end and past the last progress line
    // (the articles, the data version, the commit); the others anywhere.
    const total = Number(
      /^P \d+\/(\d+)$/.exec(full.lines.find((l) => l.startsWith('P ')) ?? '')?.[1],
    );
    expect(total).toBeGreaterThan(0);
    const gapMs = full.writingMs / Math.max(1, full.lines.filter((l) => l.startsWith('P ')).length);
    // From the last progress line to DONE: the articles, the data version and the commit.
    const lastP = full.lines.findLastIndex((l) => l.startsWith('P '));
    const tailMs = full.at.at(-1)! - full.at[lastP]!;
    const outcomes: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const t = await prepare();
      const reach =
        round === 0
          ? random() * 0.9
          : round === rounds - 1
            ? 0.95 + random() * 0.15
            : random() * 1.05;
      const at = Math.min(total, Math.floor(reach * total));
      const killDelayMs = Math.round(random() * (reach > 1 ? tailMs * 1.2 : gapMs));
      const run = await child(t.name, {
        killAt: (line) => {
          const m = /^P (\d+)\/\d+$/.exec(line);
          return !!m && Number(m[1]) >= at;
        },
        killDelayMs,
      });
      // Before anyone recovers: reads see one whole state.
      const seen = await readState(t.records, PERIODS);
      const seenAs =
        JSON.stringify(seen) === JSON.stringify(oldState)
          ? 'old'
          : JSON.stringify(seen) === JSON.stringify(newState)
            ? 'new'
            : 'part';
      // Then the next writer's recovery: the table itself is one whole state.
      await t.records.recover();
      const table = comparable(await dumpRecords(stores.services, t.name));
      const tableAs =
        JSON.stringify(table) === JSON.stringify(oldTable)
          ? 'old'
          : JSON.stringify(table) === JSON.stringify(newTable)
            ? 'new'
            : 'part';
      const progress = run.lines.filter((l) => l.startsWith('P ')).at(-1) ?? 'P -';
      outcomes.push(
        `at ${at}/${total} + ${killDelayMs} ms (${run.killed ? 'killed' : 'finished'}, ${progress}): reads ${seenAs}, table ${tableAs}`,
      );
      expect(seenAs, outcomes.at(-1)).not.toBe('part');
      expect(tableAs, outcomes.at(-1)).toBe(seenAs);
      // And the batch can be ingested again, whole.
      await ingestFiles({ records: t.records, reference }, syntheticFiles({ ...B, zones: ZONES }));
      expect(await readState(t.records, PERIODS)).toEqual(newState);
    }
    console.log(`kill test outcomes:\n${outcomes.join('\n')}`);
    expect(outcomes.filter((o) => o.includes('killed')).length).toBeGreaterThan(0);
  }, 900_000);

  it('killed after some of its chunks are stored: the old state, and the next writer undoes them', async () => {
    // Prepare: the state after A; batch B written 100 records a chunk (≈ 20 chunks).
    const reference = syntheticReference(ZONES);
    const t = await freshTable();
    await ingestFiles({ records: t.records, reference }, syntheticFiles({ ...A, zones: ZONES }));
    const oldState = await readState(t.records, PERIODS);
    const oldTable = comparable(await dumpRecords(stores.services, t.name));
    const chunk = 100;

    // Act: killed as soon as its progress shows more than two chunks stored, before the end.
    const run = await child(t.name, {
      chunk,
      killAt: (line) => {
        const m = /^P (\d+)\/(\d+)$/.exec(line);
        return !!m && Number(m[1]) > 2 * chunk && Number(m[1]) < Number(m[2]);
      },
    });
    const progress = run.lines.filter((l) => l.startsWith('P ')).at(-1);
    const seen = await readState(t.records, PERIODS);
    const undone = await t.records.recover();

    // Assess
    expect(run.killed, `progress ${progress}`).toBe(true);
    expect(run.lines.at(-1)).not.toMatch(/^DONE/);
    expect(seen).toEqual(oldState);
    expect(undone).toHaveLength(1);
    expect(comparable(await dumpRecords(stores.services, t.name))).toEqual(oldTable);
    const again = await ingestFiles(
      { records: t.records, reference },
      syntheticFiles({ ...B, zones: ZONES }),
    );
    expect(again.created + again.revised).toBeGreaterThan(0);
    console.log(`killed mid-stream at ${progress} (${chunk} records a chunk): old state kept`);
  }, 300_000);
});
