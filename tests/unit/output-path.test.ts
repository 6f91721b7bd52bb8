/** Output file names built from data stay one file inside the output folder. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputPathIn, safeFileName } from '#cli/output-path.ts';

const OUT = join('/work', 'repo', '.local', 'out');

describe('output paths built from data', () => {
  it.each([
    ['火炬动态-../../../tmp/evil-2024.pdf', '火炬动态-.._.._.._tmp_evil-2024.pdf'],
    ['../../outside.pdf', '_.._outside.pdf'],
    ['火炬动态-成都/高新-2024.pdf', '火炬动态-成都_高新-2024.pdf'],
    ['a\\b\\c.pdf', 'a_b_c.pdf'],
    ['..', 'fallback.pdf'],
    ['/', 'fallback.pdf'],
    ['.hidden.pdf', 'hidden.pdf'],
    ['name\u0000with\nnewline.pdf', 'name_with_newline.pdf'],
    ['火炬动态-2026-第1期.pdf', '火炬动态-2026-第1期.pdf'],
  ])('%j → %j', (name, expected) => {
    expect(safeFileName(name, 'fallback.pdf')).toBe(expected);
    const path = outputPathIn(OUT, name, 'fallback.pdf');
    expect(path).toBe(join(OUT, expected));
  });

  it('cuts a very long name before its extension', () => {
    const name = `${'园区'.repeat(200)}.pdf`;
    const safe = safeFileName(name, 'x.pdf');
    expect(safe.endsWith('园区.pdf')).toBe(true);
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(240);
  });
});
