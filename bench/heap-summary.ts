/**
 * What a `.heapprofile` (V8's sampling heap profiler, as `BENCH_HEAP_SAMPLING` writes it over the
 * zone profiles, garbage included) says was allocated: by package or folder, the top functions by
 * their own allocations with the nearest project function that called them, and project
 * functions inclusive — in MB, and MB a profile when `--per N` gives the number of profiles.
 *
 *   npx tsx bench/heap-summary.ts <file>.heapprofile [--per 178] [--top 25]
 */
import { readFileSync } from 'node:fs';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  id: number;
  children: HeapNode[];
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('用法：npx tsx bench/heap-summary.ts <文件>.heapprofile [--per N] [--top N]');
  process.exit(2);
}
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const per = option('--per', 0);
const top = option('--top', 25);
const { head } = JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode };

const packageOf = (url: string): string => {
  if (!url) return '(native or V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node internals';
  const fn = url.indexOf('/functions/');
  if (fn >= 0)
    return url
      .slice(fn + 1)
      .split('/')
      .slice(0, 2)
      .join('/');
  const bench = url.indexOf('/bench/');
  return bench >= 0 ? 'bench' : url;
};
const isProject = (url: string) => url.includes('/functions/') && !url.includes('node_modules');
const label = (f: HeapNode['callFrame']) =>
  `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*?\/(functions|node_modules|bench)\//, '$1/')}:${f.lineNumber + 1}`;

const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
function walk(node: HeapNode, project: string | undefined, onStack: Set<string>): number {
  const f = node.callFrame;
  const here = isProject(f.url) ? label(f) : project;
  let size = node.selfSize;
  if (node.selfSize > 0) {
    total += node.selfSize;
    byPackage.set(packageOf(f.url), (byPackage.get(packageOf(f.url)) ?? 0) + node.selfSize);
    const key = `${label(f)}${here && here !== label(f) ? `  ← ${here}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
  }
  const mine = isProject(f.url) && !onStack.has(label(f)) ? label(f) : undefined;
  if (mine) onStack.add(mine);
  for (const child of node.children) size += walk(child, here, onStack);
  if (mine) {
    onStack.delete(mine);
    inclusive.set(mine, (inclusive.get(mine) ?? 0) + size);
  }
  return size;
}
walk(head, undefined, new Set());

const mb = (bytes: number) =>
  `${(bytes / 1e6).toFixed(1).padStart(8)} MB${per ? ` ${(bytes / 1e6 / per).toFixed(2).padStart(6)} MB/份` : ''}`;
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${mb(v)}  ${((v / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
};
console.log(`${file}: ${mb(total)} allocated (sampled)`);
show('by package / folder (own allocations)', byPackage);
show('top functions (own allocations; ← the nearest project function on the stack)', byFunction);
show('project functions (inclusive)', inclusive);
