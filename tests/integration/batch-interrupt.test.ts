/**
 * Issue 16.5: Ctrl-C on `bulletin generate --kind zone-profile --all`, in a real child process
 * with real Chromium over the zones of data/ that have annual records. The first SIGINT stops
 * scheduling: the renders already running finish, a partial summary (rendered / unchanged /
 * without data / failed / not started) is printed and the exit code is 130. The re-run resumes:
 * what the first run published is skipped as unchanged; a second SIGINT abandons the running
 * renders at once, also with a summary and 130. Nothing is left running.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockPathOf } from '#local/stack.ts';
import { REPO } from '#tests/support/stores.ts';

const BIN = join(REPO, 'bin', 'bulletin.mjs');
const RECORDS = join(REPO, 'data', 'records');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('Ctrl-C on the all-zones batch', { timeout: 600_000 }, () => {
  let dir: string;
  let state: string;
  const env = () => ({
    ...process.env,
    BULLETIN_OUTBOX_DIR: join(dir, 'outbox'),
    BULLETIN_KEEP_TMPDIR: '1',
  });

  /** Starts the batch; `interrupt(stderr)` says when to send SIGINT and how many times. */
  const batch = (when: RegExp, times: number) =>
    new Promise<Run>((resolve) => {
      const child = spawn(
        process.execPath,
        [BIN, '--state-dir', state, 'generate', '--kind', 'zone-profile', '--all', '--pages', '1'],
        { env: env(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      let sent = false;
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (!sent && when.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
          if (times > 1) setTimeout(() => child.kill('SIGINT'), 300);
        }
      });
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });

  const counts = (stdout: string) => {
    const m =
      /共 (\d+) 个园区，生成 (\d+)，未变（跳过）(\d+)，无数据 (\d+)，失败 (\d+)，未开始 (\d+)/.exec(
        stdout,
      );
    if (!m) return undefined;
    const [total, rendered, unchanged, noData, failed, notStarted] = m.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return { total, rendered, unchanged, noData, failed, notStarted };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulletin-interrupt-'));
    state = join(dir, 'state');
    const files = readdirSync(RECORDS).map((f) => join(RECORDS, f));
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        [BIN, '--state-dir', state, 'ingest', ...files],
        { env: env() },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the first Ctrl-C lets running renders finish, prints a partial summary, exits 130; a re-run resumes', async () => {
    // Act: Ctrl-C once the first zone is rendered.
    const first = await batch(/zone profiles\)：[1-9]\d*\//, 1);

    // Assess: stopped cleanly, with a summary that adds up.
    expect(first.code, first.stderr).toBe(130);
    expect(first.stderr).toMatch(/Ctrl-C：不再开始新的园区/);
    expect(first.stdout).toMatch(/已中断/);
    expect(first.stdout).toMatch(/再次运行同一命令即可续做/);
    const c1 = counts(first.stdout)!;
    expect(c1, first.stdout).toBeDefined();
    expect(c1.rendered).toBeGreaterThanOrEqual(1);
    expect(c1.notStarted).toBeGreaterThanOrEqual(1);
    expect(c1.rendered + c1.unchanged + c1.noData + c1.failed + c1.notStarted).toBe(c1.total);
    expect(first.stderr).not.toMatch(/Error:|at .*\.(ts|js):\d+/);
    expect(existsSync(lockPathOf(state))).toBe(false);

    // Act: run again; Ctrl-C twice as soon as its progress starts.
    const second = await batch(/zone profiles\)：\d+\//, 2);

    // Assess: the zones of the first run were skipped as unchanged (resumed, not redone); the
    // second Ctrl-C abandoned what was running, with a summary and 130.
    expect(second.code, second.stderr).toBe(130);
    expect(second.stdout).toMatch(/第二次 Ctrl-C：已放弃进行中的生成/);
    const skipped = /未变（跳过）(\d+)，无数据 (\d+)/.exec(second.stdout);
    expect(skipped, second.stdout).not.toBeNull();
    expect(Number(skipped![1]) + Number(skipped![2])).toBeGreaterThanOrEqual(
      c1.rendered + c1.noData,
    );
    for (let i = 0; i < 50 && existsSync(lockPathOf(state)); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(lockPathOf(state))).toBe(false);
  });
});
