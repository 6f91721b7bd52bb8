/**
 * Parsing and validation of indicator batches (CSV or JSON). Pure: bytes in, records and
 * problems out. A batch is written only when it has no problem at all.
 *
 * CSV header: `zone,indicator,period,value,unit,yoy,share,qualifier,source` (yoy, share and
 * qualifier may be empty or left out; columns in any order). The value keeps the precision
 * and unit it is given in; it may carry its qualifier and unit (`超过6.3万户`). JSON: an array of objects with the same fields.
 */
import { parse as parseCsvStream } from 'csv-parse';
import type { InputProblem } from '../errors.ts';
import type { IndicatorRecord } from './model.ts';
import { parsePeriod } from './periods.ts';
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

const NOT_UTF8 = '文件不是有效的 UTF-8 编码（Excel 存的 GBK/GB2312？）：请另存为 "CSV UTF-8"';

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
      problem: { file, location: '1', message: '文件是 UTF-16 编码（有 BOM）：请另存为 UTF-8' },
    };
  }
  if (declared) {
    const text = strict(declared, bytes);
    if (text !== undefined) return { text, encoding: declared };
    return {
      problem: {
        file,
        location: String(lineOfFirstInvalidByte(bytes, declared)),
        message: `文件不是有效的 ${declared} 编码（--encoding 所给的编码）`,
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
  /** Keep the records (default true; {@link parseRecordFile} only). */
  keep?: boolean;
  /** What the store would refuse of a record, checked row by row. */
  refusals?: (record: ParsedRecord) => { field: string; message: string }[];
  /**
   * The batch's keys (duplicates within a file and across the files of a batch, in the memory
   * of one number a row); default: the file's own; false: duplicates not looked for (a file
   * read again once validated).
   */
  keys?: BatchKeys | false;
}

/**
 * The bytes of an input file, read again from the start at each call: a file is read in passes
 * (its encoding, then its rows; ingest reads it once more to store it), never held whole.
 */
export type ByteSource = () => AsyncIterable<Uint8Array>;

/** Bytes already in memory as a {@link ByteSource}, in chunks of 1 MB. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  const CHUNK = 1 << 20;
  return async function* () {
    for (let at = 0; at < bytes.length; at += CHUNK) yield bytes.subarray(at, at + CHUNK);
  };
}

async function readAll(open: ByteSource): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of open()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Where each record of a batch was first met, as one number per key (zone, indicator, period as
 * indexes): a million rows' keys in ≈ 40 MB, where strings took ≈ 100 MB.
 */
export class BatchKeys {
  private readonly seen = new Map<number, number>();
  private readonly files: { name: string; json: boolean }[] = [];
  private readonly zoneIndex: Map<string, number>;
  private readonly indicatorIndex: Map<string, number>;

  constructor(ref: Reference) {
    this.zoneIndex = new Map(ref.zones.map((z, i) => [z.id, i]));
    this.indicatorIndex = new Map(ref.indicators.map((x, i) => [x.code, i]));
  }

  private keyOf(r: ParsedRecord): number {
    const p = parsePeriod(r.period)!;
    const part =
      p.granularity === 'annual' ? 0 : p.granularity === 'quarterly' ? 20 + p.part! : p.part!;
    const zone = this.zoneIndex.get(r.zone)!;
    const indicator = this.indicatorIndex.get(r.indicator)!;
    return ((zone * 4096 + indicator) * 10_000 + p.year) * 100 + part;
  }

  /** Numbers the files of a batch (in order). */
  file(name: string): number {
    this.files.push({ name, json: /\.json$/i.test(name) });
    return this.files.length - 1;
  }

  /**
   * Remembers a record (a CSV line, or a JSON array index) and, if its key was met before in the
   * batch, says where.
   */
  duplicate(fileIndex: number, at: number, r: ParsedRecord): string | undefined {
    const key = this.keyOf(r);
    const first = this.seen.get(key);
    if (first === undefined) {
      this.seen.set(key, fileIndex * 2 ** 32 + at);
      return undefined;
    }
    const firstFile = Math.floor(first / 2 ** 32);
    const f = this.files[firstFile]!;
    const place = f.json ? `$[${first % 2 ** 32}]` : String(first % 2 ** 32);
    const where = f.json ? place : `第 ${place} 行`;
    const what = `（${r.zone}, ${r.indicator}, ${r.period}）`;
    if (firstFile !== fileIndex) return `与本批文件 ${f.name} ${where}重复${what}`;
    return `与${where}重复${what}`;
  }
}

/**
 * Parses one file of a batch (see {@link recordsOfFile}) and keeps its records
 * (`keep: false`: only counts them).
 */
export async function parseRecordFile(
  file: string,
  bytes: Uint8Array | ByteSource,
  ref: Reference,
  opts: ParseOptions = {},
): Promise<ParseResult> {
  const problems: InputProblem[] = [];
  const records: ParsedRecord[] = [];
  const rows = recordsOfFile(file, typeof bytes === 'function' ? bytes : bytesSource(bytes), ref, {
    ...opts,
    problems,
  });
  for (;;) {
    const next = await rows.next();
    if (next.done) {
      const out = next.value;
      return {
        records: problems.length ? [] : records,
        problems,
        valid: out.valid,
        ...(out.encoding ? { encoding: out.encoding } : {}),
      };
    }
    if (opts.keep !== false && !problems.length) records.push(next.value);
  }
}

/**
 * Reads one file of a batch, choosing CSV or JSON by its name (`.json` → JSON), in the encoding
 * given or detected (see {@link decodeInput}), and yields its valid records one by one while
 * problems go into `opts.problems` (each file stops at {@link MAX_PROBLEMS}). A CSV file is read
 * as a stream: nothing of it is kept but the current row (and, in `keys`, a number per row).
 * Returns the count of valid records and the encoding.
 */
export async function* recordsOfFile(
  file: string,
  open: ByteSource,
  ref: Reference,
  opts: ParseOptions & { problems: InputProblem[] },
): AsyncGenerator<ParsedRecord, { valid: number; encoding?: InputEncoding }> {
  const { problems } = opts;
  const keys = opts.keys === false ? undefined : (opts.keys ?? new BatchKeys(ref));
  const fileIndex = keys?.file(file) ?? 0;
  const scan = await scanInput(open);
  if (scan.size > MAX_FILE_BYTES) {
    problems.push(problemAt(file, '1', `文件超过 ${MAX_FILE_BYTES} 字节的上限`));
    return { valid: 0 };
  }
  const head = scan.head;
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    problems.push(
      problemAt(file, '1', '文件是 ZIP 压缩包（Excel 的 .xlsx？）：请导出为 "CSV UTF-8"'),
    );
    return { valid: 0 };
  }
  if (/\.json$/i.test(file)) {
    const decoded = decodeInput(file, await readAll(open), opts.encoding);
    if (decoded.problem) {
      problems.push(decoded.problem);
      return { valid: 0 };
    }
    const text = decoded.text!;
    if (text.trim() === '') {
      problems.push(problemAt(file, '1', EMPTY));
      return { valid: 0 };
    }
    const out = parseJson(file, text, ref);
    let valid = 0;
    out.records.forEach((rec, i) => {
      valid++;
      const at = Number(/\$\[(\d+)\]$/.exec(rec.origin ?? '')?.[1] ?? i);
      const dup = keys?.duplicate(fileIndex, at, rec);
      if (dup) out.problems.push({ file, location: `$[${at}]`, field: 'zone', message: dup });
      for (const p of opts.refusals?.(rec) ?? [])
        out.problems.push({
          file,
          location: `$[${at}].${p.field}`,
          field: p.field,
          message: p.message,
        });
    });
    for (const p of out.problems) problems.push(p);
    if (!problems.length) for (const rec of out.records) yield rec;
    return { valid, encoding: decoded.encoding! };
  }
  const detected = await detectInput(file, open, scan, opts.encoding);
  if (detected.problem) {
    problems.push(detected.problem);
    return { valid: 0 };
  }
  const input = detected.open ?? open;
  const checked = detected.scan ?? scan;
  if (checked.blank) {
    problems.push(problemAt(file, '1', EMPTY));
    return { valid: 0 };
  }
  if (checked.loneCrLine) {
    problems.push(
      problemAt(
        file,
        String(checked.loneCrLine),
        '行尾只有 CR（回车，旧式 Mac 文件的换行）：请以 LF 或 CRLF 换行另存（如 Excel 的 "CSV UTF-8"）',
      ),
    );
    return { valid: 0 };
  }
  const valid = yield* csvRecords(file, { keys, fileIndex }, input, ref, opts);
  return { valid, encoding: detected.encoding! };
}

const EMPTY = '文件是空的';

/** CSV syntax errors (csv-parse's codes) in words. */
const CSV_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: '本行开始的带引号字段没有闭合的引号',
  INVALID_OPENING_QUOTE: '字段中间出现引号（请给整个字段加引号，字段内的引号写成两个 ""）',
  CSV_INVALID_CLOSING_QUOTE: '闭合引号之后还有字符（字段内的引号须写成两个 ""）',
  CSV_MAX_RECORD_SIZE: `一行超过 ${MAX_FIELD_CHARS * 16} 个字符的上限`,
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: '字段数与表头不同',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: '闭合引号之后还有字符',
};

/** What a JSON value is, in words (`，实为数组`). */
function jsonKind(v: unknown): string {
  if (v === null) return ' null';
  if (Array.isArray(v)) return '数组（array）';
  const words: Record<string, string> = {
    string: '字符串',
    number: '数字',
    boolean: '布尔值（boolean）',
    object: '对象（object）',
  };
  return words[typeof v] ?? typeof v;
}

const problemAt = (file: string, location: string, message: string): InputProblem => ({
  file,
  location,
  message,
});

function fail(file: string, location: string, message: string): ParseResult {
  return { records: [], problems: [problemAt(file, location, message)] };
}

interface ByteScan {
  /** Bytes read (the scan stops past {@link MAX_FILE_BYTES}). */
  size: number;
  /** The first four bytes. */
  head: Uint8Array;
  utf8: boolean;
  /** Characters of U+0100–U+07FF (see {@link GBK_AS_UTF8}), when read as UTF-8. */
  gbkLike: boolean;
  /** Characters from U+0800 up, when read as UTF-8. */
  wide: boolean;
  /** Nothing but white space (and a byte order mark). */
  blank: boolean;
  /** The line of the first CR not followed by LF, or 0. */
  loneCrLine: number;
}

/** One pass over a file's bytes: what its encoding and line endings are. */
async function scanInput(open: ByteSource): Promise<ByteScan> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const scan: ByteScan = {
    size: 0,
    head: new Uint8Array(4),
    utf8: true,
    gbkLike: false,
    wide: false,
    blank: true,
    loneCrLine: 0,
  };
  let line = 1;
  let crAtEnd = false;
  for await (const chunk of open()) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let i = 0; i < buf.length && scan.size + i < 4; i++) scan.head[scan.size + i] = buf[i]!;
    if (scan.blank)
      for (let i = 0; i < buf.length; i++) {
        const b = buf[i]!;
        if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
        if (scan.size + i < 3 && (b === 0xef || b === 0xbb || b === 0xbf)) continue;
        scan.blank = false;
        break;
      }
    if (!scan.loneCrLine && buf.length) {
      if (crAtEnd && buf[0] !== 0x0a) scan.loneCrLine = line;
      crAtEnd = false;
      let at = buf.indexOf(0x0d);
      while (at >= 0 && buf[at + 1] === 0x0a) at = buf.indexOf(0x0d, at + 2);
      if (at === buf.length - 1) {
        crAtEnd = true; // the next chunk says whether an LF follows
        at = -1;
      }
      const end = at >= 0 ? at : buf.length;
      for (let i = buf.indexOf(0x0a); i >= 0 && i < end; i = buf.indexOf(0x0a, i + 1)) line++;
      if (at >= 0 && !scan.loneCrLine) scan.loneCrLine = line;
    }
    if (scan.utf8)
      try {
        const text = decoder.decode(buf, { stream: true });
        scan.gbkLike ||= GBK_AS_UTF8.test(text);
        scan.wide ||= WIDE.test(text);
      } catch {
        scan.utf8 = false;
      }
    scan.size += buf.length;
    if (scan.size > MAX_FILE_BYTES) return scan;
  }
  if (crAtEnd && !scan.loneCrLine) scan.loneCrLine = line;
  if (scan.utf8)
    try {
      decoder.decode();
    } catch {
      scan.utf8 = false;
    }
  return scan;
}

/**
 * The encoding of a CSV file by the rule of {@link decodeInput}, the file read as a stream:
 * UTF-8 is parsed from the file's bytes as they are; a declared or detected GB18030 is decoded
 * chunk by chunk as it is parsed (its text handed on as UTF-8). Nothing of the file is held
 * whole; what decides is read in one more pass (see {@link readingsOf}).
 */
async function detectInput(
  file: string,
  open: ByteSource,
  scan: ByteScan,
  declared?: InputEncoding,
): Promise<{
  encoding?: InputEncoding;
  open?: ByteSource;
  scan?: ByteScan;
  problem?: InputProblem;
}> {
  const h = scan.head;
  const hasUtf8Bom = h[0] === 0xef && h[1] === 0xbb && h[2] === 0xbf;
  const utf16 = (h[0] === 0xff && h[1] === 0xfe) || (h[0] === 0xfe && h[1] === 0xff);
  if (
    (!declared || declared === 'utf-8') &&
    !utf16 &&
    scan.utf8 &&
    (declared || hasUtf8Bom || !scan.gbkLike || scan.wide)
  )
    return { encoding: 'utf-8' };
  if (utf16)
    return {
      problem: { file, location: '1', message: '文件是 UTF-16 编码（有 BOM）：请另存为 UTF-8' },
    };
  const encoding = await encodingOf(file, open, scan, hasUtf8Bom, declared);
  if (typeof encoding !== 'string') return { problem: encoding };
  const source = transcoded(open, encoding);
  return { encoding, open: source, scan: await scanInput(source) };
}

/** {@link decodeInput}'s rules 1, 3–5 for a file that is not plainly UTF-8, from one pass. */
async function encodingOf(
  file: string,
  open: ByteSource,
  scan: ByteScan,
  hasUtf8Bom: boolean,
  declared?: InputEncoding,
): Promise<InputEncoding | InputProblem> {
  if (declared) {
    const r = await readingsOf(open, declared);
    if (r.valid) return declared;
    return {
      file,
      location: String(r.firstInvalidLine),
      message: `文件不是有效的 ${declared} 编码（--encoding 所给的编码）`,
    };
  }
  const r = await readingsOf(open, 'gb18030');
  const gbk = !hasUtf8Bom && r.valid && !r.gbkLike;
  // Valid UTF-8 (only U+0100–U+07FF beyond ASCII): GBK if its GBK reading has Chinese in it.
  if (scan.utf8) return gbk && r.wide ? 'gb18030' : 'utf-8';
  if (gbk && !r.chineseUtf8Line) return 'gb18030';
  return { file, location: String(r.firstInvalidUtf8Line), message: NOT_UTF8 };
}

/**
 * One pass over a file: is it valid in `encoding`, and does its text there hold U+0100–U+07FF
 * or U+0800 up; the first line (1-based) that is not valid UTF-8, and not valid in `encoding`;
 * is some line valid UTF-8 with Chinese in it. Only the current line is kept between chunks.
 */
async function readingsOf(open: ByteSource, encoding: InputEncoding) {
  const decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: false });
  const r = {
    valid: true,
    gbkLike: false,
    wide: false,
    firstInvalidLine: 0,
    firstInvalidUtf8Line: 0,
    chineseUtf8Line: false,
  };
  let line = 1;
  /** The current line's bytes so far (a line may span chunks). */
  let carry: Buffer[] = [];
  const lineDone = (bytes: Uint8Array, terminated: boolean) => {
    const text = strict('utf-8', bytes);
    if (text !== undefined) r.chineseUtf8Line ||= WIDE.test(text);
    // As lineOfFirstInvalidByte: only lines that end in LF are looked at; past them, the
    // line after the last one.
    if (!terminated) return;
    if (text === undefined) r.firstInvalidUtf8Line ||= line;
    const valid = encoding === 'utf-8' ? text !== undefined : strict(encoding, bytes) !== undefined;
    if (!valid) r.firstInvalidLine ||= line;
    line++;
  };
  for await (const chunk of open()) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (r.valid)
      try {
        const text = decoder.decode(buf, { stream: true });
        r.gbkLike ||= GBK_AS_UTF8.test(text);
        r.wide ||= WIDE.test(text);
      } catch {
        r.valid = false;
      }
    let start = 0;
    for (let at = buf.indexOf(0x0a); at >= 0; at = buf.indexOf(0x0a, start)) {
      const piece = buf.subarray(start, at);
      lineDone(carry.length ? Buffer.concat([...carry, piece]) : piece, true);
      carry = [];
      start = at + 1;
    }
    if (start < buf.length) carry.push(buf.subarray(start));
  }
  lineDone(Buffer.concat(carry), false);
  if (r.valid)
    try {
      decoder.decode();
    } catch {
      r.valid = false;
    }
  r.firstInvalidLine ||= line;
  r.firstInvalidUtf8Line ||= line;
  return r;
}

/** A file's text in `encoding`, decoded chunk by chunk and handed on as UTF-8 bytes. */
function transcoded(open: ByteSource, encoding: InputEncoding): ByteSource {
  return async function* () {
    const decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: false });
    for await (const chunk of open()) {
      const text = decoder.decode(chunk, { stream: true });
      if (text) yield Buffer.from(text, 'utf8');
    }
    const rest = decoder.decode();
    if (rest) yield Buffer.from(rest, 'utf8');
  };
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
 * Parses and validates CSV bytes row by row as a stream (csv-parse): each valid record is
 * yielded, problems go into `opts.problems`. Returns the count of valid rows.
 */
async function* csvRecords(
  file: string,
  { keys, fileIndex }: { keys: BatchKeys | undefined; fileIndex: number },
  open: ByteSource,
  ref: Reference,
  opts: ParseOptions & { problems: InputProblem[] },
): AsyncGenerator<ParsedRecord, number> {
  const { problems } = opts;
  const before = problems.length;
  let valid = 0;
  const intern = interner();
  let header: string[] | undefined;
  let named = 0;
  let width = 0;
  let rows = 0;
  let lastGoodLine = 0;
  // csv-parse as a stream, fed chunk by chunk; `on_record` takes every row as it is parsed
  // (before a syntax error further on in the same chunk), and nothing is pushed downstream.
  const queue: { cells: string[]; line: number }[] = [];
  const parser = parseCsvStream({
    bom: true,
    encoding: 'utf8',
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_FIELD_CHARS * 16,
    on_record: (cells: string[], context: { lines: number }) => {
      queue.push({ cells, line: context.lines });
      return null;
    },
  });
  let failure: unknown;
  parser.on('error', (err) => (failure ??= err));
  const feed = (chunk?: Uint8Array) =>
    new Promise<void>((resolve) => {
      const done = (err?: Error | null) => {
        if (err) failure ??= err;
        resolve();
      };
      if (chunk) parser.write(chunk, done);
      else parser.end(done);
    });
  try {
    const chunks = open()[Symbol.asyncIterator]();
    for (let ended = false; !ended;) {
      const next = await chunks.next();
      ended = next.done === true;
      await feed(ended ? undefined : next.value);
      for (const row of queue.splice(0)) {
        lastGoodLine = row.line;
        if (!header) {
          const head = row.cells.map((h) => h.trim().toLowerCase());
          // Spreadsheets export trailing separators (`…,source,`): unnamed columns at the end
          // are dropped when they hold nothing; a value under one is refused where it is.
          named = head.length - [...head].reverse().findIndex((h) => h !== '');
          width = head.length;
          header = named > 0 && named < head.length ? head.slice(0, named) : head;
          const headerProblem = headerProblemOf(file, header);
          if (headerProblem) {
            problems.push(headerProblem);
            await chunks.return?.();
            return 0;
          }
          continue;
        }
        rows++;
        const line = String(row.line);
        const rec = csvRow(file, line, row.cells, { header, named, width }, ref, problems);
        if (rec) {
          const dup = keys?.duplicate(fileIndex, row.line, rec);
          if (dup) problems.push({ file, location: line, field: 'zone', message: dup });
          for (const p of opts.refusals?.(rec) ?? [])
            problems.push({ file, location: line, field: p.field, message: p.message });
          valid++;
          if (problems.length === before) {
            rec.source = intern(rec.source);
            rec.period = intern(rec.period);
            if (rec.reportedUnit) rec.reportedUnit = intern(rec.reportedUnit);
            yield rec;
          }
        }
        // The first problems are enough to act on: stop reading (the rest is not validated).
        if (problems.length - before >= MAX_PROBLEMS) {
          problems.push({
            file,
            location: line,
            message: `前 ${MAX_PROBLEMS} 个问题之后停止检查（其后各行未检查）：请改正这些问题后重新载入`,
          });
          await chunks.return?.();
          return valid;
        }
      }
      if (failure !== undefined) {
        await chunks.return?.();
        problems.push(await csvSyntaxProblem(file, open, failure, lastGoodLine, header));
        return 0;
      }
    }
  } finally {
    parser.destroy();
  }
  if (!header) problems.push(problemAt(file, '1', EMPTY));
  else if (rows === 0 && problems.length === before)
    problems.push(problemAt(file, '2', '表头之后没有数据行'));
  return valid;
}

/** One data row of a CSV file checked against its header: the record, or its problems. */
function csvRow(
  file: string,
  line: string,
  record: string[],
  shape: { header: string[]; named: number; width: number },
  ref: Reference,
  problems: InputProblem[],
): ParsedRecord | undefined {
  const { header, named, width } = shape;
  if (named > 0 && named < width && record.length === width) {
    const extra = record.slice(named).findIndex((cell) => cell.trim() !== '');
    if (extra >= 0) {
      problems.push({
        file,
        location: line,
        message: `第 ${named + extra + 1} 列有值，但表头中这一列没有列名`,
      });
      return undefined;
    }
    record = record.slice(0, named);
  }
  if (record.length !== header.length) {
    problems.push({
      file,
      location: line,
      message: `有 ${record.length} 个字段，应为 ${header.length} 个（与表头相同）`,
    });
    return undefined;
  }
  const fields: Record<string, string> = {};
  header.forEach((h, i) => (fields[h] = record[i] ?? ''));
  return validateRow(file, line, fields, ref, problems);
}

/** What is wrong with a header (missing, unknown or repeated columns), or undefined. */
function headerProblemOf(file: string, header: string[]): InputProblem | undefined {
  const unknown = header.filter((h) => !ALL_COLUMNS.includes(h)).map((h) => h || '（无列名）');
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  const dupes = header.filter((h, i) => header.indexOf(h) !== i);
  if (!unknown.length && !missing.length && !dupes.length) return undefined;
  const at = (message: string) => ({ file, location: '1', message: `表头（header）：${message}` });
  // One cell holding the whole header: another separator than the comma.
  if (header.length === 1 && /[;\t]/.test(header[0]!))
    return at(
      `各列以${header[0]!.includes(';') ? '分号（;）' : '制表符（tab）'}分隔：CSV 须以逗号分隔（如 Excel 的 "CSV UTF-8"）`,
    );
  const parts = [
    missing.length ? `缺少列 ${missing.join(', ')}` : '',
    unknown.length ? `未知列 ${unknown.join(', ')}` : '',
    dupes.length ? `重复列 ${dupes.join(', ')}` : '',
  ].filter(Boolean);
  const named = (columns: readonly string[]) => columns.map((c) => `${c} ${COLUMN_WORDS[c]}`);
  return at(
    `${parts.join('；')}（应有的列：${named(REQUIRED_COLUMNS).join('、')}；可选：${named(OPTIONAL_COLUMNS).join('、')}）`,
  );
}

/** What each column holds, in words. */
const COLUMN_WORDS: Record<string, string> = {
  zone: '园区',
  indicator: '指标',
  period: '数据期',
  value: '数值',
  unit: '单位',
  source: '来源',
  yoy: '同比',
  share: '占比',
  qualifier: '限定词',
};

/** The first line from `from` on (and before `to`) that holds more than white space, or `to`. */
async function nonBlankLine(open: ByteSource, from: number, to: number): Promise<number> {
  let line = 1;
  let blank = true;
  for await (const chunk of open())
    for (const b of chunk) {
      if (b === 0x0a) {
        if (line >= from && !blank) return line;
        line++;
        blank = true;
        if (line >= to) return to;
      } else if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0xef && b !== 0xbb && b !== 0xbf)
        blank = false;
    }
  return line >= from && !blank ? line : to;
}

/**
 * A CSV syntax error located at the line where the broken record starts (csv-parse reports
 * where it gave up, which for an unclosed quote is the end of the file) and, when known, the
 * column's name.
 */
async function csvSyntaxProblem(
  file: string,
  open: ByteSource,
  err: unknown,
  lastGoodLine: number,
  header: string[] | undefined,
): Promise<InputProblem> {
  const e = err as { message: string; code?: string; lines?: number; column?: unknown };
  let line = lastGoodLine + 1;
  // Skip the blank lines between the last good record and the broken one.
  if (line < (e.lines ?? line)) line = await nonBlankLine(open, line, e.lines!);
  const field = typeof e.column === 'number' ? header?.[e.column] : undefined;
  const message = `CSV 语法错误：${CSV_ERRORS[e.code ?? ''] ?? `无法解析（${e.code ?? 'CSV'}）`}`;
  return { file, location: String(line), message, ...(field ? { field } : {}) };
}

/** A JSON syntax error located by line and column (the parser reports a character offset). */
export function jsonSyntaxProblem(file: string, text: string, err: unknown): InputProblem {
  const message = (err as Error).message;
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined)
    return {
      file,
      location: '$',
      message: /end of JSON input/i.test(message)
        ? 'JSON 语法错误：文件在中途结束'
        : 'JSON 语法错误：无法解析',
    };
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = Number(position) - before.lastIndexOf('\n');
  return {
    file,
    location: String(line),
    message: `JSON 语法错误：第 ${column} 列附近`,
  };
}

function parseJson(file: string, text: string, ref: Reference): ParseResult {
  let data: unknown;
  const json = text.replace(/^\uFEFF/, '');
  try {
    data = JSON.parse(json);
  } catch (err) {
    return { records: [], problems: [jsonSyntaxProblem(file, json, err)] };
  }
  if (!Array.isArray(data)) return fail(file, '$', '应为由记录组成的 JSON 数组（array）');
  if (data.length === 0) return fail(file, '$', '数组是空的');
  const problems: InputProblem[] = [];
  const records: ParsedRecord[] = [];
  data.forEach((item, i) => {
    const loc = `$[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      problems.push({ file, location: loc, message: `应为对象（object），实为${jsonKind(item)}` });
      return;
    }
    const obj = item as Record<string, unknown>;
    const unknownKeys = Object.keys(obj).filter((k) => !ALL_COLUMNS.includes(k));
    for (const k of unknownKeys)
      problems.push({ file, location: `${loc}.${k}`, field: k, message: '未知字段' });
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
          message: `应为字符串或数字，实为${jsonKind(v)}`,
        });
    }
    // A field of the wrong type is reported once, not again as "empty".
    if (problems.length > before) return;
    const rec = validateRow(file, loc, fields, ref, problems, (f) => `${loc}.${f}`);
    if (rec) records.push(rec);
  });
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
      add(key, `字段有 ${value.length} 个字符，上限为 ${MAX_FIELD_CHARS}`);
    const control = controlCharacterIn(value);
    if (control) add(key, controlCharacterMessage(control));
  }
  if (problems.length > before) return undefined;

  const zoneText = f.zone?.trim() ?? '';
  const zone = zoneText ? ref.resolveZone(zoneText) : undefined;
  if (!zoneText) add('zone', '为空');
  else if (!zone)
    add(
      'zone',
      `未知的园区 "${zoneText}"（请用 data/zones.json 中的 id 或名称）${didYouMean(
        zoneText,
        ref.zones.map((z) => ({
          label: `${z.name} (${z.id})`,
          names: [z.id, z.name, z.shortName ?? '', ...(z.aliases ?? [])],
        })),
      )}`,
    );

  const indText = f.indicator?.trim() ?? '';
  const indicator = indText ? ref.resolveIndicator(indText) : undefined;
  if (!indText) add('indicator', '为空');
  else if (!indicator)
    add('indicator', `未知的指标 "${indText}"（请用 data/indicators.json 中的代码或名称）`);

  const periodText = f.period?.trim() ?? '';
  if (!parsePeriod(periodText))
    add('period', `"${periodText}" 不是数据期（应如 2024、2024-Q3 或 2024-10）`);

  // The value cell may carry its qualifier and unit: `1.37万亿元`, `超过6.3万户`, `3900余家`.
  const valueText = f.value?.trim() ?? '';
  const parsed = valueText ? parseValueText(valueText) : undefined;
  if (valueText === '') add('value', '为空（缺失的数字整行略去，不可写成 0 或空白）');
  else if (!parsed)
    add('value', `"${valueText}" 不是数字（前后可带 约/超过 等限定词和单位；不可用千位分隔符）`);
  else if (significantDigits(parsed.number) > MAX_SIGNIFICANT_DIGITS)
    add(
      'value',
      `"${parsed.number}" 有 ${significantDigits(parsed.number)} 位有效数字，超过能精确保存的 ${MAX_SIGNIFICANT_DIGITS} 位（存储的是双精度数）`,
    );

  const unitColumn = f.unit?.trim() ?? '';
  const unit = unitColumn || parsed?.unit || '';
  if (parsed?.unit && unitColumn && parsed.unit !== unitColumn)
    add('unit', `数值写的单位是 "${parsed.unit}"，单位列却是 "${unitColumn}"`);
  const qualifierColumn = f.qualifier?.trim() ?? '';
  if (qualifierColumn && !isQualifier(qualifierColumn))
    add('qualifier', `未知的限定词 "${qualifierColumn}"（可用：${QUALIFIERS.join(' ')}）`);
  if (parsed?.qualifier && qualifierColumn && parsed.qualifier !== qualifierColumn)
    add('qualifier', `数值写的限定词是 "${parsed.qualifier}"，限定词列却是 "${qualifierColumn}"`);
  const qualifier = qualifierColumn || parsed?.qualifier;
  const raw = parsed ? Number(parsed.number) : undefined;
  let value: number | undefined;
  if (!unit) add('unit', '为空');
  else if (!INPUT_UNITS.includes(unit))
    add('unit', `未知的单位 "${unit}"（可用：${INPUT_UNITS.join(' ')}）`);
  else if (indicator && parsed && raw !== undefined) {
    value = toBaseUnit(parsed.number, unit, indicator.unit);
    if (value === undefined)
      add('unit', `"${unit}" 不适用于指标 ${indicator.code}（其单位为 ${indicator.unit}）`);
    else if (COUNT_UNITS.has(indicator.unit) && value < 0)
      add('value', `计数（${indicator.unit}）不能为负`);
    else if (isShareIndicator(indicator.code) && (value < 0 || value > 100))
      add('value', `${raw}% 不是占比（0 … 100），指标 ${indicator.code}`);
    else if (indicator.unit === '%' && (value < -100 || value > 100_000))
      add('value', `${raw}% 超出范围`);
  }

  const yoy = optionalNumber('yoy', f.yoy, add);
  if (yoy !== undefined && (yoy < -100 || yoy > 100_000))
    add('yoy', `${yoy}% 超出范围（−100 … 100000）`);
  const share = optionalNumber('share', f.share, add);
  if (share !== undefined && (share < 0 || share > 100))
    add('share', `${share}% 不是占比（0 … 100）`);

  const source = (f.source ?? '').trim();
  if (source.length < 2) add('source', '每条记录都须注明来源（文件与发布机构）');

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
  if (n === undefined) add(field, `"${text}" 不是数字（以 % 计，如 7.6）`);
  return n;
}
