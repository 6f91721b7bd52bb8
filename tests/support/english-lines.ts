/**
 * The rule a line a person reads must pass: it is Chinese, or it carries no words at all —
 * technical tokens only (ids, paths, URLs, options, numbers, a few technical terms).
 *
 * A line is **English-only** when, after removing
 *   1. ANSI escapes,
 *   2. URLs (`scheme://…`),
 *   3. anything with a `/` or `\` in it (paths, `2/20`),
 *   4. options (`--force`, `-q`),
 *   5. tokens holding a digit or one of `_ : # @ = .` (ids such as `torch-bulletin-551`'s
 *      number, run ids, slot keys `cli:…`, file names, times), and hyphenated identifiers
 *      (`torch-bulletin`, `zone-profile`),
 * it still holds a word of two or more Latin letters that is not one of {@link TERMS} —
 * and it holds no CJK character (CJK ideographs, CJK punctuation, full-width forms).
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

/** Whether a line reads as English only (see the module comment for the exact rule). */
export function isEnglishOnly(line: string): boolean {
  let rest = line.replace(ANSI, '');
  if (CJK.test(rest)) return false;
  for (const re of TECHNICAL) rest = rest.replace(re, ' ');
  return (rest.match(/[A-Za-z]{2,}/g) ?? []).some((w) => !TERMS.has(w));
}

/** The English-only lines of a command's output. */
export function englishOnlyLines(output: string): string[] {
  return output
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l && isEnglishOnly(l));
}
