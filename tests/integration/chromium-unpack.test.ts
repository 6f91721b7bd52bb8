/**
 * The unpacked Chromium is kept between runs, but only a complete unpack of the installed
 * package version is reused.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackedChromium } from '#adapters/print/executable.ts';

describe('unpackedChromium', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'chromium-unpack-test-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('unpacks once, reuses a complete unpack, and unpacks again when the stamp differs', async () => {
    const first = await unpackedChromium(root);
    expect(first.unpacked).toBe(true);
    expect((await stat(first.executablePath)).mode & 0o100).toBe(0o100);
    await stat(join(dirname(first.executablePath), 'libGLESv2.so'));

    const second = await unpackedChromium(root);
    expect(second).toMatchObject({ unpacked: false, executablePath: first.executablePath });

    // A stale or half-written unpack (another version's stamp) is not launched.
    await writeFile(join(dirname(first.executablePath), '.unpacked'), 'something else\n');
    const third = await unpackedChromium(root);
    expect(third).toMatchObject({ unpacked: true, executablePath: first.executablePath });
  }, 180_000);
});
