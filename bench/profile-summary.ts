/**
 * Where the Node thread's time went, from a V8 CPU profile (`node --cpu-prof`). `npm run
 * bench:profile` writes the profile of a whole bench run to `bench/profiles/` and then prints
 * this summary of its newest main-thread profile, over the zone profiles' run (the samples in the
 * window the bench wrote for that phase, `phases.<pid>.json` beside the profile — by time, since
 * an async function's own frames are on the stack only for its synchronous steps):
 *
 * - self time by package or project folder, with the garbage collector and idle time apart;
 * - the top functions by self time, each with the nearest project function that called it;
 * - inclusive time of project functions (`functions/…`), each counted once per sample.
 *
 * It then prints the Node thread over the warm bulletins (`--window warmBulletins`: ours and the
 * bare baseline's prints, interleaved) and the stores' process over the zone profiles
 * (`--latest-stores --all`).
 *
 *   npx tsx bench/profile-summary.ts [<file>.cpuprofile | --latest | --latest-stores] [--window <phase or function> | --all] [--top N]
 *
 * `--window`: a phase the bench wrote (`zoneProfiles`, the default; `warmBulletins`), else a
 * function: from the first to the last sample with it on the stack.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    latest: { type: 'boolean', default: false },
    'latest-stores': { type: 'boolean', default: false },
    window: { type: 'string', default: 'zoneProfiles' },
    all: { type: 'boolean', default: false },
    top: { type: 'string', default: '20' },
  },
});
const PROFILES = resolve(import.meta.dirname, 'profiles');

/**
 * The newest profile of the bench's main thread (`CPU.<date>.<time>.<pid>.0.<n>.cpuprofile`), or
 * of the stores' process over the zone profiles (`stores.<time>.cpuprofile`).
 */
function latestProfile(stores: boolean): string {
  const name = stores ? /^stores\..*\.cpuprofile$/ : /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/;
  const main = readdirSync(PROFILES)
    .filter((f) => name.test(f))
    .map((f) => join(PROFILES, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!main[0]) throw new Error(`no ${stores ? "stores' " : 'main-thread '}profile in ${PROFILES}`);
  return main[0];
}

const file =
  values['latest-stores'] || values.latest || !positionals[0]
    ? latestProfile(values['latest-stores'] === true)
    : positionals[0];
const top = Number(values.top);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** The ancestors of a node, itself first. */
function* stackOf(id: number): Generator<ProfileNode> {
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) yield byId.get(at)!;
}

/**
 * The phases' windows the bench wrote beside a profile of its main thread (`phases.<pid>.json`,
 * on the profile's own clock), if any.
 */
function phasesOf(profileFile: string): Record<string, [number, number]> {
  const pid = /^CPU\.\d+\.\d+\.(\d+)\./.exec(basename(profileFile))?.[1];
  try {
    return pid
      ? (JSON.parse(
          readFileSync(join(dirname(profileFile), `phases.${pid}.json`), 'utf8'),
        ) as Record<string, [number, number]>)
      : {};
  } catch {
    return {};
  }
}

// The window: the bench's phase of that name (its samples by time), else from the first to the
// last sample with a function of that name on its stack.
let first = 0;
let last = profile.samples.length - 1;
const marker = values.all ? undefined : values.window;
const phase = marker ? phasesOf(file)[marker] : undefined;
if (phase) {
  let at = profile.startTime;
  const times = profile.timeDeltas.map((d) => (at += d));
  first = times.findIndex((t) => t >= phase[0]);
  last = times.findLastIndex((t) => t <= phase[1]);
  if (first < 0 || last < first) {
    console.error(`${file}: no sample in the phase ${marker}`);
    process.exit(2);
  }
} else if (marker) {
  const inside = new Map<number, boolean>();
  const has = (id: number): boolean => {
    let v = inside.get(id);
    if (v === undefined) {
      v = [...stackOf(id)].some((n) => n.callFrame.functionName === marker);
      inside.set(id, v);
    }
    return v;
  };
  first = profile.samples.findIndex(has);
  last = profile.samples.findLastIndex(has);
  if (first < 0) {
    console.error(`${file}: no sample inside ${marker}() (use --all for the whole profile)`);
    process.exit(2);
  }
}

/** The package (node_modules/<pkg>) or project folder (functions/<dir>, bench) of a frame. */
function groupOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : `${name} (native)`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const project = /\/(functions\/[^/]+|bench|tests)\//.exec(url);
  if (project) return project[1] as string;
  if (url.startsWith('node:')) return 'node internals';
  return url;
}
const where = (n: ProfileNode) =>
  n.callFrame.url
    ? // tsx's compiled modules report line 0 for every function: no line then.
      `${n.callFrame.url.replace(/^.*\/(node_modules|functions|bench)\//, '$1/')}${n.callFrame.lineNumber > 0 ? `:${n.callFrame.lineNumber + 1}` : ''}`
    : '';
const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${where(n)}`.trim();
const ours = (n: ProfileNode) => /\/(functions|bench)\//.test(n.callFrame.url);

const groups = new Map<string, number>();
const functions = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
for (let i = first; i <= last; i++) {
  const id = profile.samples[i]!;
  const us = profile.timeDeltas[i] ?? 0;
  total += us;
  const node = byId.get(id)!;
  const group = groupOf(node.callFrame.url, node.callFrame.functionName);
  groups.set(group, (groups.get(group) ?? 0) + us);
  const stack = [...stackOf(id)];
  const caller = ours(node) ? undefined : stack.find(ours);
  const key = caller ? `${label(node)}  ← ${label(caller)}` : label(node);
  functions.set(key, (functions.get(key) ?? 0) + us);
  const seen = new Set<string>();
  for (const n of stack) {
    if (!n.callFrame.url.includes('/functions/')) continue;
    const k = label(n);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}

const row = (name: string, us: number) =>
  `${(us / 1e6).toFixed(1).padStart(8)} s ${((us / total) * 100).toFixed(1).padStart(5)} %  ${name}`;
const span = (
  (profile.timeDeltas.slice(first + 1, last + 1).reduce((a, b) => a + b, 0) || 0) / 1e6
).toFixed(1);
console.log(
  `${file}\n${phase ? `the bench's phase ${marker}: ${span} s` : marker ? `inside ${marker}(): ${span} s from its first to its last sample` : 'the whole profile'}, ${(total / 1e6).toFixed(1)} s sampled on the Node thread\n`,
);
console.log('self time by package / folder');
for (const [name, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(row(name, us));
console.log('\ntop functions (self time; ← the nearest project function on the stack)');
for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(row(name, us));
console.log('\nproject functions (inclusive time)');
for (const [name, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(row(name, us));
