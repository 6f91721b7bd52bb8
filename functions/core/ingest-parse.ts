/**
 * Parsing and validation of indicator batches (CSV or JSON). Pure: bytes in, records and
 * problems out. A batch is written only when it has no problem at all.
 *
 * CSV header: `zone,indicator,period,value,unit,yoy,share,qualifier,source` (yoy, share and
 * qualifier may be empty or left out; columns in any order). The value keeps the precision
 * and unit it is given in; it may carry its qualifier and unit (`超过6.3万户`). JSON: an array of objects with the same fields.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import type { InputProblem } from '../errors.ts';
import type { IndicatorRecord } from './model.ts';
import { parsePeriod } from './periods.ts';
import { recordKey } from './record-key.ts';
import type { Reference } from './reference.ts';
import { controlCharacterIn, controlCharacterMessage } from './escape.ts';
import { isQualifier, parseValueText, QUALIFIERS } from './numbers.ts';
import { didYouMean } from './suggest.ts';
import { COUNT_UNITS, INPUT_UNITS, toBaseUnit } from './units.ts';

export type ParsedRecord = Omit<IndicatorRecord, 'revision'>;

export interface ParseResult {
  records: ParsedRecord[];
  /** Rows that are valid records (also when they are not kept: `keep: false`). */
  valid?: number;
  problems: InputProblem[];
  /** The encoding the file was read in, once decoded. */
  encoding?: InputEncoding;
}

export const REQUIRED_COLUMNS = ['zone', 'indicator', 'period', 'value', 'unit', 'source'] as const;
export const OPTIONAL_COLUMNS = ['yoy', 'share', 'qualifier'] as const;
const ALL_COLUMNS: readonly string[] = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];

/** Largest file and field we accept; larger input is refused before parsing. */
export const MAX_FILE_BYTES = 128 * 1024 * 1024;
/**
 * Problems kept per batch: the first ones, in file order (a file with a million bad rows must not
 * hold a million messages; the count of the rest is reported).
 */
export const MAX_PROBLEMS = 200;
export const MAX_FIELD_CHARS = 2_000;

/**
 * Indicators that are a part of a whole in % (`*-share`, `*-share-of-national`,
 * `*-share-of-host`; see data/README.md), so 0 … 100. `*-gap` indicators are differences in
 * percentage points and may be negative.
 */
export function isShareIndicator(code: string): boolean {
  return /-share(-of-[a-z]+)?$/.test(code);
}

/** Text encodings an input file may be in (`--encoding`); `gb18030` reads GBK/GB2312 too. */
export const INPUT_ENCODINGS = ['utf-8', 'gb18030'] as const;
export type InputEncoding = (typeof INPUT_ENCODINGS)[number];

export interface DecodedInput {
  text?: string;
  /** The encoding the text was read in (detected, or as declared). */
  encoding?: InputEncoding;
  problem?: InputProblem;
}

const NOT_UTF8 = 'file is not valid UTF-8 (GBK/GB2312 from Excel?); save it as "CSV UTF-8"';

/**
 * Characters a UTF-8 reading of GBK bytes produces and our data never contains: Latin
 * Extended, IPA, combining marks, Greek, Cyrillic, Armenian, Hebrew, Arabic … (U+0100–U+07FF;
 * a GBK pair C2–DF + 80–BF is a valid 2-byte UTF-8 sequence there). `通知` in GBK reads `֪ͨ`.
 */
const GBK_AS_UTF8 = /[\u0100-\u07ff]/;
/** Text as Chinese statistics are written: anything from U+0800 up (CJK, full-width forms …). */
const WIDE = /[\u0800-\uffff]/;

function strict(encoding: InputEncoding, bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Whether bytes are valid UTF-8, and which scripts they hold — read in chunks, so that a file of
 * 100 MB never becomes one string (ingest parses UTF-8 bytes directly).
 */
function scanUtf8(bytes: Uint8Array): { valid: boolean; gbkLike: boolean; wide: boolean } {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const CHUNK = 1 << 22;
  let gbkLike = false;
  let wide = false;
  try {
    for (let at = 0; at < bytes.length; at += CHUNK) {
      const text = decoder.decode(bytes.subarray(at, at + CHUNK), { stream: true });
      gbkLike ||= GBK_AS_UTF8.test(text);
      wide ||= WIDE.test(text);
    }
    decoder.decode();
    return { valid: true, gbkLike, wide };
  } catch {
    return { valid: false, gbkLike, wide };
  }
}

/**
 * The encoding of an input file by the rule of {@link decodeInput}; the text only when it is not
 * UTF-8 (UTF-8 bytes are parsed as they are).
 */
function detectInput(
  file: string,
  bytes: Uint8Array,
  declared?: InputEncoding,
): { encoding?: InputEncoding; text?: string; problem?: InputProblem } {
  if (declared && declared !== 'utf-8') return decodeInput(file, bytes, declared);
  const hasUtf8Bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const utf16 =
    bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
  if (!utf16) {
    const scan = scanUtf8(bytes);
    if (scan.valid && (declared || hasUtf8Bom || !scan.gbkLike || scan.wide))
      return { encoding: 'utf-8' };
  }
  return decodeInput(file, bytes, declared);
}

/**
 * Decodes an input file. The rule:
 * 1. a declared encoding (`bulletin ingest --encoding gb18030`) is used as is (strictly);
 * 2. a UTF-16 byte-order mark is refused; a UTF-8 one means UTF-8;
 * 3. valid UTF-8 is UTF-8 — unless its only non-ASCII characters are in U+0100–U+07FF
 *    (scripts no Chinese statistics file uses: what GBK bytes become when they happen to be
 *    valid UTF-8) and the bytes are valid GB18030: then it is GB18030 (GBK);
 * 4. invalid UTF-8 that is valid GB18030 is GB18030 — unless a line of it is valid UTF-8 with
 *    Chinese characters in it (a file mixing both): refused;
 * 5. anything else is refused, naming the first line that is not UTF-8.
 */
export function decodeInput(
  file: string,
  bytes: Uint8Array,
  declared?: InputEncoding,
): DecodedInput {
  if (
    bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
  ) {
    return {
      problem: { file, location: '1', message: 'file is UTF-16 (BOM found); save it as UTF-8' },
    };
  }
  if (declared) {
    const text = strict(declared, bytes);
    if (text !== undefined) return { text, encoding: declared };
    return {
      problem: {
        file,
        location: String(lineOfFirstInvalidByte(bytes, declared)),
        message: `file is not valid ${declared} (the encoding given with --encoding)`,
      },
    };
  }
  const hasUtf8Bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const utf8 = strict('utf-8', bytes);
  if (utf8 !== undefined) {
    if (hasUtf8Bom || !GBK_AS_UTF8.test(utf8) || WIDE.test(utf8))
      return { text: utf8, encoding: 'utf-8' };
    const gbk = strict('gb18030', bytes);
    if (gbk !== undefined && WIDE.test(gbk) && !GBK_AS_UTF8.test(gbk))
      return { text: gbk, encoding: 'gb18030' };
    return { text: utf8, encoding: 'utf-8' };
  }
  const line = lineOfFirstInvalidByte(bytes, 'utf-8');
  const gbk = hasUtf8Bom ? undefined : strict('gb18030', bytes);
  if (gbk !== undefined && !GBK_AS_UTF8.test(gbk) && !hasChineseUtf8Line(bytes))
    return { text: gbk, encoding: 'gb18030' };
  return { problem: { file, location: String(line), message: NOT_UTF8 } };
}

/** Some line of the file is valid UTF-8 with characters from U+0800 up (Chinese) in it. */
function hasChineseUtf8Line(bytes: Uint8Array): boolean {
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      const text = strict('utf-8', bytes.subarray(start, i));
      if (text !== undefined && WIDE.test(text)) return true;
      start = i + 1;
    }
  }
  return false;
}

function lineOfFirstInvalidByte(bytes: Uint8Array, encoding: InputEncoding): number {
  let line = 1;
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      if (strict(encoding, bytes.subarray(start, i)) === undefined) return line;
      start = i + 1;
      line++;
    }
  }
  return line;
}

export interface ParseOptions {
  encoding?: InputEncoding;
  /**
   * Keep the records (default true). False: validate only, keeping nothing per row but its key
   * (for duplicates) — a file of a million rows is then checked in the memory of its keys.
   */
  keep?: boolean;
  /** What the store would refuse of a record, checked row by row (CSV). */
  refusals?: (record: ParsedRecord) => { field: string; message: string }[];
}

/**
 * Parses one file of a batch, choosing CSV or JSON by its name (`.json` → JSON), in the
 * encoding given or detected (see {@link decodeInput}).
 */
export function parseRecordFile(
  file: string,
  bytes: Uint8Array,
  ref: Reference,
  opts: ParseOptions = {},
): ParseResult {
  if (bytes.length > MAX_FILE_BYTES) {
    return fail(file, '1', `file is ${bytes.length} bytes; the limit is ${MAX_FILE_BYTES}`);
  }
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    return fail(file, '1', 'file is a ZIP archive (an Excel .xlsx?); export it as "CSV UTF-8"');
  }
  if (/\.json$/i.test(file)) {
    const decoded = decodeInput(file, bytes, opts.encoding);
    if (decoded.problem) return { records: [], problems: [decoded.problem] };
    const text = decoded.text!;
    if (text.trim() === '') return fail(file, '1', 'file is empty');
    return { ...parseJson(file, text, ref), encoding: decoded.encoding! };
  }
  const detected = detectInput(file, bytes, opts.encoding);
  if (detected.problem) return { records: [], problems: [detected.problem] };
  // UTF-8 is parsed from its bytes (no copy of a big file as one string); GB18030 from its text.
  const input = detected.text !== undefined ? Buffer.from(detected.text, 'utf8') : bytes;
  if (isBlank(input)) return fail(file, '1', 'file is empty');
  const loneCr = loneCrLine(input);
  if (loneCr)
    return fail(
      file,
      String(loneCr),
      'line ends with a lone CR (carriage return, as old Mac files do): save the file with LF or CRLF line endings (如 Excel 的 "CSV UTF-8")',
    );
  return { ...parseCsvBytes(file, input, ref, opts), encoding: detected.encoding! };
}

/** Nothing but white space (and a byte order mark). */
function isBlank(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    if (i < 3 && (b === 0xef || b === 0xbb || b === 0xbf)) continue;
    return false;
  }
  return true;
}

/** The line of the first CR not followed by LF, or 0. */
function loneCrLine(bytes: Uint8Array): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = buf.indexOf(0x0d);
  while (at >= 0 && buf[at + 1] === 0x0a) at = buf.indexOf(0x0d, at + 2);
  if (at < 0) return 0;
  let line = 1;
  for (let i = buf.indexOf(0x0a); i >= 0 && i < at; i = buf.indexOf(0x0a, i + 1)) line++;
  // Lone CRs before `at` end lines too.
  for (let i = buf.indexOf(0x0d); i >= 0 && i < at; i = buf.indexOf(0x0d, i + 1))
    if (buf[i + 1] !== 0x0a) line++;
  return line;
}

function fail(file: string, location: string, message: string, field?: string): ParseResult {
  return { records: [], problems: [{ file, location, message, ...(field ? { field } : {}) }] };
}

/** Strings repeated on many rows (sources, units, periods) kept once. */
function interner(): (text: string) => string {
  const seen = new Map<string, string>();
  return (text) => {
    const found = seen.get(text);
    if (found !== undefined) return found;
    if (seen.size < 100_000) seen.set(text, text);
    return text;
  };
}

/**
 * Parses and validates CSV bytes row by row (csv-parse's `on_record`): no row is kept once
 * checked, only its record — so a file of a million rows needs the memory of its records, not
 * of its rows too.
 */
function parseCsvBytes(
  file: string,
  bytes: Uint8Array,
  ref: Reference,
  opts: ParseOptions = {},
): ParseResult {
  let valid = 0;
  const problems: InputProblem[] = [];
  const records: ParsedRecord[] = [];
  const intern = interner();
  let header: string[] | undefined;
  let named = 0;
  let width = 0;
  let rows = 0;
  let headerProblem: InputProblem | undefined;
  // Keys as numbers (zone, indicator, period), first line as the value: a million rows' keys
  // in ≈ 40 MB, where strings took ≈ 100 MB.
  const seen = new Map<number, number>();
  const zoneIndex = new Map(ref.zones.map((z, i) => [z.id, i]));
  const indicatorIndex = new Map(ref.indicators.map((x, i) => [x.code, i]));
  const keyOf = (r: ParsedRecord): number => {
    const p = parsePeriod(r.period)!;
    const part =
      p.granularity === 'annual' ? 0 : p.granularity === 'quarterly' ? 20 + p.part! : p.part!;
    return (
      ((zoneIndex.get(r.zone)! * 4096 + indicatorIndex.get(r.indicator)!) * 10_000 + p.year) * 100 +
      part
    );
  };
  const STOP = Symbol('stop');
  let lastGoodLine = 0;
  const onRecord = (record: string[], context: { lines: number }) => {
    lastGoodLine = context.lines;
    if (!header) {
      const head = record.map((h) => h.trim().toLowerCase());
      // Spreadsheets export trailing separators (`…,source,`): unnamed columns at the end are
      // dropped when they hold nothing; a value under one is refused where it is.
      named = head.length - [...head].reverse().findIndex((h) => h !== '');
      width = head.length;
      header = named > 0 && named < head.length ? head.slice(0, named) : head;
      headerProblem = headerProblemOf(file, header);
      if (headerProblem) throw STOP;
      return undefined;
    }
    rows++;
    const line = String(context.lines);
    if (named > 0 && named < width && record.length === width) {
      const extra = record.slice(named).findIndex((cell) => cell.trim() !== '');
      if (extra >= 0) {
        problems.push({
          file,
          location: line,
          message: `a value in column ${named + extra + 1}, which has no name in the header`,
        });
        return undefined;
      }
      record = record.slice(0, named);
    }
    if (record.length !== header.length) {
      problems.push({
        file,
        location: line,
        message: `${record.length} fields, expected ${header.length}`,
      });
    } else {
      const fields: Record<string, string> = {};
      header.forEach((h, i) => (fields[h] = record[i] ?? ''));
      const rec = validateRow(file, line, fields, ref, problems);
      if (rec) {
        const key = keyOf(rec);
        const first = seen.get(key);
        if (first !== undefined)
          problems.push({
            file,
            location: line,
            field: 'zone',
            message: `duplicate of line ${first} (${rec.zone}, ${rec.indicator}, ${rec.period})`,
          });
        else seen.set(key, context.lines);
        for (const p of opts.refusals?.(rec) ?? [])
          problems.push({ file, location: line, field: p.field, message: p.message });
        valid++;
        if (!problems.length && opts.keep !== false) {
          rec.source = intern(rec.source);
          rec.period = intern(rec.period);
          if (rec.reportedUnit) rec.reportedUnit = intern(rec.reportedUnit);
          records.push(rec);
        }
      }
    }
    // The first problems are enough to act on: stop reading (the rest is not validated).
    if (problems.length >= MAX_PROBLEMS) {
      problems.push({
        file,
        location: line,
        message: `前 ${MAX_PROBLEMS} 个问题之后停止检查（其后各行未检查）: fix these and run again`,
      });
      throw STOP;
    }
    return undefined;
  };
  try {
    parseCsv(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      bom: true,
      encoding: 'utf8',
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: MAX_FIELD_CHARS * 16,
      on_record: onRecord,
    });
  } catch (err) {
    if (err !== STOP) {
      problems.push(
        csvSyntaxProblem(file, new TextDecoder('utf-8').decode(bytes), err, lastGoodLine),
      );
      return { records: [], problems };
    }
  }
  if (headerProblem) return { records: [], problems: [headerProblem] };
  if (!header) return fail(file, '1', 'file is empty');
  if (rows === 0 && !problems.length) return fail(file, '2', 'no data rows after the header');
  return { records: problems.length ? [] : records, problems, valid };
}

/** What is wrong with a header (missing, unknown or repeated columns), or undefined. */
function headerProblemOf(file: string, header: string[]): InputProblem | undefined {
  const unknown = header.filter((h) => !ALL_COLUMNS.includes(h)).map((h) => h || '(no name)');
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  const dupes = header.filter((h, i) => header.indexOf(h) !== i);
  if (!unknown.length && !missing.length && !dupes.length) return undefined;
  const parts = [
    missing.length ? `missing column(s) ${missing.join(', ')}` : '',
    unknown.length ? `unknown column(s) ${unknown.join(', ')}` : '',
    dupes.length ? `repeated column(s) ${dupes.join(', ')}` : '',
  ].filter(Boolean);
  return {
    file,
    location: '1',
    message: `header: ${parts.join('; ')} (expected ${[...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS].join(',')})`,
  };
}

/**
 * A CSV syntax error located at the line where the broken record starts (csv-parse reports
 * where it gave up, which for an unclosed quote is the end of the file) and, when known, the
 * column's name.
 */
function csvSyntaxProblem(
  file: string,
  text: string,
  err: unknown,
  lastGoodLine?: number,
): InputProblem {
  const e = err as {
    message: string;
    code?: string;
    lines?: number;
    bytes_records?: number;
    column?: unknown;
  };
  let line = 1;
  if (lastGoodLine !== undefined) line = lastGoodLine + 1;
  else
    for (const byte of Buffer.from(text, 'utf8').subarray(0, e.bytes_records ?? 0))
      if (byte === 0x0a) line++;
  // Skip the blank lines between the last good record and the broken one.
  const lines = text.split('\n');
  while (line < (e.lines ?? line) && (lines[line - 1] ?? '').trim() === '') line++;
  let field: string | undefined;
  if (typeof e.column === 'number') {
    try {
      const [head] = parseCsv(text, { bom: true, to_line: 1 }) as string[][];
      field = head?.[e.column]?.trim().toLowerCase();
    } catch {
      field = undefined; // the header itself is broken: no name to give
    }
  }
  const message =
    e.code === 'CSV_QUOTE_NOT_CLOSED'
      ? 'CSV syntax: a quoted field opens on this line and is never closed'
      : `CSV syntax: ${e.message.replace(/^Invalid [^:]*: /, '')}`;
  return { file, location: String(line), message, ...(field ? { field } : {}) };
}

/** A JSON syntax error located by line and column (the parser reports a character offset). */
export function jsonSyntaxProblem(file: string, text: string, err: unknown): InputProblem {
  const message = (err as Error).message;
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined) return { file, location: '$', message: `JSON syntax: ${message}` };
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = Number(position) - before.lastIndexOf('\n');
  const reason = message.replace(/ in JSON at position \d+.*$/s, '');
  return { file, location: String(line), message: `JSON syntax: ${reason} (column ${column})` };
}

function parseJson(file: string, text: string, ref: Reference): ParseResult {
  let data: unknown;
  const json = text.replace(/^\uFEFF/, '');
  try {
    data = JSON.parse(json);
  } catch (err) {
    return { records: [], problems: [jsonSyntaxProblem(file, json, err)] };
  }
  if (!Array.isArray(data)) return fail(file, '$', 'expected a JSON array of records');
  if (data.length === 0) return fail(file, '$', 'the array is empty');
  const problems: InputProblem[] = [];
  const records: ParsedRecord[] = [];
  data.forEach((item, i) => {
    const loc = `$[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      const got = item === null ? 'null' : Array.isArray(item) ? 'an array' : typeof item;
      problems.push({ file, location: loc, message: `expected an object, got ${got}` });
      return;
    }
    const obj = item as Record<string, unknown>;
    const unknownKeys = Object.keys(obj).filter((k) => !ALL_COLUMNS.includes(k));
    for (const k of unknownKeys)
      problems.push({ file, location: `${loc}.${k}`, field: k, message: 'unknown field' });
    const fields: Record<string, string> = {};
    const before = problems.length;
    for (const key of ALL_COLUMNS) {
      const v = obj[key];
      if (v === undefined || v === null) fields[key] = '';
      else if (typeof v === 'string' || typeof v === 'number') fields[key] = String(v);
      else
        problems.push({
          file,
          location: `${loc}.${key}`,
          field: key,
          message: `expected a string or number, got ${Array.isArray(v) ? 'an array' : typeof v}`,
        });
    }
    // A field of the wrong type is reported once, not again as "empty".
    if (problems.length > before) return;
    const rec = validateRow(file, loc, fields, ref, problems, (f) => `${loc}.${f}`);
    if (rec) records.push(rec);
  });
  findDuplicates(file, records, problems);
  return { records: problems.length ? [] : records, problems };
}

/** Digits a double keeps exactly, whatever they are (a 16th may already be rounded away). */
export const MAX_SIGNIFICANT_DIGITS = 15;

/** Significant digits of a plain decimal text (`0.0120` → 3, `9007199254740993` → 16). */
export function significantDigits(text: string): number {
  const mantissa = text.replace(/^[+-]/, '').replace(/[eE].*$/, '');
  const digits = mantissa.replace('.', '').replace(/^0+/, '');
  // Trailing zeros of an integer are the magnitude, not precision (`19300000000`).
  return (mantissa.includes('.') ? digits : digits.replace(/0+$/, '')).length;
}

const NUMBER_RE = /^[+-]?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (!NUMBER_RE.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

function validateRow(
  file: string,
  line: string,
  f: Record<string, string>,
  ref: Reference,
  problems: InputProblem[],
  where: (field: string) => string = () => line,
): ParsedRecord | undefined {
  const before = problems.length;
  const add = (field: string, message: string) =>
    problems.push({ file, location: where(field), field, message });

  for (const [key, value] of Object.entries(f)) {
    if (value.length > MAX_FIELD_CHARS)
      add(key, `field is ${value.length} characters; the limit is ${MAX_FIELD_CHARS}`);
    const control = controlCharacterIn(value);
    if (control) add(key, controlCharacterMessage(control));
  }
  if (problems.length > before) return undefined;

  const zoneText = f.zone?.trim() ?? '';
  const zone = zoneText ? ref.resolveZone(zoneText) : undefined;
  if (!zoneText) add('zone', 'empty');
  else if (!zone)
    add(
      'zone',
      `unknown zone "${zoneText}" (use an id or a name from data/zones.json)${didYouMean(
        zoneText,
        ref.zones.map((z) => ({
          label: `${z.name} (${z.id})`,
          names: [z.id, z.name, z.shortName ?? '', ...(z.aliases ?? [])],
        })),
      )}`,
    );

  const indText = f.indicator?.trim() ?? '';
  const indicator = indText ? ref.resolveIndicator(indText) : undefined;
  if (!indText) add('indicator', 'empty');
  else if (!indicator)
    add(
      'indicator',
      `unknown indicator "${indText}" (use a code or a name from data/indicators.json)`,
    );

  const periodText = f.period?.trim() ?? '';
  if (!parsePeriod(periodText))
    add('period', `"${periodText}" is not a period (2024, 2024-Q3 or 2024-10)`);

  // The value cell may carry its qualifier and unit: `1.37万亿元`, `超过6.3万户`, `3900余家`.
  const valueText = f.value?.trim() ?? '';
  const parsed = valueText ? parseValueText(valueText) : undefined;
  if (valueText === '')
    add('value', 'empty (a missing figure is left out, never written as 0 or blank)');
  else if (!parsed)
    add(
      'value',
      `"${valueText}" is not a number (a qualifier such as 约/超过 and a unit may surround it; no thousands separators)`,
    );
  else if (significantDigits(parsed.number) > MAX_SIGNIFICANT_DIGITS)
    add(
      'value',
      `"${parsed.number}" 有 ${significantDigits(parsed.number)} 位有效数字，超过能精确保存的 ${MAX_SIGNIFICANT_DIGITS} 位（存储的是双精度数）`,
    );

  const unitColumn = f.unit?.trim() ?? '';
  const unit = unitColumn || parsed?.unit || '';
  if (parsed?.unit && unitColumn && parsed.unit !== unitColumn)
    add('unit', `the value says "${parsed.unit}" but the unit column says "${unitColumn}"`);
  const qualifierColumn = f.qualifier?.trim() ?? '';
  if (qualifierColumn && !isQualifier(qualifierColumn))
    add('qualifier', `unknown qualifier "${qualifierColumn}" (one of ${QUALIFIERS.join(' ')})`);
  if (parsed?.qualifier && qualifierColumn && parsed.qualifier !== qualifierColumn)
    add(
      'qualifier',
      `the value says "${parsed.qualifier}" but the qualifier column says "${qualifierColumn}"`,
    );
  const qualifier = qualifierColumn || parsed?.qualifier;
  const raw = parsed ? Number(parsed.number) : undefined;
  let value: number | undefined;
  if (!unit) add('unit', 'empty');
  else if (!INPUT_UNITS.includes(unit))
    add('unit', `unknown unit "${unit}" (one of ${INPUT_UNITS.join(' ')})`);
  else if (indicator && parsed && raw !== undefined) {
    value = toBaseUnit(parsed.number, unit, indicator.unit);
    if (value === undefined)
      add(
        'unit',
        `"${unit}" does not fit indicator ${indicator.code}, measured in ${indicator.unit}`,
      );
    else if (COUNT_UNITS.has(indicator.unit) && value < 0)
      add('value', `a count (${indicator.unit}) cannot be negative`);
    else if (isShareIndicator(indicator.code) && (value < 0 || value > 100))
      add('value', `${raw}% is not a share (0 … 100) for indicator ${indicator.code}`);
    else if (indicator.unit === '%' && (value < -100 || value > 100_000))
      add('value', `${raw}% is out of range`);
  }

  const yoy = optionalNumber('yoy', f.yoy, add);
  if (yoy !== undefined && (yoy < -100 || yoy > 100_000))
    add('yoy', `${yoy}% is out of range (−100 … 100000)`);
  const share = optionalNumber('share', f.share, add);
  if (share !== undefined && (share < 0 || share > 100))
    add('share', `${share}% is not a share (0 … 100)`);

  const source = (f.source ?? '').trim();
  if (source.length < 2) add('source', 'every record needs its source (document and publisher)');

  if (problems.length > before || !zone || !indicator || value === undefined) return undefined;
  const rec: ParsedRecord = {
    zone: zone.id,
    indicator: indicator.code,
    period: periodText,
    value,
    reportedValue: parsed!.number,
    reportedUnit: unit,
    source,
    origin: `${file}:${line}`,
  };
  if (qualifier) rec.qualifier = qualifier;
  if (yoy !== undefined) rec.yoy = yoy;
  if (share !== undefined) rec.share = share;
  return rec;
}

function optionalNumber(
  field: string,
  text: string | undefined,
  add: (field: string, message: string) => void,
): number | undefined {
  const t = (text ?? '').trim().replace(/%$/, '');
  if (t === '') return undefined;
  const n = parseNumber(t);
  if (n === undefined) add(field, `"${text}" is not a number (in %, e.g. 7.6)`);
  return n;
}

function findDuplicates(file: string, records: ParsedRecord[], problems: InputProblem[]): void {
  const seen = new Map<string, string>();
  for (const r of records) {
    const key = recordKey(r);
    const first = seen.get(key);
    const at = r.origin?.split(':').pop() ?? '?';
    if (first) {
      problems.push({
        file,
        location: at,
        field: 'zone',
        message: `duplicate of ${first} (${r.zone}, ${r.indicator}, ${r.period})`,
      });
    } else seen.set(key, `line ${at}`);
  }
}

/** Checks keys repeated across the files of one batch. */
export function findCrossFileDuplicates(records: ParsedRecord[]): InputProblem[] {
  const seen = new Map<string, string>();
  const problems: InputProblem[] = [];
  for (const r of records) {
    const key = recordKey(r);
    const origin = r.origin ?? '?';
    const first = seen.get(key);
    if (first) {
      const [file, location] = [
        origin.slice(0, origin.lastIndexOf(':')),
        origin.slice(origin.lastIndexOf(':') + 1),
      ];
      problems.push({
        file,
        location,
        field: 'zone',
        message: `same key as ${first} in this batch`,
      });
    } else seen.set(key, origin);
  }
  return problems;
}
