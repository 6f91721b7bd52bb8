/**
 * The code stamp (functions/contract/code-stamp.ts, functions/app/code-stamp.ts): part of the
 * key that lets the all-zones plan skip a zone without composing it, so it must change with
 * any source and with nothing else.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { codeStamp } from '../../functions/app/code-stamp.ts';
import { sourcesHash } from '../../functions/contract/code-stamp.ts';

describe('the code stamp', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tree = () => {
    const dir = mkdtempSync(join(tmpdir(), 'stamp-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'core'));
    writeFileSync(join(dir, 'core', 'a.ts'), 'export const a = 1;\n');
    writeFileSync(join(dir, 'b.ts'), 'export const b = 2;\n');
    writeFileSync(join(dir, 'notes.md'), 'not code\n');
    return dir;
  };

  it('is the same for the same sources wherever they lie, and changes with any of them', () => {
    const one = tree();
    const two = tree();
    expect(sourcesHash(one)).toBe(sourcesHash(two));
    writeFileSync(join(two, 'notes.md'), 'still not code\n');
    expect(sourcesHash(two)).toBe(sourcesHash(one));
    writeFileSync(join(two, 'core', 'a.ts'), 'export const a = 10;\n');
    expect(sourcesHash(two)).not.toBe(sourcesHash(one));
    // A file moved is another program even with the same bytes.
    const three = tree();
    rmSync(join(three, 'b.ts'));
    writeFileSync(join(three, 'core', 'b.ts'), 'export const b = 2;\n');
    expect(sourcesHash(three)).not.toBe(sourcesHash(one));
  });

  it('is the build’s when the bundle defines one, else the sources’ under functions/', () => {
    const before = process.env.BULLETIN_CODE_STAMP;
    try {
      delete process.env.BULLETIN_CODE_STAMP;
      const fromSources = codeStamp();
      expect(fromSources).toBe(
        `sources:${sourcesHash(join(import.meta.dirname, '..', '..', 'functions'))}`,
      );
      process.env.BULLETIN_CODE_STAMP = 'abc123';
      expect(codeStamp()).toBe('build:abc123');
    } finally {
      if (before === undefined) delete process.env.BULLETIN_CODE_STAMP;
      else process.env.BULLETIN_CODE_STAMP = before;
    }
  });
});
