/**
 * `npm run bench`: the performance figures of Torch Bulletin from one run, on the embedded
 * stack (dynalite + s3rver in a child process) with real Chromium.
 *
 * 1. Cold path: a new process finds Chromium unpacked where the CLI keeps it (`.local/chromium`,
 *    checked against the package version; unpacked first if missing), launches it and renders
 *    the first bulletin. The first-ever unpack (a fresh clone, a new Lambda container) is
 *    measured apart, into a fresh folder.
 * 2. Warm bulletin (real data): compose / HTML / PDF, median of a few renders; the same final
 *    HTML printed by bare Chromium `page.goto` + `page.pdf` as the baseline (one bare print
 *    beside each of ours, alternating which goes first), and our ratio of the medians.
 * 3. DynamoDB requests per report (an SDK middleware counts them by command).
 * 4. The synthetic dataset (178 zones × 37 indicators × 2010–2024) through ingest, then every
 *    zone's profile in one run: profiles per second, total time, a re-run that skips them all.
 * 5. Peak RSS of this process plus its descendants (the browser's processes and the local
 *    stores' process), sampled every 100 ms; CPU time of each.
 *
 * Figures go to stdout and to bench/results-<time>.json. Options (environment):
 * BENCH_ZONES (default 178), BENCH_PAGES (default: CPUs), BENCH_WARM_RUNS (default 7),
 * BENCH_DYNALITE_DISK=0 (dynalite keeps its tables in its process's memory instead of in
 * LevelDB under the temp state dir, the default, as the CLI runs it).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  constants as perfConstants,
  monitorEventLoopDelay,
  PerformanceObserver,
} from 'node:perf_hooks';
import { stop as stopEsbuild, transformSync } from 'esbuild';
import { Worker } from 'node:worker_threads';
import type { PhaseMemory } from './memory-sampler.ts';
import { whatBounds } from './bounds.ts';

// Chromium unpacks into $TMPDIR/chromium and reuses what it finds: the cold path needs its own.
const benchTmp = mkdtempSync(join(tmpdir(), 'torch-bench-'));
process.env.TMPDIR = benchTmp;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROOT = resolve(import.meta.dirname, '..');
// The product's V8 flags (the CLI's and the Lambda functions'): the bench measures what the
// product runs, never with better flags. `BENCH_OTHER_FLAGS=1` runs it anyway (an experiment),
// and the report's first line says which flags differ.
const { NODE_FLAGS } = await import('../functions/contract/node-flags.ts');
const flagsGiven = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
const flagsOff = NODE_FLAGS.filter((flag) => {
  const name = flag.split('=')[0]!;
  const same = flagsGiven.filter((g) => g.split('=')[0] === name);
  return same.length === 0 || same.some((g) => g !== flag);
});
if (flagsOff.length && process.env.BENCH_OTHER_FLAGS !== '1')
  throw new Error(
    `bench: run it with the product's V8 flags (npm run bench), not without or against ${flagsOff.join(' ')} (functions/contract/node-flags.ts); BENCH_OTHER_FLAGS=1 to run it anyway`,
  );
const ZONES = Number(process.env.BENCH_ZONES ?? 178);
const PAGES = Number(process.env.BENCH_PAGES ?? availableParallelism());
const WARM_RUNS = Number(process.env.BENCH_WARM_RUNS ?? 7);
/** Where `bench:profile` wants the stores' process's CPU profile of the zone profiles. */
const STORES_PROFILE = process.env.BENCH_STORES_PROFILE
  ? resolve(process.env.BENCH_STORES_PROFILE)
  : undefined;
/**
 * When the phases `bench:profile` summarises ran, on the clock of V8's CPU profiles (the
 * monotonic clock, µs): the Node thread's samples in a window are that phase's, whatever
 * function is on the stack (an async function's own frames cover only its synchronous steps).
 * Written beside the profile as `phases.<pid>.json` when the process is profiled.
 */
const phaseWindows: Record<string, [number, number]> = {};
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
async function inWindow<T>(name: string, work: () => Promise<T>): Promise<T> {
  const start = monotonicUs();
  const sampling = HEAP_SAMPLING && name === 'zoneProfiles' ? await startHeapSampling() : undefined;
  try {
    return await work();
  } finally {
    phaseWindows[name] = [start, monotonicUs()];
    if (sampling) await sampling();
  }
}
/**
 * `BENCH_HEAP_SAMPLING=<file>`: what the Node thread allocates during the zone profiles, garbage
 * included (V8's sampling heap profiler with the objects the collectors freed kept), written as
 * a `.heapprofile` (Chrome DevTools' Memory tab, or `bench/heap-summary.ts`).
 */
const HEAP_SAMPLING = process.env.BENCH_HEAP_SAMPLING
  ? resolve(process.env.BENCH_HEAP_SAMPLING)
  : undefined;
async function startHeapSampling(): Promise<() => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 64 * 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return async () => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(HEAP_SAMPLING!, JSON.stringify(profile));
    session.disconnect();
    console.log(`heap sampling over the zone profiles: ${HEAP_SAMPLING}`);
  };
}
const CPU_PROFILE_DIR = process.execArgv
  .find((a) => a.startsWith('--cpu-prof-dir='))
  ?.slice('--cpu-prof-dir='.length);
// As the CLI and `bulletin serve` run it: LevelDB (0: in the stores' process memory).
const DYNALITE_ON_DISK = process.env.BENCH_DYNALITE_DISK !== '0';
const SEED = 20241231;
/** Where the CLI keeps the unpacked Chromium (and fontconfig's cache) between runs. */
const KEPT_CHROMIUM = join(ROOT, '.local', 'chromium');

const { default: chromium } = await import('@sparticuz/chromium');
const { default: puppeteer } = await import('puppeteer-core');
const { loadConfig } = await import('../functions/config.ts');
const { bootstrapStores } = await import('../functions/adapters/bootstrap.ts');
const { createChromiumRenderer, footerTemplate, DEFAULT_FOOTER, countPdfPages } =
  await import('../functions/adapters/print/renderer.ts');
const { unpackedChromium } = await import('../functions/adapters/print/executable.ts');
const { prepareFontconfig } = await import('../functions/adapters/print/fonts.ts');
const { createDynamoRecordStore } = await import('../functions/adapters/dynamodb/record-store.ts');
const { createDynamoIssueCatalog, createDynamoLifecycleCatalog } =
  await import('../functions/adapters/dynamodb/issue-catalog.ts');
const { createServices } = await import('../functions/wiring/services.ts');
const { ingestFiles } = await import('../functions/app/ingest.ts');
const { publishReport, currentPeriod } = await import('../functions/app/publish.ts');
const { previewReport, loadBulletinInputs, COVER_WIDTH } =
  await import('../functions/app/render-report.ts');
const { batchDetail, runZoneBatch, zoneJobsFor } = await import('../functions/app/batch.ts');
const { localCoverMaker } = await import('../functions/app/issue-cover.ts');
const { archiveKeyOwner } = await import('../functions/app/archive-keys.ts');
/** Covers made on their first request after the zone profiles, one at a time. */
const COVER_REQUESTS = Number(process.env.BENCH_COVER_REQUESTS ?? 12);
/** Zones in flight in the all-zones run (`runZoneBatch`'s concurrency): as the CLI sizes it. */
const JOBS = Number(process.env.BENCH_JOBS ?? zoneJobsFor(PAGES));
const { seedSynthetic, syntheticReference, SYNTHETIC_STORE_ENV } =
  await import('../functions/app/synthetic.ts');
const { startLocalStack } = await import('../functions/local/stack.ts');
type LocalStack = import('../functions/local/stack.ts').LocalStack;
const { countDynamoRequests } = await import('./dynamo-counter.ts');
const { timeRequests } = await import('./request-timer.ts');
const { countSteps } = await import('../functions/app/step-times.ts');

// ---------------------------------------------------------------------------- measurement

/** The split of a render's "print and finish" step, from the renderer's log line. */
interface PrintSteps {
  pageMs: number;
  numbersMs: number;
  coverMs: number;
  readMs: number;
  finishMs: number;
}

function printSteps(lines: string[]): PrintSteps {
  const line = lines.findLast((l) => l.startsWith('render: ') && l.includes('page.pdf')) ?? '';
  const m = /page\.pdf (\d+), numbers (\d+), cover (\d+), read (\d+), finish (\d+)/.exec(line);
  const n = (i: number) => (m ? Number(m[i]) : NaN);
  return { pageMs: n(1), numbersMs: n(2), coverMs: n(3), readMs: n(4), finishMs: n(5) };
}

function medianSteps(steps: PrintSteps[]): PrintSteps {
  const of = (k: keyof PrintSteps) => ms(median(steps.map((s) => s[k])));
  return {
    pageMs: of('pageMs'),
    numbersMs: of('numbersMs'),
    coverMs: of('coverMs'),
    readMs: of('readMs'),
    finishMs: of('finishMs'),
  };
}

/** CPU seconds (user + system) of one process (the local stores' process). */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds (user + system) of the descendants of this process (the browser), leaving out
 * `exclude` (the local stores' process, counted apart). A process's children that have exited
 * count too (its `cutime` + `cstime`: the renderers of the pages replaced every 25 prints, reaped
 * by the browser): counted alive only, 60 zone profiles' Chromium CPU read 2.9 s where its
 * processes had used 9.4 s (issue 27).
 */
function childrenCpuSeconds(root: number, exclude?: number): number {
  let ticks = 0;
  const all = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  const parent = new Map<number, number>();
  const stats = new Map<number, string[]>();
  for (const e of all) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(e), Number(fields[1]));
      stats.set(Number(e), fields);
    } catch {
      // gone
    }
  }
  for (const [pid, fields] of stats) {
    let p = parent.get(pid);
    while (p !== undefined && p !== root && p !== exclude && p > 1) p = parent.get(p);
    if (p === root && pid !== root && pid !== exclude)
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks / 100;
}

/**
 * Memory is sampled on a worker thread (`memory-sampler.ts`): reading /proc every 100 ms on this
 * thread took its time from the renders it measured. The phase is told to it as it changes.
 */
// Compiled here (esbuild's transform) and run as a plain script: a worker through tsx would start
// a loader and an esbuild service of its own (≈ 35 MB of RSS counted in the figures it takes).
const samplerScript = transformSync(
  readFileSync(new URL('./memory-sampler.ts', import.meta.url), 'utf8'),
  { loader: 'ts', format: 'cjs', target: 'node20' },
).code;
await stopEsbuild(); // the service of that call (a process and a thread) is not needed again
const memorySampler = new Worker(samplerScript, {
  eval: true,
  workerData: { root: process.pid },
});
memorySampler.unref();
const rss = { phase: '' };
const setPhase = (phase: string) => {
  rss.phase = phase;
  memorySampler.postMessage({ phase });
};
interface SamplerReport {
  rss: {
    peakTotalMb: number;
    peakNodeMb: number;
    peakStoresMb: number;
    peakPssMb: number;
    peakPhase: string;
  };
  phases: Record<string, PhaseMemory>;
  chromiumAtPeak: Record<string, { count: number; mb: number }>;
}
/** Stops the sampler and returns what it saw. */
async function samplerReport(): Promise<SamplerReport> {
  const report = new Promise<SamplerReport>((done, fail) => {
    memorySampler.once('message', done);
    memorySampler.once('error', fail);
  });
  memorySampler.postMessage({ report: true });
  try {
    return await report;
  } finally {
    await memorySampler.terminate();
  }
}
/** The stores' own account (`stats` on their control socket, every 2 s), largest per phase. */
const storesByPhase: Record<string, { heapUsedMb: number; rssMb: number; openIterators: number }> =
  {};
let storesAsking = false;
const storesSampler = setInterval(() => {
  if (storesAsking || !stack) return;
  storesAsking = true;
  const phase = rss.phase;
  stack
    .stats()
    .then((st) => {
      const q = (storesByPhase[phase] ??= { heapUsedMb: 0, rssMb: 0, openIterators: 0 });
      q.heapUsedMb = Math.max(q.heapUsedMb, Math.round(st.heapUsedMb));
      q.rssMb = Math.max(q.rssMb, Math.round(st.rssMb));
      q.openIterators = Math.max(q.openIterators, st.openIterators);
    })
    .catch(() => undefined)
    .finally(() => (storesAsking = false));
}, 2000);
storesSampler.unref();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length
    ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2
    : 0;
};
const ms = (x: number) => Math.round(x);
/** A GC performance entry's kind, named. */
function gcKind(kind: number | undefined): string {
  switch (kind) {
    case perfConstants.NODE_PERFORMANCE_GC_MINOR:
      return 'scavenge';
    case perfConstants.NODE_PERFORMANCE_GC_MAJOR:
      return 'mark-compact';
    case perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL:
      return 'incremental marking';
    case perfConstants.NODE_PERFORMANCE_GC_WEAKCB:
      return 'weak callbacks';
    default:
      return 'other';
  }
}
const log = (m: string) => process.stderr.write(`${m}\n`);

/** The Chromium executable our renderer found (the bare baseline launches the same one). */
let executableForBare = '';
/**
 * Bare Chromium for the baselines: the same executable and fonts (fontconfig), Chromium's own
 * defaults otherwise (no pool, no sandbox of requests, no heap cap, no page recycling).
 */
async function launchBare() {
  const fonts = await prepareFontconfig({ cacheDir: join(KEPT_CHROMIUM, 'fontconfig') });
  const browser = await puppeteer.launch({
    executablePath: executableForBare,
    args: chromium.args.filter((a) => a !== '--single-process' && !a.startsWith('--headless')),
    headless: 'shell',
    pipe: true,
    env: { ...process.env, ...fonts.env },
    defaultViewport: null,
  });
  // Its memory is counted apart (not ours); back to none when it closes.
  memorySampler.postMessage({ barePid: browser.process()?.pid ?? 0 });
  browser.once('disconnected', () => memorySampler.postMessage({ barePid: 0 }));
  return browser;
}
/** Bare puppeteer-core: `goto(file://…)` + `fonts.ready` + `page.pdf`, A4, footer, outline, tags. */
async function barePdf(page: import('puppeteer-core').Page, htmlPath: string) {
  await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  return page.pdf({
    format: 'A4',
    printBackground: true,
    preferCSSPageSize: true,
    displayHeaderFooter: true,
    headerTemplate: '<span></span>',
    footerTemplate: footerTemplate(DEFAULT_FOOTER),
    outline: true,
    tagged: true,
  });
}

// ---------------------------------------------------------------------------- the run

const state = mkdtempSync(join(benchTmp, 'state-'));
// eslint-disable-next-line prefer-const -- assigned once started; the stores' sampler reads it
let stack: LocalStack | undefined;
stack = await startLocalStack({ stateDir: state, inMemory: !DYNALITE_ON_DISK });
memorySampler.postMessage({ storesPid: stack.pid });
Object.assign(process.env, stack.env);
const launchLog: string[] = [];
const renderer = createChromiumRenderer({
  pagePoolSize: PAGES,
  chromiumDir: KEPT_CHROMIUM,
  log: (m) => launchLog.push(m),
  ...(process.env.BENCH_RENDERS_PER_PAGE
    ? { rendersPerPage: Number(process.env.BENCH_RENDERS_PER_PAGE) }
    : {}),
});
const config = loadConfig({ ...process.env, ...stack.env });
const services = createServices(config, { renderer });
await bootstrapStores(config, services.clients);
const counter = countDynamoRequests(services.clients.dynamodb);
const workDir = join(benchTmp, 'work');
const deps = {
  records: services.records,
  catalog: services.catalog,
  cycle: services.cycle,
  archive: services.archive,
  renderer,
  reference: services.reference,
  workDir,
  timeZone: config.timeZone,
};

const results: Record<string, unknown> = {
  startedAt: new Date().toISOString(),
  machine: { cpus: availableParallelism(), node: process.version, platform: process.platform },
  /** The V8 flags of this run, and the product's it does not run with (none in `npm run bench`). */
  nodeFlags: { given: process.execArgv, notTheProducts: flagsOff },
  settings: {
    zones: ZONES,
    pages: PAGES,
    warmRuns: WARM_RUNS,
    seed: SEED,
    dynalite: DYNALITE_ON_DISK ? 'leveldb' : 'memory',
  },
};

let memory: SamplerReport | undefined;
try {
  // Real data, as `npm start` loads it (not timed).
  setPhase('ingest real data');
  const recordsDir = join(ROOT, 'data', 'records');
  const files = [
    ...readdirSync(recordsDir)
      .filter((f) => f.endsWith('.csv'))
      .map((f) => join(recordsDir, f)),
    join(ROOT, 'data', 'articles.json'),
  ].map((name) => ({ name, bytes: new Uint8Array(readFileSync(name)) }));
  await ingestFiles({ records: services.records, reference: services.reference }, files);
  const period = await currentPeriod(services.records);

  // 1. Cold path.
  log('cold path …');
  setPhase('cold path');
  // The first-ever unpack, apart: what a fresh clone or a new Lambda container pays once.
  const fresh = await unpackedChromium(join(benchTmp, 'fresh-chromium'));
  rmSync(join(benchTmp, 'fresh-chromium'), { recursive: true, force: true });
  const c0 = performance.now();
  const kept = await unpackedChromium(KEPT_CHROMIUM);
  const executablePath = kept.executablePath;
  const c1 = performance.now();
  const first = await previewReport(
    deps,
    { kind: 'torch-bulletin', period },
    { date: new Date(), fileStem: 'cold' },
  );
  const c2 = performance.now();
  const launchMs = Number(/launch (\d+)ms/.exec(launchLog.join('\n'))?.[1] ?? NaN);
  const cold = {
    firstEverUnpackMs: ms(fresh.ms),
    keptDir: KEPT_CHROMIUM,
    unpackedThisRun: kept.unpacked,
    unpackMs: ms(c1 - c0),
    launchMs,
    firstBulletinMs: ms(c2 - c1),
    firstPdfMs: ms(first.timings.pdfMs),
    totalMs: ms(c2 - c0),
  };
  results.cold = cold;

  // 2. Warm bulletin, and its reads.
  log('warm bulletin …');
  setPhase('warm bulletin');
  const warm: {
    composeMs: number;
    htmlMs: number;
    pdfMs: number;
    passes: number;
    /** The PDF phase less its render calls' wall time (the same run's). */
    afterMs: number;
  }[] = [];
  const prints: {
    wallMs: number;
    loadMs: number;
    layoutMs: number;
    printMs: number;
    steps: PrintSteps;
  }[] = [];
  const watched = {
    async renderPdf(req: Parameters<typeof renderer.renderPdf>[0]) {
      const t0 = performance.now();
      const logged = launchLog.length;
      const out = await renderer.renderPdf(req);
      prints.push({
        wallMs: performance.now() - t0,
        loadMs: out.timings.loadMs,
        layoutMs: out.timings.layoutMs,
        printMs: out.timings.pdfMs,
        steps: printSteps(launchLog.slice(logged)),
      });
      return out;
    },
    close: () => renderer.close(),
  };
  // Baseline: bare Chromium prints the same final HTML (same fonts, page size, footer), in a
  // browser of its own, each print right after one of ours: drift of the machine (other work, CPU
  // frequency) falls on both alike. The first print of each warms its page up and is not counted.
  executableForBare = executablePath;
  const bare = await launchBare();
  const barePage = await bare.newPage();
  const bareRuns: number[] = [];
  let bareBytes = 0;
  let barePages = 0;
  const barePrint = async (htmlPath: string) => {
    const t0 = performance.now();
    const pdf = await barePdf(barePage, htmlPath);
    const elapsed = performance.now() - t0;
    bareBytes = pdf.byteLength;
    barePages = countPdfPages(pdf);
    await barePage.goto('about:blank');
    return elapsed;
  };
  await barePrint(first.htmlPath);
  let last = first;
  // Named: `bench:profile` summarises the Node thread over this function's samples.
  async function warmBulletins() {
    for (let i = 0; i < WARM_RUNS; i++) {
      // Alternately ours first and bare first.
      if (i % 2 === 1) bareRuns.push(await barePrint(last.htmlPath));
      const printed = prints.length;
      last = await previewReport(
        { ...deps, renderer: watched },
        { kind: 'torch-bulletin', period },
        { date: new Date(), fileStem: `warm-${i}` },
      );
      const calls = prints.slice(printed).reduce((sum, p) => sum + p.wallMs, 0);
      warm.push({ ...last.timings, passes: last.passes, afterMs: last.timings.pdfMs - calls });
      if (i % 2 === 0) bareRuns.push(await barePrint(last.htmlPath));
    }
  }
  await inWindow('warmBulletins', warmBulletins);
  await barePage.close();
  await bare.close();
  const bulletin = {
    period,
    composeMs: ms(median(warm.map((w) => w.composeMs))),
    htmlMs: ms(median(warm.map((w) => w.htmlMs))),
    pdfMs: ms(median(warm.map((w) => w.pdfMs))),
    passes: last.passes,
    printsPerBulletin: prints.length / WARM_RUNS,
    totalMs: ms(median(warm.map((w) => w.composeMs + w.htmlMs + w.pdfMs))),
    /** The PDF phase split: each pass loads the HTML and prints; the rest is post-processing. */
    perPass: {
      loadMs: ms(median(prints.map((p) => p.loadMs))),
      layoutMs: ms(median(prints.map((p) => p.layoutMs))),
      printMs: ms(median(prints.map((p) => p.printMs))),
      wallMs: ms(median(prints.map((p) => p.wallMs))),
      /** "print and finish" split (the renderer's log): page.pdf, cover, reading, finishing. */
      steps: medianSteps(prints.map((p) => p.steps)),
    },
    // Per run (its PDF phase less its own render calls), then the median: not the difference
    // of two medians taken over different runs.
    postProcessMs: ms(median(warm.map((w) => w.afterMs))),
    pdfBytes: last.pdf.byteLength,
    pages: last.pages,
  };

  // The cover, made on a released issue's first request (no print makes one): the same final
  // HTML loaded, laid out and captured on its own (`renderCover`), alternately with a render
  // call of it without a cover, WARM_RUNS times each.
  const alone: number[] = [];
  const uncovered: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    const at = {
      htmlPath: last.htmlPath,
      allowedRoots: [dirname(last.htmlPath), join(ROOT, 'templates')],
    };
    let t0 = performance.now();
    await renderer.renderCover({ ...at, width: COVER_WIDTH });
    alone.push(performance.now() - t0);
    t0 = performance.now();
    await renderer.renderPdf(at);
    uncovered.push(performance.now() - t0);
  }
  const cover = {
    firstRequestMs: ms(median(alone)),
    renderWithoutCoverMs: ms(median(uncovered)),
  };

  const barePdfMs = ms(median(bareRuns));
  results.bulletin = {
    ...bulletin,
    bare: { pdfMs: barePdfMs, pdfBytes: bareBytes, pages: barePages },
    ratioToBare: Number((bulletin.pdfMs / barePdfMs).toFixed(2)),
    cover,
  };

  // 3. DynamoDB requests of one published bulletin (reads and the catalog's writes).
  setPhase('publish bulletin');
  const reads = await counter.measure(() =>
    loadBulletinInputs({ records: services.records }, 'torch-bulletin', period),
  );
  const published = await counter.measure(() =>
    publishReport(deps, {
      kind: 'torch-bulletin',
      slotKey: `bench:${Date.now()}`,
      trigger: 'bench',
      releaseNow: { by: 'bench' },
      force: true,
    }),
  );
  results.dynamodb = { bulletinReads: reads.counts, bulletinPublish: published.counts };

  // 4. The synthetic dataset and every zone's profile.
  log(`synthetic dataset: ${ZONES} zones …`);
  setPhase('ingest synthetic');
  const synthConfig = loadConfig({ ...process.env, ...stack.env, ...SYNTHETIC_STORE_ENV });
  await bootstrapStores(synthConfig, services.clients);
  const synthRecords = createDynamoRecordStore(
    services.clients.documents,
    synthConfig.tables.records,
  );
  const i0 = performance.now();
  const seeded = await seedSynthetic({ records: synthRecords }, { seed: SEED, zones: ZONES });
  const ingestSeconds = (performance.now() - i0) / 1000;
  const i1 = performance.now();
  const reseeded = await seedSynthetic({ records: synthRecords }, { seed: SEED, zones: ZONES });
  const reingestSeconds = (performance.now() - i1) / 1000;
  results.ingest = {
    records: seeded.records,
    seconds: Number(ingestSeconds.toFixed(1)),
    recordsPerSecond: Math.round(seeded.records / ingestSeconds),
    rerunUnchanged: reseeded.unchanged,
    rerunSeconds: Number(reingestSeconds.toFixed(1)),
  };

  const reference = syntheticReference(ZONES);
  const synthDeps = {
    ...deps,
    records: synthRecords,
    catalog: createDynamoIssueCatalog(services.clients.documents, synthConfig.tables.issues),
    cycle: createDynamoLifecycleCatalog(services.clients.documents, synthConfig.tables.issues),
    reference,
    workDir: join(benchTmp, 'zones'),
  };
  const synthReads = await counter.measure(() =>
    loadBulletinInputs({ records: synthRecords }, 'torch-bulletin', '2024'),
  );

  log(`zone profiles: ${ZONES} zones, ${PAGES} pages …`);
  // What the ingest before left in this process's heap is garbage by now: collected first, so
  // the run's figures are the run's (`bulletin generate --all` starts in a process of its own).
  (globalThis as { gc?: () => void }).gc?.();
  setPhase('zone profiles');
  let printCalls = 0;
  let printMs = 0;
  /** The HTML file of every print of the run, in order: the bare baseline prints them again. */
  const printedHtml: string[] = [];
  const timedRenderer = {
    async renderPdf(req: Parameters<typeof renderer.renderPdf>[0]) {
      const t0 = performance.now();
      try {
        const out = await renderer.renderPdf(req);
        printedHtml.push(req.htmlPath);
        return out;
      } finally {
        printCalls++;
        printMs += performance.now() - t0;
      }
    },
    // Releases store what each cover is made from, as with the CLI's renderer (it makes covers).
    renderCover: (req: Parameters<typeof renderer.renderCover>[0]) => renderer.renderCover(req),
    close: () => renderer.close(),
  };
  // The split of the run: the application's steps (`step-times.ts`) and the stores' requests.
  const dynamoTimer = timeRequests(services.clients.dynamodb);
  const s3Timer = timeRequests(services.clients.s3);
  // Under `bench:profile`, the stores' process is profiled over the zone profiles too.
  if (STORES_PROFILE) await stack.profile('start');
  // How long the Node thread keeps Chromium's answers waiting: a print is a dozen round trips
  // to the browser, each answered only when the thread gets to it between other zones' work.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  // The garbage collector's pauses of the Node thread over the run, by kind (young generation:
  // scavenges; old: mark-compact, its incremental steps, weak callbacks).
  const gcPauses = new Map<string, { count: number; ms: number }>();
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = gcKind((e as { detail?: { kind?: number } }).detail?.kind);
      const g = gcPauses.get(kind) ?? { count: 0, ms: 0 };
      g.count++;
      g.ms += e.duration;
      gcPauses.set(kind, g);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const zoneLog0 = launchLog.length;
  const cpu0 = process.cpuUsage();
  const chromeCpu0 = childrenCpuSeconds(process.pid, stack.pid);
  const storesCpu0 = processCpuSeconds(stack.pid);
  const stopSteps = countSteps();
  const stopDynamo = dynamoTimer.start();
  const stopS3 = s3Timer.start();
  let lastShown = { done: -1, trouble: '0,0,0,0,0', at: 0 };
  /** When the run's first PDF came back from the renderer, s after the run began. */
  let firstPrintSeconds: number | undefined;
  const z0 = performance.now();
  const batch = await inWindow('zoneProfiles', () =>
    counter.measure(() =>
      runZoneBatch(
        { ...synthDeps, renderer: timedRenderer },
        {
          concurrency: JOBS,
          onProgress: (p) => {
            if (p.prints && firstPrintSeconds === undefined)
              firstPrintSeconds = (performance.now() - z0) / 1000;
            // Every 20 zones, and whatever goes wrong meanwhile (prints made again, failures,
            // retries, the browser lost) at most every 5 s: a run that prints without finishing
            // says so.
            const trouble = [p.reprints, p.renderFailures, p.retries, p.failed, p.browserLosses]
              .map((n) => n ?? 0)
              .join();
            const now = performance.now();
            const doneChanged = p.done !== lastShown.done;
            if (
              (doneChanged && (p.done % 20 === 0 || p.done === p.total)) ||
              (trouble !== lastShown.trouble && now - lastShown.at > 5000)
            ) {
              const detail = batchDetail(p);
              log(`  ${p.done}/${p.total}${detail ? `  ${detail}` : ''}`);
              lastShown = { done: p.done, trouble, at: now };
            }
          },
        },
      ),
    ),
  );
  const zonesSeconds = (performance.now() - z0) / 1000;
  const steps = stopSteps();
  const dynamoTimes = stopDynamo();
  const s3Times = stopS3();
  dynamoTimer.detach();
  s3Timer.detach();
  loopDelay.disable();
  gcObserver.disconnect();
  const zoneSteps = launchLog
    .slice(zoneLog0)
    .map((l) =>
      /load (\d+)ms, layout (\d+)ms, pdf (\d+)ms \(page\.pdf (\d+), numbers \d+, cover (\d+), read (\d+), finish (\d+)\)/.exec(
        l,
      ),
    )
    .filter((m) => m !== null);
  const stepMedian = (i: number) => ms(median(zoneSteps.map((m) => Number(m[i]))));
  const stepSum = (i: number) => zoneSteps.reduce((sum, m) => sum + Number(m[i]), 0);
  const cpu = process.cpuUsage(cpu0);
  const chromeCpu = childrenCpuSeconds(process.pid, stack.pid) - chromeCpu0;
  const storesCpu = processCpuSeconds(stack.pid) - storesCpu0;
  if (STORES_PROFILE) {
    mkdirSync(STORES_PROFILE, { recursive: true });
    const file = join(
      STORES_PROFILE,
      `stores.${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`,
    );
    await stack.profile({ stop: file });
    log(`stores' CPU profile over the zone profiles: ${file}`);
  }
  const rendered = batch.result.outcomes.filter((o) => o.status === 'rendered');
  const rerun = await counter.measure(() =>
    runZoneBatch({ ...synthDeps, renderer: timedRenderer }, { concurrency: JOBS }),
  );

  // What a profile's release put to S3 (its files under issues/), by part: the bytes the stores
  // received, hashed and wrote, and the Node thread hashed and sent.
  const releasedIds = new Set(rendered.map((o) => o.issueId));
  const putBytes: Record<string, number> = {};
  for await (const o of services.archive.list('issues/')) {
    const owner = archiveKeyOwner(o.key);
    if (!owner || !('issueId' in owner) || !releasedIds.has(owner.issueId)) continue;
    const part = o.key.replace(/^.*-[0-9a-f]{16}/, '');
    putBytes[part] = (putBytes[part] ?? 0) + o.bytes / Math.max(rendered.length, 1);
  }

  // The covers, each made on its issue's first request (`issue-cover.ts`, as `bulletin serve`
  // and the cover function make it): the source read and checked, the HTML loaded, laid out and
  // captured, the PNG stored and recorded. One at a time, for the first profiles released.
  setPhase('first cover requests');
  const makeCover = localCoverMaker({
    archive: services.archive,
    catalog: synthDeps.catalog,
    renderer,
    workDir: join(benchTmp, 'covers'),
  });
  const coverRequests: number[] = [];
  const coverCpu0 = process.cpuUsage();
  for (const o of rendered.slice(0, Math.min(COVER_REQUESTS, rendered.length))) {
    const issue = await synthDeps.catalog.get(o.issueId!);
    const t0 = performance.now();
    const made = await makeCover(issue!);
    coverRequests.push(performance.now() - t0);
    if (!made?.coverKeys?.png) throw new Error(`no cover recorded for ${o.issueId}`);
  }
  const coverCpu = process.cpuUsage(coverCpu0);
  const firstCovers = {
    count: coverRequests.length,
    medianMs: ms(median(coverRequests)),
    nodeCpuMsEach: Math.round(
      (coverCpu.user + coverCpu.system) / 1000 / Math.max(coverRequests.length, 1),
    ),
  };

  // The bare baseline of the whole run: the same final HTML files, printed by bare puppeteer-core
  // `page.pdf` on as many tabs as our pool has pages, after ours (our browser closed first).
  log(`bare baseline: ${printedHtml.length} prints on ${PAGES} tabs …`);
  await renderer.close();
  (globalThis as { gc?: () => void }).gc?.();
  setPhase('bare baseline');
  const bareRun = await launchBare();
  const bareQueue = [...printedHtml];
  let barePrinted = 0;
  // Bare Chromium's CPU over the same prints (its tabs' renderers, reaped by its browser, count
  // in the browser's own children time): what printing these files costs without us.
  const bareCpu0 = childrenCpuSeconds(process.pid, stack.pid);
  const bareBatch0 = performance.now();
  await Promise.all(
    Array.from({ length: PAGES }, async () => {
      const tab = await bareRun.newPage();
      for (let html = bareQueue.shift(); html; html = bareQueue.shift()) {
        await barePdf(tab, html);
        barePrinted++;
      }
      await tab.close();
    }),
  );
  const bareBatchSeconds = (performance.now() - bareBatch0) / 1000;
  const bareChromiumCpu = childrenCpuSeconds(process.pid, stack.pid) - bareCpu0;
  await bareRun.close();
  setPhase('after');
  const perProfile = (x: number) => Math.round(x / Math.max(rendered.length, 1));
  const rendererMs = stepSum(1) + stepSum(2) + stepSum(3);
  /** Time summed over the zones in flight, per profile (ms); see `split` in the report below. */
  const split = {
    compose: perProfile(steps.compose?.ms ?? 0),
    hash: perProfile(steps.hash?.ms ?? 0),
    dataFiles: perProfile(steps['data files']?.ms ?? 0),
    workbook: perProfile(steps.workbook?.ms ?? 0),
    html: perProfile(steps.html?.ms ?? 0),
    webEdition: perProfile(steps['web edition']?.ms ?? 0),
    cover: perProfile(stepSum(5)),
    printing: perProfile(rendererMs - stepSum(5)),
    waitingForPage: perProfile(printMs - rendererMs),
    dynamodb: perProfile(dynamoTimes.ms),
    dynamodbRequests: Number((dynamoTimes.count / Math.max(rendered.length, 1)).toFixed(1)),
    s3: perProfile(s3Times.ms),
    s3Requests: Number((s3Times.count / Math.max(rendered.length, 1)).toFixed(1)),
    /** A job's wall time (render and store, from `runZoneBatch`'s outcomes), for comparison. */
    job: perProfile(rendered.reduce((sum, o) => sum + (o.ms ?? 0), 0)),
  };
  results.zoneProfiles = {
    zones: ZONES,
    rendered: batch.result.summary.rendered,
    failed: batch.result.summary.failed,
    failures: batch.result.summary.failures,
    totalSeconds: Number(zonesSeconds.toFixed(1)),
    planSeconds: Number((batch.result.timings.planMs / 1000).toFixed(1)),
    firstPrintSeconds: Number((firstPrintSeconds ?? NaN).toFixed(2)),
    perSecond: Number((rendered.length / zonesSeconds).toFixed(2)),
    avgPages: Number(median(rendered.map((o) => o.pages ?? 0)).toFixed(1)),
    avgPdfBytes: Math.round(median(rendered.map((o) => o.bytes ?? 0))),
    /** Bytes a profile's release put to S3, by part (`.pdf`, `.html`, `-data.json.br` …). */
    putBytes: Object.fromEntries(
      Object.entries(putBytes)
        .sort(([, a], [, b]) => b - a)
        .map(([k, v]) => [k, Math.round(v)]),
    ),
    printCallsPerProfile: Number((printCalls / Math.max(rendered.length, 1)).toFixed(2)),
    printSecondsPerProfile: Number((printMs / 1000 / Math.max(rendered.length, 1)).toFixed(2)),
    /** Medians of the renderer's own split of each print (its log), in ms. */
    printSteps: {
      loadMs: stepMedian(1),
      layoutMs: stepMedian(2),
      pdfMs: stepMedian(3),
      pageMs: stepMedian(4),
      coverMs: stepMedian(5),
      readMs: stepMedian(6),
      finishMs: stepMedian(7),
    },
    /** The Node thread's event-loop delay over the run (ms). */
    eventLoopDelayMs: {
      mean: Number((loopDelay.mean / 1e6).toFixed(1)),
      p50: Number((loopDelay.percentile(50) / 1e6).toFixed(1)),
      p99: Number((loopDelay.percentile(99) / 1e6).toFixed(1)),
      max: Number((loopDelay.max / 1e6).toFixed(1)),
    },
    /** The GC's pauses of the Node thread over the run, by kind: count and seconds. */
    gcPauses: Object.fromEntries(
      [...gcPauses].map(([k, g]) => [
        k,
        { count: g.count, seconds: Number((g.ms / 1000).toFixed(2)) },
      ]),
    ),
    cpuSeconds: {
      node: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
      chromium: Number(chromeCpu.toFixed(1)),
      stores: Number(storesCpu.toFixed(1)),
      cores: availableParallelism(),
      busyShare: Number(
        (
          (((cpu.user + cpu.system) / 1e6 + chromeCpu + storesCpu) /
            (zonesSeconds * availableParallelism())) *
          100
        ).toFixed(0),
      ),
    },
    dynamodb: {
      total: batch.counts.total,
      perProfile: Number((batch.counts.total / Math.max(rendered.length, 1)).toFixed(1)),
      byCommand: batch.counts.byCommand,
    },
    split,
    firstCovers,
    bare: {
      prints: barePrinted,
      tabs: PAGES,
      seconds: Number(bareBatchSeconds.toFixed(1)),
      ratio: Number((zonesSeconds / bareBatchSeconds).toFixed(2)),
      chromiumCpuSeconds: Number(bareChromiumCpu.toFixed(1)),
    },
    rerun: {
      seconds: Number((rerun.result.summary.elapsedMs / 1000).toFixed(1)),
      rendered: rerun.result.summary.rendered,
      skipped: rerun.result.summary.skipped,
      dynamodb: rerun.counts.total,
    },
  };
  (results.dynamodb as Record<string, unknown>).bulletinReadsSynthetic = synthReads.counts;
} finally {
  memory = await samplerReport().catch((err: unknown) => {
    log(`memory sampler: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  });
  clearInterval(storesSampler);
  counter.detach();
  await services.close();
  await stack.stop();
}

if (!memory) throw new Error('the memory sampler gave no figures');
results.peakRss = {
  totalMb: Math.round(memory.rss.peakTotalMb),
  pssMb: Math.round(memory.rss.peakPssMb),
  nodeMb: Math.round(memory.rss.peakNodeMb),
  storesMb: Math.round(memory.rss.peakStoresMb),
  phase: memory.rss.peakPhase,
  byPhase: memory.phases,
  chromiumAtPeak: memory.chromiumAtPeak,
  storesByPhase,
  /** The bare baselines' browser at its largest (never in the sums above). */
  bareMb: Math.max(0, ...Object.values(memory.phases).map((m) => m.barePeakMb)),
};

// ---------------------------------------------------------------------------- report

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const r = results as Any;
const peakAt = r.peakRss.byPhase[r.peakRss.phase] as PhaseMemory;
const target = (ok: boolean, text: string) => `${ok ? 'met   ' : 'MISSED'} ${text}`;
const lines = [
  `Torch Bulletin benchmark — ${r.machine.cpus} cores, Node ${r.machine.node}, ${r.settings.pages} pages; V8 flags ${r.nodeFlags.given.join(' ')}${r.nodeFlags.notTheProducts.length ? ` — NOT the product's: ${r.nodeFlags.notTheProducts.join(' ')} missing or other` : " (the product's)"}`,
  '',
  `cold path            Chromium ${r.cold.unpackedThisRun ? 'unpacked' : 'found unpacked (version stamp checked)'} ${r.cold.unpackMs} ms + first bulletin ${r.cold.firstBulletinMs} ms (launch ${r.cold.launchMs} ms, pdf ${r.cold.firstPdfMs} ms) = ${r.cold.totalMs} ms`,
  `  first-ever unpack  ${r.cold.firstEverUnpackMs} ms into a fresh folder (a fresh clone or a new Lambda container, once; kept in ${r.cold.keptDir})`,
  `warm bulletin        compose ${r.bulletin.composeMs} ms · html ${r.bulletin.htmlMs} ms · pdf ${r.bulletin.pdfMs} ms (${r.bulletin.passes} passes) = ${r.bulletin.totalMs} ms`,
  `  pdf phase          ${r.bulletin.printsPerBulletin} print(s) × (load ${r.bulletin.perPass.loadMs} ms + layout (tables fitted) ${r.bulletin.perPass.layoutMs} ms + print and finish ${r.bulletin.perPass.printMs} ms; ${r.bulletin.perPass.wallMs} ms per render call) + ${r.bulletin.postProcessMs} ms after (the PDF written; the HTML with the page numbers is written after it, in the html phase)`,
  `    print and finish page.pdf ${r.bulletin.perPass.steps.pageMs} ms + page numbers written ${r.bulletin.perPass.steps.numbersMs} ms + cover ${r.bulletin.perPass.steps.coverMs} ms (none in a preview) + PDF read ${r.bulletin.perPass.steps.readMs} ms + finished ${r.bulletin.perPass.steps.finishMs} ms (ToUnicode, Info, XMP, attached CSV)`,
  `bare page.pdf        ${r.bulletin.bare.pdfMs} ms for the same final HTML → ours ${r.bulletin.ratioToBare}× (pdf phase)`,
  `  cover              made on the first request, not in any print: ${r.bulletin.cover.firstRequestMs} ms on its own (load, layout, capture of the final HTML) against ${r.bulletin.cover.renderWithoutCoverMs} ms for a render call of it`,
  `bulletin PDF         ${r.bulletin.pages} pages, ${(r.bulletin.pdfBytes / 1e6).toFixed(2)} MB (bare: ${r.bulletin.bare.pages} pages, ${(r.bulletin.bare.pdfBytes / 1e6).toFixed(2)} MB)`,
  `DynamoDB / bulletin  reads ${r.dynamodb.bulletinReads.total} (${JSON.stringify(r.dynamodb.bulletinReads.byCommand)}); 178-zone synthetic: ${r.dynamodb.bulletinReadsSynthetic.logical} + ${r.dynamodb.bulletinReadsSynthetic.continuationPages} continuation pages; publish total ${r.dynamodb.bulletinPublish.total} (${JSON.stringify(r.dynamodb.bulletinPublish.byCommand)})`,
  `ingest (synthetic)   ${r.ingest.records} records in ${r.ingest.seconds} s (${r.ingest.recordsPerSecond}/s); re-run ${r.ingest.rerunUnchanged} unchanged in ${r.ingest.rerunSeconds} s`,
  `zone profiles        ${r.zoneProfiles.rendered}/${r.zoneProfiles.zones} in ${r.zoneProfiles.totalSeconds} s (plan ${r.zoneProfiles.planSeconds} s, first PDF after ${r.zoneProfiles.firstPrintSeconds} s) = ${r.zoneProfiles.perSecond}/s; ${r.zoneProfiles.failed} failed`,
  `  per profile        ${r.zoneProfiles.avgPages} pages, ${(r.zoneProfiles.avgPdfBytes / 1e3).toFixed(0)} kB, ${r.zoneProfiles.printCallsPerProfile} prints, ${r.zoneProfiles.printSecondsPerProfile} s printing, ${r.zoneProfiles.dynamodb.perProfile} DynamoDB requests`,
  `  S3 put a profile   ${(Object.values(r.zoneProfiles.putBytes as Record<string, number>).reduce((a, b) => a + b, 0) / 1e3).toFixed(0)} kB: ${Object.entries(
    r.zoneProfiles.putBytes as Record<string, number>,
  )
    .map(([part, bytes]) => `${part} ${(bytes / 1e3).toFixed(0)} kB`)
    .join(' · ')} (the release's files; covers and workbooks are made on first request)`,
  `  per print          load ${r.zoneProfiles.printSteps.loadMs} + layout ${r.zoneProfiles.printSteps.layoutMs} + pdf ${r.zoneProfiles.printSteps.pdfMs} ms (page.pdf ${r.zoneProfiles.printSteps.pageMs}, cover ${r.zoneProfiles.printSteps.coverMs}, read ${r.zoneProfiles.printSteps.readMs}, finish ${r.zoneProfiles.printSteps.finishMs}) in the renderer (medians); the rest of ${Math.round(r.zoneProfiles.printSecondsPerProfile * 1000)} ms a call is waiting for a page`,
  `  event loop delay   mean ${r.zoneProfiles.eventLoopDelayMs.mean} ms, p50 ${r.zoneProfiles.eventLoopDelayMs.p50}, p99 ${r.zoneProfiles.eventLoopDelayMs.p99}, max ${r.zoneProfiles.eventLoopDelayMs.max} ms (each of a print's round trips to Chromium waits as long for the Node thread)`,
  `  CPU                node ${r.zoneProfiles.cpuSeconds.node} s + chromium ${r.zoneProfiles.cpuSeconds.chromium} s + stores ${r.zoneProfiles.cpuSeconds.stores} s = ${r.zoneProfiles.cpuSeconds.busyShare}% of ${r.zoneProfiles.cpuSeconds.cores} cores`,
  `  GC pauses          ${Object.entries(
    r.zoneProfiles.gcPauses as Record<string, { count: number; seconds: number }>,
  )
    .map(([k, g]) => `${k} ${g.count}× ${g.seconds} s`)
    .join(
      ' · ',
    )} (the Node thread stopped for the garbage collector; its helper threads' CPU is in node's CPU above)`,
  `  bare baseline      the same ${r.zoneProfiles.bare.prints} final HTML files printed by bare puppeteer-core page.pdf (goto + fonts.ready + page.pdf) on ${r.zoneProfiles.bare.tabs} tabs after ours: ${r.zoneProfiles.bare.seconds} s → ours ${r.zoneProfiles.bare.ratio}× bare; its Chromium's CPU ${r.zoneProfiles.bare.chromiumCpuSeconds} s (ours ${r.zoneProfiles.cpuSeconds.chromium} s)`,
  `  split              per profile, ms, summed over the ${JOBS} zones in flight: compose ${r.zoneProfiles.split.compose} · hash ${r.zoneProfiles.split.hash} · data files ${r.zoneProfiles.split.dataFiles} + workbook ${r.zoneProfiles.split.workbook} · html ${r.zoneProfiles.split.html} · web edition ${r.zoneProfiles.split.webEdition} · stores: DynamoDB ${r.zoneProfiles.split.dynamodb} (${r.zoneProfiles.split.dynamodbRequests} requests) + S3 ${r.zoneProfiles.split.s3} (${r.zoneProfiles.split.s3Requests} requests) · printing ${r.zoneProfiles.split.printing} + cover ${r.zoneProfiles.split.cover} · waiting for a page ${r.zoneProfiles.split.waitingForPage} (a job's wall time ${r.zoneProfiles.split.job} ms: the steps overlap other zones' work, and each waits for the Node thread)`,
  `  first covers       ${r.zoneProfiles.firstCovers.count} made on their first request, one at a time after the run: ${r.zoneProfiles.firstCovers.medianMs} ms each (median: source read and checked, HTML loaded, laid out, captured, PNG stored and recorded; Node CPU ${r.zoneProfiles.firstCovers.nodeCpuMsEach} ms each) — none in the prints above (cover ${r.zoneProfiles.split.cover})`,
  `  re-run             ${r.zoneProfiles.rerun.rendered} rendered, ${r.zoneProfiles.rerun.skipped} skipped in ${r.zoneProfiles.rerun.seconds} s (${r.zoneProfiles.rerun.dynamodb} DynamoDB requests)`,
  `peak memory          RSS sum ${r.peakRss.totalMb} MB (during ${r.peakRss.phase}; the baselines' bare browser not counted: ${r.peakRss.bareMb} MB at most), PSS sum ${r.peakRss.pssMb} MB; peaks of each alone: node ${r.peakRss.nodeMb} MB, stores ${r.peakRss.storesMb} MB (dynalite on ${r.settings.dynalite})`,
  `  at the peak        node ${peakAt.nodeMb} + stores ${peakAt.storesMb} + chromium ${peakAt.chromiumMb} + other ${peakAt.otherMb} MB (${Object.entries(
    r.peakRss.chromiumAtPeak as Record<string, { count: number; mb: number }>,
  )
    .sort((a, b) => b[1].mb - a[1].mb)
    // A kind's processes summed: `renderer 460 (2 processes)` is two renderers of ≈ 230 MB.
    .map(([k, v]) => `${k} ${v.mb}${v.count > 1 ? ` (${v.count} processes)` : ''}`)
    .join(', ')})`,
  `  stores' own        ${Object.entries(
    r.peakRss.storesByPhase as Record<
      string,
      { heapUsedMb: number; rssMb: number; openIterators: number }
    >,
  )
    .map(([k, v]) => `${k || 'start'}: heap ${v.heapUsedMb}/rss ${v.rssMb}/${v.openIterators} it.`)
    .join(' · ')} (largest per phase: V8 heap used / RSS MB / open iterators)`,
  `  by phase           ${Object.entries(r.peakRss.byPhase as Record<string, PhaseMemory>)
    .map(
      ([k, v]) =>
        `${k || 'start'}: ${v.rssMb}/${v.pssMb} (${v.nodeMb}+${v.storesMb}+${v.chromiumMb}+${v.otherMb})`,
    )
    .join(' · ')} (RSS/PSS MB; RSS at the peak: node + stores + chromium + other)`,
  '',
  'targets',
  `  ${target(r.zoneProfiles.bare.ratio <= 1.5, `all ${r.zoneProfiles.zones} zone profiles ≤ 1.5× the bare baseline: ${r.zoneProfiles.bare.ratio}× (${r.zoneProfiles.totalSeconds} vs ${r.zoneProfiles.bare.seconds} s)`)}`,
  `  ${target(r.peakRss.totalMb <= 1536, `peak RSS sum ≤ 1.5 GB over the whole bench: ${r.peakRss.totalMb} MB during ${r.peakRss.phase} (sum of RSS, the baselines' bare browser apart: ${r.peakRss.bareMb} MB at most; PSS ${r.peakRss.pssMb} MB)`)}`,
  `  ${target(r.bulletin.ratioToBare <= 1.15, `warm bulletin PDF phase ≤ 1.15× bare page.pdf: ${r.bulletin.ratioToBare}× (${r.bulletin.pdfMs} vs ${r.bulletin.bare.pdfMs} ms, ${r.bulletin.printsPerBulletin} print)`)}`,
  `  ${target(r.cold.totalMs <= 2500, `cold path ≤ 2.5 s: ${(r.cold.totalMs / 1000).toFixed(2)} s`)}`,
  `  ${target(r.zoneProfiles.rerun.seconds <= 5, `re-run with nothing changed ≤ 5 s: ${r.zoneProfiles.rerun.seconds} s`)}`,
  `  ${target(r.ingest.seconds <= 60, `synthetic ingest of ${r.ingest.records} records ≤ 60 s: ${r.ingest.seconds} s`)}`,
  `  ${target(r.bulletin.pdfBytes <= 1.5e6, `${r.bulletin.pages}-page bulletin ≤ 1.5 MB: ${(r.bulletin.pdfBytes / 1e6).toFixed(2)} MB`)}`,
  ...whatBounds(r.zoneProfiles, r.bulletin, {
    totalMb: r.peakRss.totalMb,
    phase: r.peakRss.phase,
    at: peakAt,
    chromiumAtPeak: r.peakRss.chromiumAtPeak,
  }),
];
console.log(lines.join('\n'));
mkdirSync(join(ROOT, 'bench'), { recursive: true });
const out = join(ROOT, 'bench', `results-${r.startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nfigures: ${out}`);
if (CPU_PROFILE_DIR) {
  mkdirSync(CPU_PROFILE_DIR, { recursive: true });
  writeFileSync(
    join(CPU_PROFILE_DIR, `phases.${process.pid}.json`),
    `${JSON.stringify(phaseWindows)}\n`,
  );
}
// Separate phase (bench/lambda-cold.ts); it makes its folders under TMPDIR, which is benchTmp.
await (await import('./lambda-cold.ts')).runLambdaColdPhase(log);
// The 1 M-row ingest (issue 26.3), in a process of its own so that its peak RSS is its alone:
// a CSV of 1 000 000 rows validated as `bulletin ingest` validates it (read as a stream).
// `BENCH_INGEST_1M=0` skips it; `BENCH_INGEST_STORE=1 npm run bench:ingest` stores them too
// (about 20 minutes: see bench/README.md).
if (process.env.BENCH_INGEST_1M !== '0') {
  log('ingest of 1 M rows (validation, a process of its own) …');
  const child = spawnSync(
    process.execPath,
    [...NODE_FLAGS, '--import', 'tsx', join(ROOT, 'bench', 'ingest-1m.ts')],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, BENCH_INGEST_STORE: '0' },
    },
  );
  if (child.status !== 0) log(`ingest of 1 M rows: exit ${child.status ?? child.signal}`);
}
rmSync(benchTmp, { recursive: true, force: true });
