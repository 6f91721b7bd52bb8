import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressReporter } from '../../functions/cli/progress.ts';

describe('progress lines (no terminal)', () => {
  it('counts the work done since it began, apart from what was settled at planning', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += String(d)));
    const progress = progressReporter('zone profiles', out as unknown as NodeJS.WriteStream);
    // 158 of 178 zones settled at planning (unchanged or without data): 20 left to render.
    progress.update(158, 178, { skipped: 158, failed: 0 });
    progress.update(178, 178, { skipped: 158, failed: 1 });
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('zone profiles: 0/20 (跳过 158, 失败 0)');
    expect(lines.at(-1)).toMatch(/^zone profiles: 20\/20 \(跳过 158, 失败 1\), [\d.]+\/s, ETA 0s$/);
  });
});
