/**
 * Issue 23.4: every error a person may read is Chinese (technical terms may follow in
 * parentheses). The texts of `functions/` that reach a person when something goes wrong — what
 * an error is constructed with, the `error`/`message` of API JSON bodies and problem lists (see
 * `tests/support/message-texts.ts`) — must each pass the English-line rule the CLI walk-through
 * uses (`tests/support/english-lines.ts`): a line with no Chinese, or mostly English, fails.
 * A new English error anywhere in `functions/` fails here, naming its file and line. There is no
 * allowlist: an internal invariant that should never reach a person is written in Chinese too
 * (if it ever does, it reads).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isEnglish } from '#tests/support/english-lines.ts';
import { messageTexts, messageTextsUnder } from '#tests/support/message-texts.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

const english = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .some((l) => l && isEnglish(l));

describe('errors a person reads are Chinese', () => {
  it('finds the error texts of a source, and tells English from Chinese', () => {
    const found = messageTexts(
      [
        "throw new NotFoundError('lifecycle', `no issue ${id}`);",
        "throw new ConflictError('lifecycle', `没有这一期：${id}（bulletin list 列出全部）`);",
        "throw new ValidationError('x', [{ file: 'a.csv', location: '3', field: 'zone', message: 'unknown zone' }]);",
        "return c.json({ error: ok ? '未找到' : 'not found here' }, 404);",
        "return problem(c, 400, 'invalid query parameters', { problems });",
        "throw new Error('unreachable');",
        'class PageError extends Error { constructor(n: number) { super(`[render] page has ${n} problems`); } }',
        "return { zone, status: 'skipped', note: 'no annual records' };",
      ].join('\n'),
      'x.ts',
    );

    expect(found.map((m) => [m.where, m.text, english(m.text)])).toEqual([
      ['x.ts:1', 'no issue 0', true],
      ['x.ts:2', '没有这一期：0（bulletin list 列出全部）', false],
      ['x.ts:3', 'unknown zone', true],
      ['x.ts:4', '未找到', false],
      ['x.ts:4', 'not found here', true],
      ['x.ts:5', 'invalid query parameters', true],
      ['x.ts:7', 'page has 0 problems', true],
      ['x.ts:8', 'no annual records', true],
    ]);
  });

  it('no English error text in functions/', () => {
    const texts = messageTextsUnder(path.join(ROOT, 'functions'), ROOT);
    const bad = texts
      .filter((m) => english(m.text))
      .map((m) => `${m.where}: ${JSON.stringify(m.text)}`);

    expect(texts.length).toBeGreaterThan(250);
    expect(bad).toEqual([]);
  });
});
