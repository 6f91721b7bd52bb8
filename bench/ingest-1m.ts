/**
 * Ingest of a 1 M-row CSV (issue 26.3): `npm run bench:ingest` (`BENCH_INGEST_ROWS`, default
 * 1 000 000; `BENCH_INGEST_BAD=1` puts an impossible period on the last row). Validates the
 * file as `bulletin ingest` does (decode, parse, every row checked, duplicates, what the store
 * would refuse) and prints the time and the peak RSS (VmHWM, /proc/self/status) of a process
 * that only reads the file and validates it — the file's own bytes included. Validation keeps
 * only the rows' keys (`BENCH_INGEST_KEEP=1`: every record too, as `bulletin ingest` does before
 * it writes). Storing is not timed here (bench/run.ts times the store).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { referenceData } from '../functions/app/reference-data.ts';
import { validateRecordFiles } from '../functions/app/ingest.ts';
import {
  articleStorageProblems,
  recordStorageProblems,
} from '../functions/adapters/dynamodb/record-store.ts';

const ROWS = Number(process.env.BENCH_INGEST_ROWS ?? 1_000_000);
const BAD = process.env.BENCH_INGEST_BAD === '1';
const HEADER = 'zone,indicator,period,value,unit,yoy,share,source';
const SOURCE = '测试来源（工信部火炬中心发布会）';

function peakRssMb(): number {
  const line = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
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
} else {
  const bytes = new Uint8Array(readFileSync(file));
  const before = peakRssMb();
  const t0 = performance.now();
  const result = validateRecordFiles(
    {
      reference,
      records: { recordRefusals: recordStorageProblems, articleRefusals: articleStorageProblems },
    },
    [{ name: 'one-million.csv', bytes }],
    { keep: process.env.BENCH_INGEST_KEEP === '1' },
  );
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `ingest: ${result.valid} valid rows (${result.records.length} kept) of a ${(bytes.byteLength / 2 ** 20).toFixed(1)} MB CSV: validated in ${seconds.toFixed(1)} s, ` +
      `peak RSS ${peakRssMb()} MB (${before} MB with the file read), ` +
      `${result.problems.length} problem(s)${result.problems[0] ? `: first ${JSON.stringify(result.problems[0])}` : ''}`,
  );
}
