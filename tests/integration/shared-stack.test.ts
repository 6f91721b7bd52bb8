/**
 * Issue 16.6: one local stack per state folder, shared. Real processes: `bulletin serve` holds
 * the stores; CLI commands started beside it use that running stack (found through the lock
 * file) instead of opening the same LevelDB a second time (before: dynalite's raw
 * `Error: Database is closed`). Also: the stores stop with their owner — on SIGTERM and when it
 * is killed — a stale lock is replaced, and nothing is left running.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockPathOf, readStackLock } from '#local/stack.ts';
import { REPO } from '#tests/support/stores.ts';

const BIN = join(REPO, 'bin', 'bulletin.mjs');
const RECORDS = join(REPO, 'data', 'records');

// Real processes, each starting Node and tsx: slow on a loaded machine.
describe('one local stack at a time, shared between processes', { timeout: 300_000 }, () => {
  let dir: string;
  let state: string;
  const started: ChildProcess[] = [];
  const env = () => ({
    ...process.env,
    BULLETIN_OUTBOX_DIR: join(dir, 'outbox'),
    BULLETIN_KEEP_TMPDIR: '1',
    TMPDIR: join(dir),
  });

  /** Runs a CLI command to its end: exit code, stdout, stderr. */
  const cli = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, '--state-dir', state, ...args],
        { env: env(), timeout: 90_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  /** Starts `bulletin serve` and resolves once it prints its address. */
  const serve = () =>
    new Promise<{ child: ChildProcess; url: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, '--state-dir', state, 'serve', '--port', '0'], {
        env: env(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started.push(child);
      let out = '';
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /往期查阅 \(archive\)：(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (m) resolve({ child, url: m[1]! });
      });
      child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${err}`)));
    });

  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => child.once('exit', () => r()));

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  /** Waits (bounded) until `pid` is gone; true if it went. */
  const gone = async (pid: number) => {
    for (let i = 0; i < 300 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    return !alive(pid);
  };

  /** The stores of the last command stop once nobody uses them: nothing left, no lock. */
  const settled = async () => {
    const lock = await readStackLock(state);
    if (lock?.pid) expect(await gone(lock.pid)).toBe(true);
    expect(existsSync(lockPathOf(state))).toBe(false);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulletin-shared-'));
    state = join(dir, 'state');
  });

  afterAll(async () => {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    const lock = await readStackLock(state);
    if (lock?.pid && alive(lock.pid)) process.kill(lock.pid, 'SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('CLI commands beside `bulletin serve` use its stores, and everything stops with it', async () => {
    // Prepare: the server holds the stores.
    const { child, url } = await serve();
    const lock = (await readStackLock(state))!;
    expect(lock.state).toBe('ready');
    expect(lock.ownerCommand).toBe('bulletin serve');
    expect(alive(lock.pid!)).toBe(true);

    // Act: an editor lists, ingests and lists again in another terminal, twice at once.
    const [listed, ingested] = await Promise.all([
      cli('list'),
      cli('ingest', join(RECORDS, 'city-004.csv')),
    ]);
    const archive = await fetch(`${url}/bulletins`);

    // Assess: both used the running stack; the server still answers.
    for (const r of [listed, ingested]) {
      expect(r.stderr).not.toMatch(/Database is closed|LevelDB|LOCK/);
      expect(r.stderr).toMatch(
        /使用已在运行的本地存储（"bulletin serve", pid \d+，启动于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} 北京时间）/,
      );
    }
    expect(listed.code).toBe(0);
    expect(ingested.code, ingested.stderr).toBe(0);
    expect(archive.status).toBe(200);
    expect((await readStackLock(state))?.pid).toBe(lock.pid);

    // Act: stop the server as Ctrl-C would (SIGTERM).
    child.kill('SIGTERM');
    await exited(child);

    // Assess: the stores stopped too, the lock is gone.
    expect(await gone(lock.pid!)).toBe(true);
    expect(existsSync(lockPathOf(state))).toBe(false);
  });

  it('the stores die with a killed server; a stale lock is replaced by the next command', async () => {
    // Act: kill -9 the server (no clean-up of its own runs).
    const first = await serve();
    const lock = (await readStackLock(state))!;
    first.child.kill('SIGKILL');
    await exited(first.child);

    // Assess: its stores noticed (their IPC channel closed), stopped and removed the lock.
    expect(await gone(lock.pid!)).toBe(true);
    expect(existsSync(lockPathOf(state))).toBe(false);

    // Prepare: this time kill -9 the stores as well: the lock stays behind, stale.
    const second = await serve();
    const stale = (await readStackLock(state))!;
    process.kill(stale.pid!, 'SIGKILL');
    second.child.kill('SIGKILL');
    await exited(second.child);
    expect(await gone(stale.pid!)).toBe(true);
    expect((await readStackLock(state))?.pid).toBe(stale.pid);

    // Act
    const after = await cli('list', '--json');

    // Assess: the next command saw through the stale lock and used its own stores.
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).not.toMatch(/使用已在运行的本地存储|Database is closed/);
    expect(Array.isArray(JSON.parse(after.stdout))).toBe(true);
    await settled();
  });

  it('two commands started at once share one stack', async () => {
    const results = await Promise.all([cli('list'), cli('list')]);
    // None opened the state a second time (whoever came while another held it used that stack).
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/Database is closed|LOCK|Error:/);
    }
    await settled();
  });
});
