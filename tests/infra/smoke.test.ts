/**
 * `npm run smoke` against a real `bulletin serve` (embedded dynalite + s3rver, headless
 * Chromium) started on a free port, with the smoke test's defaults: the operator's and the
 * subscriber's path end to end — request a report that releases at once, wait, list, download
 * and check the PDF (pages, embedded CJK fonts, hash), fetch the feed; then embargo a bulletin
 * draft and see it released at its second (by the server's tick). And the control: without the
 * token the smoke test fails, naming the step.
 *
 * The embargo is 15 s ahead here, not the 60 s of `npm run smoke` (made for a deployed stack):
 * the step that follows the schedule (one POST, one GET of the draft) needs a few seconds even on
 * a machine three times slower; the rest of the 60 s would only be waited for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/bundling.ts';
import { runSmoke } from '../../infra/smoke.ts';

describe('npm run smoke against bulletin serve', () => {
  let dir: string;
  let server: ChildProcess;
  let baseUrl: string;
  const token = 'smoke-test-token-0123456789abcdefghij';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smoke-test-'));
    server = spawn(
      process.execPath,
      [
        join(PROJECT_ROOT, 'bin', 'bulletin.mjs'),
        '--state-dir',
        join(dir, 'state'),
        'serve',
        '--port',
        '0',
      ],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          BULLETIN_LOCAL_API_TOKEN: token,
          BULLETIN_OUTBOX_DIR: join(dir, 'outbox'),
          // Chromium unpacks into its own /tmp, as on a fresh Lambda (DESIGN §7).
          TMPDIR: dir,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    baseUrl = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const m = /往期查阅 \(archive\)：(http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
        if (m) resolve(m[1]!);
      };
      server.stdout!.on('data', onData);
      server.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      server.once('exit', (code) => reject(new Error(`bulletin serve exited ${code}:\n${output}`)));
    });
  }, 240_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('passes every step: a report released at once, its PDF and feed, and an embargo 15 s ahead', async () => {
    // The default report is a regional report: its series needs no review, so the trigger
    // releases it (a fresh stack has an issue to check). Then a bulletin draft is embargoed.
    const lines: string[] = [];
    const result = await runSmoke({
      baseUrl,
      token,
      timeoutSeconds: 300,
      embargoSeconds: 15,
      log: (l) => lines.push(l),
    });
    expect(
      lines.map((l) =>
        l
          .replace(/ \(\d+ ms\)$/, '')
          .replace(/draft \S+\)/, 'draft)')
          .replace(/at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z/, 'at <second>'),
      ),
    ).toEqual([
      '✓ archive page',
      '✓ request a report',
      '✓ wait for its run (draft)',
      '✓ the released issue',
      '✓ list it',
      '✓ download and check the PDF',
      '✓ its cover (page 1, made on the first request)',
      '✓ feed lists it',
      '✓ embargo: a bulletin draft',
      '✓ embargo: schedule the release at <second>',
      '✓ embargo: released at its second, not before',
      '✓ embargo: the issue is public, in the feed',
    ]);
    expect(result.outcome).toBe('released');
    expect(result.issueId).toMatch(/^regional-report-\d+$/);
    expect(result.pages).toBeGreaterThan(1);
    expect(result.fonts.some((f) => /NotoSerifSC/.test(f))).toBe(true);
  }, 600_000);

  it('fails, naming the step, when the operator is not authenticated', async () => {
    await expect(
      runSmoke({ baseUrl, token: 'wrong-token', timeoutSeconds: 10, log: () => {} }),
    ).rejects.toThrow(/step "request a report" failed: POST \/reports → 401/);
  }, 60_000);
});
