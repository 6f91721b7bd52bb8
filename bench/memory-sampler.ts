/**
 * The bench's memory sampler, on a worker thread of its own: every 100 ms the RSS of the bench
 * process and all its descendants (from /proc), every 2 s their PSS; per phase the peak and what
 * each process held at it. On the bench's own thread it cost ≈ 2 % of the zone profiles' run
 * (reading /proc synchronously between the renders it measured); here it runs beside them.
 *
 * Messages in: `{ storesPid }`, `{ barePid }` (the baselines' bare browser, 0 once closed: its
 * processes are counted apart, never in the sum), `{ phase }`, `{ report: true }` (answered
 * with the figures).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const ROOT_PID = (workerData as { root: number }).root;
/**
 * Memory (kB) of a process and all its descendants, from /proc: the sum of RSS (shared pages
 * counted once per process: Chromium's processes share most of theirs) and the sum of PSS
 * (shared pages split between the processes sharing them: what the tree really uses), split
 * into this process (`self`), the local stores' process (`stores`) and the rest (Chromium's
 * processes, `pids` with their RSS, classified only when a sample is a new peak).
 */
/** The kernel's page size in kB (statm counts pages). */
const PAGE_KB = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) / 1024;

function treeRssKb(
  root: number,
  withPss: boolean,
  storesPid: number,
): {
  total: number;
  self: number;
  stores: number;
  bare: number;
  pss: number | undefined;
  others: [number, number][];
} {
  const children = descendants();
  let self = 0;
  let stores = 0;
  let total = 0;
  let pss = 0;
  let bare = 0;
  const others: [number, number][] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    if (barePid && pid === barePid) {
      bare = subtreeRssKb(pid, children);
      continue;
    }
    try {
      // statm's second field: resident pages (one short line; `status` is ≈ 1.5 kB to parse).
      const statm = readFileSync(`/proc/${pid}/statm`, 'utf8');
      const kb = Number(statm.split(' ')[1] ?? 0) * PAGE_KB;
      total += kb;
      if (pid === root) self = kb;
      else if (pid === storesPid) stores = kb;
      else others.push([pid, kb]);
      if (withPss) {
        const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
        pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      }
    } catch {
      // gone
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return { total, self, stores, bare, pss: withPss ? pss : undefined, others };
}

/** RSS (kB) of a process and its descendants, summed. */
function subtreeRssKb(root: number, children: Map<number, number[]>): number {
  let kb = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    try {
      kb += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1] ?? 0) * PAGE_KB;
    } catch {
      // gone
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return kb;
}

/** What a descendant is: Chromium's `--type=` (renderer, utility, …), `browser`, or its name. */
const kinds = new Map<number, string>();
function processKind(pid: number): string {
  let kind = kinds.get(pid);
  if (kind === undefined) kinds.set(pid, (kind = readKind(pid)));
  return kind;
}
function readKind(pid: number): string {
  try {
    // Chromium rewrites its command line as one string (spaces, not NULs).
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const type = /--type=([\w-]+)/.exec(cmdline)?.[1];
    if (type) return type;
    const exe = cmdline.split(/[\0 ]/)[0];
    if (!exe) return 'gone'; // a process that has exited (no command line left)
    return /chrom/i.test(exe) ? 'browser' : exe.split('/').pop()!;
  } catch {
    return 'gone';
  }
}

/**
 * The process tree (parent → children), rescanned from every /proc entry at most once a
 * second: scanning every process of the machine every 100 ms, with PSS from `smaps_rollup`,
 * took 18 % of this (single) thread's CPU in a profiled run and slowed what it measured.
 */
let tree: { at: number; children: Map<number, number[]> } | undefined;
function descendants(): Map<number, number[]> {
  if (tree && performance.now() - tree.at < 1000) return tree.children;
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // the process ended meanwhile
    }
  }
  tree = { at: performance.now(), children };
  return children;
}

const rss = {
  peakTotalMb: 0,
  peakNodeMb: 0,
  peakStoresMb: 0,
  peakPssMb: 0,
  phase: '' as string,
  peakPhase: '',
};
let storesPid = 0;
let barePid = 0;
/**
 * Per phase: the peak RSS sum and PSS sum (MB), and at the sample of that RSS peak what each
 * process held: this Node process, the stores' process, Chromium (the other descendants).
 */
interface PhaseMemory {
  rssMb: number;
  pssMb: number;
  nodeMb: number;
  storesMb: number;
  chromiumMb: number;
  /** tsx's esbuild service (the bench runs through tsx; the CLI does not). */
  otherMb: number;
  /** The baselines' bare browser at that sample (not in `rssMb`), and its own peak. */
  bareMb: number;
  barePeakMb: number;
}
/** Chromium's processes are those not named after another program (esbuild, node). */
const isChromium = (kind: string) => kind !== 'esbuild' && kind !== 'node' && kind !== 'gone';
const phases: Record<string, PhaseMemory> = {};
/** Chromium's processes at the run's RSS peak: kind → count and RSS (MB). */
let chromiumAtPeak: Record<string, { count: number; mb: number }> = {};
let samples = 0;
const mb = (kb: number) => Math.round(kb / 1024);
const sampler = setInterval(() => {
  // RSS every 100 ms; PSS (a walk of every mapping in the kernel) every 2 s.
  const { total, self, stores, bare, pss, others } = treeRssKb(
    ROOT_PID,
    samples++ % 20 === 0,
    storesPid,
  );
  const p = (phases[rss.phase] ??= {
    rssMb: 0,
    pssMb: 0,
    nodeMb: 0,
    storesMb: 0,
    chromiumMb: 0,
    otherMb: 0,
    bareMb: 0,
    barePeakMb: 0,
  });
  p.barePeakMb = Math.max(p.barePeakMb, mb(bare));
  if (mb(total) > p.rssMb) {
    let chromium = 0;
    let other = 0;
    for (const [pid, kb] of others) {
      if (isChromium(processKind(pid))) chromium += kb;
      else other += kb;
    }
    Object.assign(p, {
      rssMb: mb(total),
      nodeMb: mb(self),
      storesMb: mb(stores),
      chromiumMb: mb(chromium),
      otherMb: mb(other),
      bareMb: mb(bare),
    });
  }
  if (pss !== undefined) {
    p.pssMb = Math.max(p.pssMb, mb(pss));
    rss.peakPssMb = Math.max(rss.peakPssMb, pss / 1024);
  }
  if (total / 1024 > rss.peakTotalMb) {
    rss.peakTotalMb = total / 1024;
    rss.peakPhase = rss.phase;
    // A new peak (rare once the run is under way): name Chromium's processes.
    chromiumAtPeak = {};
    for (const [pid, kb] of others) {
      const k = (chromiumAtPeak[processKind(pid)] ??= { count: 0, mb: 0 });
      k.count++;
      k.mb += mb(kb);
    }
  }
  rss.peakNodeMb = Math.max(rss.peakNodeMb, self / 1024);
  rss.peakStoresMb = Math.max(rss.peakStoresMb, stores / 1024);
}, 100);

export type { PhaseMemory };

interface Message {
  storesPid?: number;
  barePid?: number;
  phase?: string;
  report?: boolean;
}
parentPort!.on('message', (m: Message) => {
  if (m.storesPid !== undefined) storesPid = m.storesPid;
  if (m.barePid !== undefined) barePid = m.barePid;
  if (m.phase !== undefined) rss.phase = m.phase;
  if (m.report) {
    clearInterval(sampler);
    parentPort!.postMessage({ rss, phases, chromiumAtPeak });
  }
});
