/**
 * What storing a zone profile's release costs, in CPU of this process (hashing, the SDK: build,
 * sign, send, parse) and of the stores' process (the proxy, s3rver's store), on the embedded
 * stack as the CLI and the bench run it: the layout of session 13 (four puts: the PDF, the web
 * edition, the cover source and the data file, each its own object) against one parts object
 * beside the PDF (two puts; `app/release-parts.ts`). The parts are the same compressed bytes
 * either way (their brotli calls are not measured: equal in both); sizes are a zone profile's
 * (bench/README: PDF 431 kB, parts 16 + 17 + 18 kB).
 *
 *   npx tsx bench/release-puts.ts              # 300 releases a layout, 3 rounds, 4 in flight
 *   RELEASES=400 ROUNDS=6 npx tsx bench/release-puts.ts   # each round in the other order
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapStores } from '../functions/adapters/bootstrap.ts';
import { loadConfig } from '../functions/config.ts';
import { sha256Hex } from '../functions/core/digest.ts';
import { PACKED_JSON_TYPE } from '../functions/app/packed-json.ts';
import { packParts } from '../functions/app/release-parts.ts';
import { startLocalStack } from '../functions/local/stack.ts';
import { createServices } from '../functions/wiring/services.ts';

const RELEASES = Number(process.env.RELEASES ?? 300);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const IN_FLIGHT = 4;

/** CPU (user + system; all threads) of a process so far, ms. */
async function cpuOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

const dir = await mkdtemp(join(tmpdir(), 'release-puts-'));
const stack = await startLocalStack({ stateDir: join(dir, 'state'), inMemory: false });
const config = loadConfig({ ...process.env, ...stack.env });
const services = createServices(config, {});
const archive = services.archive;
const pdf = randomBytes(431_000);
const pdfSha = sha256Hex(pdf);
const web = randomBytes(16_000);
const cover = randomBytes(17_000);
const data = randomBytes(18_000);
const small = { contentType: PACKED_JSON_TYPE, metadata: { issue: 'zone-profile-1' } };

/** Session 13: the PDF and three objects beside it, put at once; each hashed by its put. */
async function fourPuts(stem: string): Promise<string[]> {
  const done = await Promise.all([
    archive.put(`${stem}.pdf`, pdf, { fileName: 'p.pdf', sha256: pdfSha }),
    archive.put(`${stem}-data.json.br`, data, { fileName: 'p.json.br', ...small }),
    archive.put(`${stem}-cover.json.br`, cover, { fileName: 'p-封面.json.br', ...small }),
    archive.put(`${stem}.html.br`, web, { fileName: 'p.html.br', ...small }),
  ]);
  return done.map((d) => d.sha256);
}

/** Now: the PDF and one parts object; each part hashed for the catalog, the object by its put. */
async function twoPuts(stem: string): Promise<string[]> {
  const done = await Promise.all([
    archive.put(`${stem}.pdf`, pdf, { fileName: 'p.pdf', sha256: pdfSha }),
    archive.put(`${stem}-parts.bin`, packParts({ web, data, cover }), {
      fileName: 'p-部件.bin',
      ...small,
    }),
  ]);
  return [done[0]!.sha256, sha256Hex(web), sha256Hex(data), sha256Hex(cover)];
}

async function measure(layout: (stem: string) => Promise<string[]>, round: string) {
  let next = 0;
  const stores0 = await cpuOf(stack.pid);
  const node0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < RELEASES) {
        const i = next++;
        await layout(`issues/zone-profile/2026/zone-profile-${round}-${i}-0123456789abcdef`);
      }
    }),
  );
  const node = process.cpuUsage(node0);
  const stores = (await cpuOf(stack.pid)) - stores0;
  return { node: (node.user + node.system) / 1000 / RELEASES, stores: stores / RELEASES };
}

try {
  await bootstrapStores(config, services.clients);
  // Warm both paths (the SDK's first requests, the JIT).
  for (let i = 0; i < 20; i++) {
    await fourPuts(`issues/warm/2026/a-${i}`);
    await twoPuts(`issues/warm/2026/b-${i}`);
  }
  const rows: string[] = [];
  const layouts = [
    ['4 puts (session 13)', fourPuts],
    ['2 puts (parts object)', twoPuts],
  ] as const;
  // Each round in the other order: neither layout always runs first.
  for (let r = 0; r < ROUNDS; r++)
    for (const [name, layout] of r % 2 ? [...layouts].reverse() : layouts) {
      const c = await measure(layout, `${r}${name[0]}`);
      rows.push(
        `round ${r + 1} ${name}: Node ${c.node.toFixed(2)} + stores ${c.stores.toFixed(2)} = ${(c.node + c.stores).toFixed(2)} ms a release`,
      );
      console.log(rows.at(-1));
    }
} finally {
  await services.close();
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}
