/**
 * Issue 16.4: the command line runs compiled (bin/build-cli.mjs, `npm install`), stores'
 * process included. `bulletin list --json` on a fresh state folder answers `[]` through the
 * built CLI and leaves nothing running; `bulletin serve` starts the compiled `stack-host.js`
 * (no tsx), and `list` beside it uses that running stack. Speed itself is measured in
 * `npm run bench` / bench/README, not asserted here.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockPathOf, readStackLock } from '#local/stack.ts';
import { REPO } from '#tests/support/stores.ts';
// @ts-expect-error -- plain ESM scripts of bin/, without type declarations
import { buildCli, buildDirFor } from '../../bin/build-cli.mjs';
// @ts-expect-error -- plain ESM scripts of bin/, without type declarations
import { sourceStamp } from '../../bin/source-stamp.mjs';

const BIN = join(REPO, 'bin', 'bulletin.mjs');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const gone = async (pid: number) => {
  for (let i = 0; i < 300 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
};

describe('the compiled CLI', { timeout: 300_000 }, () => {
  let dir: string;
  let build: string;
  const started: ChildProcess[] = [];
  const env = () => {
    const e: NodeJS.ProcessEnv = {
      ...process.env,
      BULLETIN_OUTBOX_DIR: join(dir, 'outbox'),
      BULLETIN_KEEP_TMPDIR: '1',
      TMPDIR: dir,
    };
    delete e.BULLETIN_NO_BUILD;
    delete e.BULLETIN_STACK_HOST_JS;
    return e;
  };
  const cli = (state: string, ...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, '--state-dir', state, ...args],
        { env: env(), timeout: 90_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulletin-built-'));
    // What `npm install` (prepare) and bin/bulletin.mjs do for the current sources.
    const stamp = sourceStamp(REPO) as unknown;
    build = (await buildCli({ stamp })) as string;
    expect(build).toBe(buildDirFor(stamp));
  });

  afterAll(async () => {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('is the `bulletin` that npm links into node_modules/.bin (what `npx bulletin` runs)', async () => {
    // npx installs a bin of the project itself into its own cache before running it (≈ 0.5 s per
    // start): the command is declared by packages/bulletin-cli, a dependency npm links.
    const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      version: string;
      bin?: Record<string, string>;
    };
    expect(root.bin?.bulletin).toBeUndefined();
    const linked = join(REPO, 'node_modules', '.bin', 'bulletin');
    expect(existsSync(linked)).toBe(true);
    const out = await new Promise<string>((resolve, reject) =>
      execFile(linked, ['--version'], { env: env(), timeout: 60_000 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
    expect(out.trim()).toBe(root.version);
  });

  it('builds the stores’ process as an entry of its own, its path compiled in', () => {
    expect(existsSync(join(build, 'main.js'))).toBe(true);
    expect(existsSync(join(build, 'stack-host.js'))).toBe(true);
    // No tsx in the stores' process of the built CLI: stack.ts names the built host.
    const host = readFileSync(join(build, 'stack-host.js'), 'utf8');
    expect(host).toMatch(/dynalite/);
  });

  it('`npm install` (prepare) unpacks Chromium where the CLI keeps it, once', async () => {
    const run = () =>
      new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [join(REPO, 'bin', 'build-cli.mjs')],
          { env: { ...env(), BULLETIN_CHROMIUM_DIR: join(dir, 'chromium') }, timeout: 120_000 },
          (err, _stdout, stderr) => resolve({ code: err ? 1 : 0, stderr }),
        );
      });
    const first = await run();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/已解压 Chromium（[\d.]+ 秒）：/);
    const [, path] = /：(\S+chromium)$/m.exec(first.stderr)!;
    expect(path!.startsWith(join(dir, 'chromium'))).toBe(true);
    expect(existsSync(path!)).toBe(true);
    const again = await run();
    expect(again.stderr).toContain(`Chromium 已就绪：${path}`);
  });

  it('`list --json` on a fresh state folder prints [] and leaves nothing running', async () => {
    const state = join(dir, 'fresh');

    const r = await cli(state, 'list', '--json');

    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.stderr).toBe('');
    const lock = await readStackLock(state);
    if (lock?.pid) expect(await gone(lock.pid)).toBe(true);
    for (let i = 0; i < 50 && existsSync(lockPathOf(state)); i++)
      await new Promise((res) => setTimeout(res, 100));
    expect(existsSync(lockPathOf(state))).toBe(false);
    // Read-only: listing created no table (the S3 store was not even started).
    expect(existsSync(join(state, 's3', 'torch-bulletin-archive'))).toBe(false);
  });

  it('a failure after the stores started is reported in one line with its exit code', async () => {
    const state = join(dir, 'failing');
    const missing = join(dir, 'no-such-file.csv');

    const r = await cli(state, 'ingest', missing);

    // Before: the command ended while its stores stopped, silently and with code 0.
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`bulletin: ${missing}: 文件或目录不存在 (ENOENT)`);
  });

  it('`serve` runs the compiled stores’ process; `list` beside it uses that stack', async () => {
    const state = join(dir, 'served');
    const child = spawn(process.execPath, [BIN, '--state-dir', state, 'serve', '--port', '0'], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(child);
    await new Promise<void>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (/往期查阅 \(archive\)：http:\/\/127\.0\.0\.1:\d+\//.test(out)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${err}`)));
    });
    const lock = (await readStackLock(state))!;
    const cmdline = readFileSync(`/proc/${lock.pid}/cmdline`, 'utf8').split('\0');

    const listed = await cli(state, 'list', '--json');

    expect(cmdline).toContain(join(build, 'stack-host.js'));
    expect(cmdline.join(' ')).not.toMatch(/tsx/);
    expect(listed.code, listed.stderr).toBe(0);
    expect(Array.isArray(JSON.parse(listed.stdout))).toBe(true);
    expect(listed.stderr).toMatch(/使用已在运行的本地存储（"bulletin serve"/);
    child.kill('SIGTERM');
    expect(await gone(lock.pid!)).toBe(true);
  });
});
