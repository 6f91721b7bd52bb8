/**
 * Issue 26.2: the lock of a local stack. An empty or garbled `stack.lock` (a kill between create
 * and write, a full disk) and a lock whose owner's pid was reused are taken over, and the take-over
 * is reported in Chinese; a wait on a lock a live process holds has a deadline and names it.
 * Before: every command spun at 100 % CPU for ever, silent.
 */
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  lockPathOf,
  LocalStackError,
  processStart,
  readStackLock,
  startLocalStack,
  type StackLock,
} from '#local/stack.ts';

describe('a stuck, empty or garbled stack.lock', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stack-lock-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A state folder whose lock file holds `content`, written a minute ago. */
  async function stateWithLock(name: string, content: string, old = true): Promise<string> {
    const state = join(dir, name);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(state, { recursive: true, mode: 0o700 });
    await writeFile(lockPathOf(state), content, { mode: 0o600 });
    if (old) {
      const past = new Date(Date.now() - 60_000);
      await utimes(lockPathOf(state), past, past);
    }
    return state;
  }

  it.each([
    ['empty', '', /锁文件 .*stack\.lock 是空的.*已将其移开并接管/],
    ['cut short', '{"state":"ready","owner":12', /锁文件 .*已损坏（27 字节，不是锁）.*接管/],
    ['not a lock', '{"hello":1}', /已损坏（11 字节，不是锁）/],
  ])('an %s lock is taken over and reported in Chinese', async (_name, content, said) => {
    const state = await stateWithLock(`garbled-${content.length}`, content);
    const lines: string[] = [];
    const stack = await startLocalStack({
      stateDir: state,
      inMemory: true,
      log: (l) => lines.push(l),
    });
    try {
      expect(lines.join('\n')).toMatch(said);
      const lock = (await readStackLock(state))!;
      expect(lock.state).toBe('ready');
      expect(lock.owner).toBe(process.pid);
      // The lock records the owner's pid and when that process started.
      expect(lock.ownerStart).toBe(processStart(process.pid));
      expect(lock.ownerStart).toBeGreaterThan(0);
    } finally {
      await stack.stop();
    }
  });

  it('a lock just created (not written yet) is waited for a moment, then taken over', async () => {
    const state = await stateWithLock('fresh-empty', '', false);
    const lines: string[] = [];
    const stack = await startLocalStack({
      stateDir: state,
      inMemory: true,
      log: (l) => lines.push(l),
    });
    await stack.stop();
    expect(lines.join('\n')).toMatch(/是空的/);
  });

  it('a wait on a lock a live process holds has a deadline and names the owner', async () => {
    const holder: StackLock = {
      state: 'starting',
      owner: process.pid,
      ownerStart: processStart(process.pid)!,
      ownerCommand: 'bulletin serve',
      startedAt: '2026-12-06T04:00:00.000Z',
    };
    const state = await stateWithLock('live', JSON.stringify(holder));
    const started = Date.now();
    const error = await startLocalStack({ stateDir: state, inMemory: true, waitMs: 1_500 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LocalStackError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `正由 "bulletin serve", pid ${process.pid}，启动于 2026-12-06 12:00:00 北京时间 启动，已等待 1.5 秒`,
      ),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    // The live owner's lock is left as it was.
    expect(JSON.parse(await readFile(lockPathOf(state), 'utf8'))).toEqual(holder);
  });

  it('a lock whose pid now belongs to another process (pid reused) is stale', async () => {
    const reused: StackLock = {
      state: 'starting',
      owner: process.pid,
      ownerStart: processStart(process.pid)! - 1,
      ownerCommand: 'bulletin ingest',
      startedAt: '2026-12-05T04:00:00.000Z',
    };
    const state = await stateWithLock('reused', JSON.stringify(reused));
    const lines: string[] = [];
    const stack = await startLocalStack({
      stateDir: state,
      inMemory: true,
      waitMs: 60_000,
      log: (l) => lines.push(l),
    });
    await stack.stop();
    expect(lines.join('\n')).toMatch(/属于已结束的进程（"bulletin ingest", pid \d+.*已接管/);
  });
});
