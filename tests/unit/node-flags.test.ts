/**
 * The product's V8 flags (functions/contract/node-flags.ts) are where the product runs: both
 * shebangs of the `bulletin` command (`npx bulletin`, bin/bulletin.mjs), the npm scripts that
 * start it, and the bench's scripts — which run with exactly these, no better ones. The Lambda
 * functions' NODE_OPTIONS are asserted on the synthesized stack (tests/infra/stack.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../functions/contract/node-flags.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FLAGS = NODE_FLAGS.join(' ');
const scripts = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;
/** The V8 flags a `node …` command line passes (what comes before the script or `--import`). */
function v8FlagsOf(command: string): string[] {
  const words = command.slice(command.indexOf('node ') + 'node '.length).split(/\s+/);
  const end = words.findIndex((w) => !w.startsWith('--') || w === '--import');
  return words.slice(0, end).filter((w) => !/^--(expose-gc|cpu-prof)/.test(w));
}

describe("the product's V8 flags", () => {
  it('are on the first line of both entries of the bulletin command', () => {
    for (const file of ['bin/bulletin.mjs', 'packages/bulletin-cli/bulletin.mjs']) {
      const first = readFileSync(join(ROOT, file), 'utf8').split('\n')[0];
      expect(first, file).toBe(`#!/usr/bin/env -S node ${FLAGS}`);
    }
  });

  it('are given by the npm scripts that start the command line', () => {
    for (const name of ['start', 'bulletin', 'serve'])
      expect(scripts[name], name).toMatch(new RegExp(`^node ${FLAGS} bin/bulletin\\.mjs\\b`));
  });

  it("are the bench's, with nothing that makes V8 collect less than the product does", () => {
    for (const name of ['bench', 'bench:profile']) {
      const flags = v8FlagsOf(scripts[name]!);
      // The bench caps the old generation at 512 MB (a stricter heap than the command line's,
      // not a better one) and adds the product's flags, nothing else.
      expect(flags, name).toEqual(['--max-old-space-size=512', ...NODE_FLAGS]);
    }
    // The 1 M-row ingest of `bulletin ingest`, on its own.
    expect(v8FlagsOf(scripts['bench:ingest']!)).toEqual([...NODE_FLAGS]);
  });

  it('take effect: V8 sizes its young generation by them', () => {
    // heap_size_limit counts three semi-spaces (V8's young generation): against 16 MB ones
    // (V8's default on a 64-bit machine with ≥ 2 GB of heap), three times the difference.
    const limit = (flags: string[]) =>
      Number(
        execFileSync(process.execPath, [
          ...flags,
          '-p',
          'require("node:v8").getHeapStatistics().heap_size_limit',
        ]).toString(),
      );
    const semiMb = Number(/--max-semi-space-size=(\d+)/.exec(FLAGS)?.[1]);
    expect(semiMb).toBeGreaterThan(16);
    expect(limit([...NODE_FLAGS]) - limit(['--max-semi-space-size=16'])).toBe(
      3 * (semiMb - 16) * 2 ** 20,
    );
  });
});
