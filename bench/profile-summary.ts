/**
 * Where the Node thread's time went, from a V8 CPU profile (`node --cpu-prof`): self time by
 * package or source folder, and the top functions. `npm run bench:profile` writes the profile
 * of a whole bench run to `bench/profiles/`; this prints its summary:
 *
 *   npx tsx bench/profile-summary.ts bench/profiles/<file>.cpuprofile [top=20]
 */
import { readFileSync } from 'node:fs';

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

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 20);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

/** The package (node_modules/<pkg>) or project folder (functions/<dir>, bench) of a frame. */
function groupOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const project = /\/(functions\/[^/]+|bench|tests)\//.exec(url);
  if (project) return project[1] as string;
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

const groups = new Map<string, number>();
const functions = new Map<string, number>();
for (const [id, us] of self) {
  const { callFrame } = byId.get(id)!;
  const group = groupOf(callFrame.url, callFrame.functionName);
  groups.set(group, (groups.get(group) ?? 0) + us);
  const where = callFrame.url
    ? `${callFrame.url.replace(/^.*\/(node_modules|functions|bench)\//, '$1/')}:${callFrame.lineNumber + 1}`
    : '';
  const key = `${callFrame.functionName || '(anonymous)'} ${where}`.trim();
  functions.set(key, (functions.get(key) ?? 0) + us);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const row = (name: string, us: number) =>
  `${(us / 1e6).toFixed(1).padStart(8)} s ${((us / total) * 100).toFixed(1).padStart(5)} %  ${name}`;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled on the Node thread\n`);
console.log('self time by package / folder');
for (const [name, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(row(name, us));
}
console.log('\ntop functions (self time)');
for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(row(name, us));
}
