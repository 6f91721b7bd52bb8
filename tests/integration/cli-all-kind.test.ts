/**
 * `generate --all` is a batch over every national zone, which only the zone profile has. With
 * another kind (the default is the bulletin) it is refused before any store starts, naming the
 * option (before: the option was dropped, one bulletin was made and nothing was said).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAllZonesKind } from '#cli/commands/generate.ts';
import { ValidationError } from '#errors';
import { REPO } from '#tests/support/stores.ts';

const BIN = join(REPO, 'bin', 'bulletin.mjs');

describe('generate --all with a kind that has no all-zones batch', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-all-'));
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

  it('is refused for every kind but the zone profile', () => {
    expect(() => checkAllZonesKind('zone-profile')).not.toThrow();
    for (const kind of ['torch-bulletin', 'regional-report', 'indicator-flash'] as const) {
      expect(() => checkAllZonesKind(kind)).toThrow(ValidationError);
    }
  });

  it('the CLI exits 2 naming --all and the kind that has it, and stores nothing', async () => {
    const bare = await cli('generate', '--all');
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(
      /位置 --kind torch-bulletin 字段 --all：--all 只用于 zone-profile.*请加 --kind zone-profile/,
    );
    const flash = await cli('generate', '--kind', 'indicator-flash', '--all');
    expect(flash.code).toBe(2);
    expect(flash.stderr).toMatch(/不适用于 indicator-flash/);
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });
});
