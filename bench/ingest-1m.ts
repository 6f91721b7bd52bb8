/**
 * Ingest of a 1 M-row CSV (issue 26.3): `npm run bench:ingest` (`BENCH_INGEST_ROWS`, default
 * 1 000 000; `BENCH_INGEST_BAD=1` puts an impossible period on the last row). In a process of its
 * own, validates the file as `bulletin ingest` does (read as a stream from the disk: decode,
 * parse, every row checked, duplicates, what the store would refuse) and prints the time and the
 * peak RSS (VmHWM, /proc/self/status). `BENCH_INGEST_STORE=1`: the whole `bulletin ingest` —
 * validated, then read again and stored in chunks through the batch journal into the embedded
 * stores (dynalite on LevelDB in its own process, as the CLI runs it; its peak RSS printed apart).
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { referenceData } from '../functions/app/reference-data.ts';
import { ingestFiles, validateRecordFiles, type InputFile } from '../functions/app/ingest.ts';
import {
  articleStorageProblems,
  recordStorageProblems,
} from '../functions/adapters/dynamodb/record-store.ts';

const ROWS = Number(process.env.BENCH_INGEST_ROWS ?? 1_000_000);
const BAD = process.env.BENCH_INGEST_BAD === '1';
const HEADER = 'zone,indicator,period,value,unit,yoy,share,source';
const SOURCE = '测试来源（工信部火炬中心发布会）';

function peakRssMb(pid: number | 'self' = 'self'): number {
  const line = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return line
    ? Math.round(Number(line[1]) / 1024)
    : Math.round(process.memoryUsage().rss / 2 ** 20);
}

const reference = referenceData();

/** Writes the file in chunks (never a million strings at once) and returns its rows. */
function writeFile(path: string): number {
  const zones = reference.zones.filter((z) => z.level !== 'aggregate').map((z) => z.id);
  const indicators = reference.indicators.filter((i) => i.unit === '亿元').map((i) => i.code);
  const fd = openSync(path, 'w');
  let chunk = `${HEADER}\n`;
  let n = 0;
  outer: for (let year = 1949; year <= 2100; year++)
    for (let month = 1; month <= 12; month++)
      for (const indicator of indicators)
        for (const zone of zones) {
          if (n >= ROWS) break outer;
          const period =
            BAD && n === ROWS - 1 ? '2024-13' : `${year}-${String(month).padStart(2, '0')}`;
          chunk += `${zone},${indicator},${period},${(n % 9973) + 0.5},亿元,${(n % 97) / 10},,${SOURCE}\n`;
          n++;
          if (chunk.length > 1 << 20) {
            writeSync(fd, chunk);
            chunk = '';
          }
        }
  writeSync(fd, chunk);
  closeSync(fd);
  return n;
}

const file = process.argv[2];
if (!file) {
  // Make the file here, validate it in a process of its own: its peak RSS is the ingest's alone.
  const dir = mkdtempSync(join(tmpdir(), 'ingest-1m-'));
  const path = join(dir, 'one-million.csv');
  writeFile(path);
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), path],
    {
      stdio: 'inherit',
      env: process.env,
    },
  );
  rmSync(dir, { recursive: true, force: true });
  process.exit(child.status ?? 1);
} else if (process.env.BENCH_INGEST_STORE === '1') {
  const { startLocalStack } = await import('../functions/local/stack.ts');
  const { loadConfig } = await import('../functions/config.ts');
  const { bootstrapStores } = await import('../functions/adapters/bootstrap.ts');
  const { createServices } = await import('../functions/wiring/services.ts');
  const state = mkdtempSync(join(tmpdir(), 'ingest-1m-state-'));
  const stack = await startLocalStack({ stateDir: state, log: () => undefined });
  const config = loadConfig({ ...process.env, ...stack.env });
  const services = createServices(config);
  try {
    await bootstrapStores(config, services.clients);
    const input: InputFile = { name: 'one-million.csv', open: () => createReadStream(file) };
    const before = peakRssMb();
    const t0 = performance.now();
    let validated: number | undefined;
    const summary = await ingestFiles({ records: services.records, reference }, [input], {
      onProgress: () => (validated ??= performance.now()),
    }).catch((err: unknown) => err as Error);
    const seconds = (performance.now() - t0) / 1000;
    const what =
      summary instanceof Error
        ? `refused: ${summary.message.split('\n').slice(0, 2).join(' | ')}`
        : `${summary.records} records stored (created ${summary.created}, revised ${summary.revised}, unchanged ${summary.unchanged})`;
    console.log(
      `ingest + store: ${what} from a ${(statSync(file).size / 2 ** 20).toFixed(1)} MB CSV in ${seconds.toFixed(1)} s ` +
        `(validated in ${(((validated ?? performance.now()) - t0) / 1000).toFixed(1)} s, then stored), ` +
        `peak RSS ${peakRssMb()} MB (${before} MB before), the stores' process ${peakRssMb(stack.pid)} MB`,
    );
  } finally {
    await services.close();
    await stack.stop();
    rmSync(state, { recursive: true, force: true });
  }
} else {
  const input: InputFile = { name: 'one-million.csv', open: () => createReadStream(file) };
  const before = peakRssMb();
  const t0 = performance.now();
  const result = await validateRecordFiles(
    {
      reference,
      records: { recordRefusals: recordStorageProblems, articleRefusals: articleStorageProblems },
    },
    [input],
  );
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `ingest: ${result.valid} valid rows of a ${(statSync(file).size / 2 ** 20).toFixed(1)} MB CSV (read as a stream): validated in ${seconds.toFixed(1)} s, ` +
      `peak RSS ${peakRssMb()} MB (${before} MB before), ` +
      `${result.problems.length} problem(s)${result.problems[0] ? `: first ${JSON.stringify(result.problems[0])}` : ''}`,
  );
}
