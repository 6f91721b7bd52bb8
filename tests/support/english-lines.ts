/**
 * The rule a line a person reads must pass: it is Chinese, or it carries no words at all —
 * technical tokens only (ids, paths, URLs, options, numbers, a few technical terms).
 *
 * A line's **words** are what is left after removing
 *   1. ANSI escapes,
 *   2. URLs (`scheme://…`),
 *   3. anything with a `/` or `\` in it (paths, `2/20`),
 *   4. options (`--force`, `-q`),
 *   5. tokens holding a digit or one of `_ : # @ = .` (ids such as `torch-bulletin-551`'s
 *      number, run ids, slot keys `cli:…`, file names, times), and hyphenated identifiers
 *      (`torch-bulletin`, `zone-profile`):
 * the runs of two or more Latin letters that are not one of {@link TERMS}.
 *
 * A line fails (is English) when it holds such a word and
 * - no CJK character (CJK ideographs, CJK punctuation, full-width forms): **English-only**; or
 * - three words or more, at least one English word for every two CJK characters: **mostly
 *   English** — a Chinese lead-in before an English sentence (`注意：render of x failed: timeout
 *   exceeded`). A technical term or two in parentheses (`运行 (run) … 槽位 (slot)`) passes.
 */
const CJK = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]/;

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;
const TECHNICAL: RegExp[] = [
  /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi,
  /\S*[/\\]\S*/g,
  /(^|\s)--?[a-z][\w-]*/gi,
  /\S*[\d_:#@=.]\S*/g,
  /\b[a-z]+(?:-[a-z]+)+\b/gi,
];

/** Technical terms a Chinese line may carry, and that may stand alone (a column, a label). */
export const TERMS = new Set([
  'PDF',
  'HTML',
  'CSV',
  'JSON',
  'API',
  'URL',
  'S3',
  'KB',
  'MB',
  'ms',
  'id',
  'npm',
  'npx',
  'bulletin',
]);

const CJK_ALL = new RegExp(CJK.source, 'g');

/** The words of a line, and its CJK characters (see the module comment). */
function wordsOf(line: string): { words: string[]; cjk: number } {
  let rest = line.replace(ANSI, '');
  const cjk = (rest.match(CJK_ALL) ?? []).length;
  for (const re of TECHNICAL) rest = rest.replace(re, ' ');
  return { words: (rest.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !TERMS.has(w)), cjk };
}

/** Whether a line reads as English only (see the module comment for the exact rule). */
export function isEnglishOnly(line: string): boolean {
  const { words, cjk } = wordsOf(line);
  return cjk === 0 && words.length > 0;
}

/** Whether a line is English with a little Chinese: three words or more, a word per two CJK characters. */
export function isMostlyEnglish(line: string): boolean {
  const { words, cjk } = wordsOf(line);
  return cjk > 0 && words.length >= 3 && words.length * 2 >= cjk;
}

/** Whether a line fails the rule: English-only or mostly English. */
export function isEnglish(line: string): boolean {
  return isEnglishOnly(line) || isMostlyEnglish(line);
}

/** The lines of a command's output that fail the rule (English-only or mostly English). */
export function englishLines(output: string): string[] {
  return output
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l && isEnglish(l));
}
