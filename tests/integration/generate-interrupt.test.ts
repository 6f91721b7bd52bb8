/**
 * Ctrl-C on `bulletin generate` (one report), in a real child process with real Chromium on
 * its own embedded stores: it says in Chinese what was interrupted and what is left — the run,
 * its draft and how to go on, read from the stores — exits with 130, and leaves nothing
 * running (no Chromium, no stores' process, no lock).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockPathOf } from '#local/stack.ts';
import { REPO } from '#tests/support/stores.ts';

const BIN = join(REPO, 'bin', 'bulletin.mjs');
const RECORDS = join(REPO, 'data', 'records');
const run = promisify(execFile);

/** Every process below `root`, with its command line. */
async function descendants(root: number): Promise<{ pid: number; args: string }[]> {
  const { stdout } = await run('ps', ['-eo', 'pid=,ppid=,args=']);
  const rows = stdout
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
  const found: { pid: number; args: string }[] = [];
  const parents = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const r of rows)
      if (parents.has(r.ppid) && !parents.has(r.pid)) {
        parents.add(r.pid);
        found.push(r);
        grew = true;
      }
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('Ctrl-C on bulletin generate', { timeout: 300_000 }, () => {
  let dir: string;
  let state: string;
  const env = () => ({
    ...process.env,
    BULLETIN_OUTBOX_DIR: join(dir, 'outbox'),
    BULLETIN_KEEP_TMPDIR: '1',
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulletin-generate-interrupt-'));
    state = join(dir, 'state');
    const files = readdirSync(RECORDS).map((f) => join(RECORDS, f));
    await run(process.execPath, [BIN, '--state-dir', state, 'ingest', ...files], { env: env() });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says what it cut off and what is left, exits 130, and leaves no Chromium or stores running', async () => {
    // Act: Ctrl-C while Chromium prints the report (it is running under the command).
    const child = spawn(
      process.execPath,
      [BIN, '--state-dir', state, 'generate', '--kind', 'regional-report', '--region', '长三角'],
      { env: env(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let below: { pid: number; args: string }[] = [];
    while (child.exitCode === null && !below.some((p) => /chrom/i.test(p.args))) {
      below = await descendants(child.pid!);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(
      below.some((p) => /chrom/i.test(p.args)),
      stderr,
    ).toBe(true);
    child.kill('SIGINT');
    const code = await exited;

    // Assess: what was interrupted and what it leaves, in Chinese, from the stores.
    expect(code, stderr).toBe(130);
    const runId = /运行 \(run\) ([0-9a-f-]{36})/.exec(stderr)?.[1];
    expect(runId, stderr).toBeDefined();
    expect(stderr).toContain(
      `已中断（Ctrl-C）：生成报告（《国家高新区区域发展报告》，区域：长三角），运行 ${runId} 未完成。`,
    );
    expect(stderr).toMatch(
      /稿件 regional-report-d[0-9a-f]{10} (的发布被打断：(已为它预留总第 1 期|尚未取得期号)，读者看不到半成品|已发布为 regional-report-1)/,
    );
    expect(stderr).toContain(`可用 bulletin retry ${runId} 或在编辑部“运行记录”中重试`);
    expect(stderr + stdout).not.toMatch(/Error:|at .*\.(ts|js):\d+/);
    // Nothing left running: Chromium and the stores' process are gone, the lock with them.
    for (let i = 0; i < 100 && below.some((p) => alive(p.pid)); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(below.filter((p) => alive(p.pid)).map((p) => p.args.slice(0, 80))).toEqual([]);
    for (let i = 0; i < 50 && existsSync(lockPathOf(state)); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(lockPathOf(state))).toBe(false);
  });
});
