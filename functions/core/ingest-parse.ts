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
import { isQualifier, parseValueText, QUALIFIERS } from './numbers.ts';
import { COUNT_UNITS, INPUT_UNITS, toBaseUnit } from './units.ts';

export type ParsedRecord = Omit<IndicatorRecord, 'revision'>;

export interface ParseResult {
  records: ParsedRecord[];
  problems: InputProblem[];
}

export const REQUIRED_COLUMNS = ['zone', 'indicator', 'period', 'value', 'unit', 'source'] as const;
export const OPTIONAL_COLUMNS = ['yoy', 'share', 'qualifier'] as const;
const ALL_COLUMNS: readonly string[] = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];

/** Largest file and field we accept; larger input is refused before parsing. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
export const MAX_FIELD_CHARS = 2_000;

/**
 * Indicators that are a part of a whole in % (`*-share`, `*-share-of-national`,
 * `*-share-of-host`; see data/README.md), so 0 … 100. `*-gap` indicators are differences in
 * percentage points and may be negative.
 */
export function isShareIndicator(code: string): boolean {
  return /-share(-of-[a-z]+)?$/.test(code);
}

/** Decodes UTF-8 strictly (a UTF-8 BOM is allowed and dropped). */
export function decodeUtf8(
  file: string,
  bytes: Uint8Array,
): { text?: string; problem?: InputProblem } {
  if (
    bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
  ) {
    return {
      problem: { file, location: '1', message: 'file is UTF-16 (BOM found); save it as UTF-8' },
    };
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    return { text };
  } catch {
    const line = lineOfFirstInvalidByte(bytes);
    return {
      problem: {
        file,
        location: String(line),
        message: 'file is not valid UTF-8 (GBK/GB2312 from Excel?); save it as "CSV UTF-8"',
      },
    };
  }
}

function lineOfFirstInvalidByte(bytes: Uint8Array): number {
  let line = 1;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      start = i + 1;
      line++;
    }
  }
  return line;
}

/** Parses one file of a batch, choosing CSV or JSON by its name (`.json` → JSON). */
export function parseRecordFile(file: string, bytes: Uint8Array, ref: Reference): ParseResult {
  if (bytes.length > MAX_FILE_BYTES) {
    return fail(file, '1', `file is ${bytes.length} bytes; the limit is ${MAX_FILE_BYTES}`);
  }
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    return fail(file, '1', 'file is a ZIP archive (an Excel .xlsx?); export it as "CSV UTF-8"');
  }
  const decoded = decodeUtf8(file, bytes);
  if (decoded.problem) return { records: [], problems: [decoded.problem] };
  const text = decoded.text!;
  if (text.trim() === '') return fail(file, '1', 'file is empty');
  return /\.json$/i.test(file) ? parseJson(file, text, ref) : parseCsvText(file, text, ref);
}

function fail(file: string, location: string, message: string, field?: string): ParseResult {
  return { records: [], problems: [{ file, location, message, ...(field ? { field } : {}) }] };
}

function parseCsvText(file: string, text: string, ref: Reference): ParseResult {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parseCsv(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: MAX_FIELD_CHARS * 16,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    return { records: [], problems: [csvSyntaxProblem(file, text, err)] };
  }
  const [head, ...body] = rows;
  if (!head) return fail(file, '1', 'file is empty');
  const header = head.record.map((h) => h.trim().toLowerCase());
  const problems: InputProblem[] = [];
  const unknown = header.filter((h) => !ALL_COLUMNS.includes(h));
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  const dupes = header.filter((h, i) => header.indexOf(h) !== i);
  if (unknown.length || missing.length || dupes.length) {
    const parts = [
      missing.length ? `missing column(s) ${missing.join(', ')}` : '',
      unknown.length ? `unknown column(s) ${unknown.join(', ')}` : '',
      dupes.length ? `repeated column(s) ${dupes.join(', ')}` : '',
    ].filter(Boolean);
    return fail(
      file,
      '1',
      `header: ${parts.join('; ')} (expected ${[...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS].join(',')})`,
    );
  }
  if (body.length === 0) return fail(file, '2', 'no data rows after the header');
  const records: ParsedRecord[] = [];
  for (const row of body) {
    const line = String(row.info.lines);
    if (row.record.length !== header.length) {
      problems.push({
        file,
        location: line,
        message: `${row.record.length} fields, expected ${header.length}`,
      });
      continue;
    }
    const fields: Record<string, string> = {};
    header.forEach((h, i) => (fields[h] = row.record[i] ?? ''));
    const rec = validateRow(file, line, fields, ref, problems);
    if (rec) records.push(rec);
  }
  findDuplicates(file, records, problems);
  return { records: problems.length ? [] : records, problems };
}

/**
 * A CSV syntax error located at the line where the broken record starts (csv-parse reports
 * where it gave up, which for an unclosed quote is the end of the file) and, when known, the
 * column's name.
 */
function csvSyntaxProblem(file: string, text: string, err: unknown): InputProblem {
  const e = err as {
    message: string;
    code?: string;
    lines?: number;
    bytes_records?: number;
    column?: unknown;
  };
  const consumed = Buffer.from(text, 'utf8').subarray(0, e.bytes_records ?? 0);
  let line = 1;
  for (const byte of consumed) if (byte === 0x0a) line++;
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
  }
  if (problems.length > before) return undefined;

  const zoneText = f.zone?.trim() ?? '';
  const zone = zoneText ? ref.resolveZone(zoneText) : undefined;
  if (!zoneText) add('zone', 'empty');
  else if (!zone)
    add('zone', `unknown zone "${zoneText}" (use an id or a name from data/zones.json)`);

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
