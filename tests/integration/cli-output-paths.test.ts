/**
 * Issue 26.9: where the CLI writes. `--out` onto an existing file is refused unless `--force`
 * (before: overwritten without a word); `--out-dir` onto a file is a clear error with exit 2
 * (before: a raw EEXIST, exit 1). Both are checked before any store starts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutputDir, checkOutputFile, OutputPathError } from '#cli/output-path.ts';
import { REPO } from '#tests/support/stores.ts';

const BIN = join(REPO, 'bin', 'bulletin.mjs');

describe('output paths the user names', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-out-'));
    file = join(dir, 'kept.pdf');
    await writeFile(file, 'mine');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const cli = (...args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, '--state-dir', join(dir, 'state'), ...args],
        { timeout: 120_000 },
        (err, _stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });

  it('refuses to overwrite an existing --out file unless --force', () => {
    expect(() => checkOutputFile(file)).toThrow(OutputPathError);
    expect(() => checkOutputFile(file)).toThrow(/已存在，未覆盖.*--force/);
    expect(() => checkOutputFile(file, { force: true })).not.toThrow();
    expect(() => checkOutputFile(join(dir, 'new.pdf'))).not.toThrow();
    expect(() => checkOutputFile(dir, { force: true })).toThrow(/是一个文件夹/);
  });

  it('refuses a file as --out-dir', () => {
    expect(() => checkOutputDir(file)).toThrow(/--out-dir .* 是一个文件，不是文件夹/);
    expect(() => checkOutputDir(dir)).not.toThrow();
    expect(() => checkOutputDir(join(dir, 'to-be-made'))).not.toThrow();
  });

  it('the CLI exits 2 with a clear message, and the file is untouched', async () => {
    const overwrite = await cli('data', 'torch-bulletin-551', '--out', file);
    expect(overwrite.code).toBe(2);
    expect(overwrite.stderr).toMatch(/bulletin: \[output\] --out .*kept\.pdf 已存在，未覆盖/);
    const generate = await cli('generate', '--out', file);
    expect(generate.code).toBe(2);
    expect(generate.stderr).toMatch(/已存在，未覆盖/);
    const preview = await cli('preview', '--out-dir', file);
    expect(preview.code).toBe(2);
    expect(preview.stderr).toMatch(
      /bulletin: \[output\] --out-dir .*kept\.pdf 是一个文件，不是文件夹/,
    );
    expect(await readFile(file, 'utf8')).toBe('mine');
  });
});
