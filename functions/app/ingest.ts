/**
 * Ingest: validate a whole batch of files first — including everything the store would refuse
 * (numbers it cannot hold, keys and items too large) — then write it as one batch, all or
 * nothing (see `RecordStore.writeBatch`). A batch with any problem writes nothing. Writing is
 * idempotent: unchanged records are skipped; a changed value (or article) becomes a new
 * revision and the old one is kept.
 */
import { z } from 'zod';
import { ValidationError, type InputProblem } from '../errors.ts';
import {
  findCrossFileDuplicates,
  decodeInput,
  type InputEncoding,
  jsonSyntaxProblem,
  MAX_PROBLEMS,
  parseRecordFile,
  type ParsedRecord,
} from '../core/ingest-parse.ts';
import { controlCharacterIn, controlCharacterMessage } from '../core/escape.ts';
import { articleSchema, type Article } from '../core/model.ts';
import type { Reference } from '../core/reference.ts';
import type { RecordStore } from './ports.ts';

export interface InputFile {
  name: string;
  bytes: Uint8Array;
}

export interface IngestSummary {
  files: number;
  records: number;
  created: number;
  revised: number;
  unchanged: number;
  articles: { created: number; revised: number; unchanged: number };
  periods: string[];
  /** Files read in an encoding other than UTF-8 (detected or declared). */
  decodedAs: { file: string; encoding: InputEncoding }[];
}

export type Progress = (done: number, total: number) => void;

/**
 * A JSON text is an articles file when its objects carry a `body` and no `value` (see
 * data/README.md) — wherever in the file they are. A text that is not valid JSON is an
 * articles file when a `"body":` appears anywhere in it (its syntax error is then reported
 * as one).
 */
export function isArticlesText(text: string): boolean {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return /"body"\s*:/.test(text);
  }
  // An object instead of an array is still an articles file (refused as one).
  const items: unknown[] = Array.isArray(data) ? data : [data];
  return items.some(
    (item) =>
      item !== null &&
      typeof item === 'object' &&
      !Array.isArray(item) &&
      'body' in item &&
      !('value' in item),
  );
}

function parseArticles(
  file: string,
  text: string,
  store: Pick<RecordStore, 'articleRefusals'>,
): { articles: Article[]; problems: InputProblem[] } {
  let data: unknown;
  const json = text.replace(/^\uFEFF/, '');
  try {
    data = JSON.parse(json);
  } catch (err) {
    return { articles: [], problems: [jsonSyntaxProblem(file, json, err)] };
  }
  const parsed = z.array(articleSchema).safeParse(data);
  if (!parsed.success) {
    return {
      articles: [],
      problems: parsed.error.issues.map((i) => ({
        file,
        location: `$${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`,
        ...(i.path.length ? { field: String(i.path[i.path.length - 1]) } : {}),
        message: i.message,
      })),
    };
  }
  const ids = new Set<string>();
  const problems: InputProblem[] = [];
  parsed.data.forEach((a, i) => {
    for (const [field, value] of Object.entries(a)) {
      const control = typeof value === 'string' ? controlCharacterIn(value) : undefined;
      if (control)
        problems.push({
          file,
          location: `$[${i}].${field}`,
          field,
          message: controlCharacterMessage(control),
        });
    }
    for (const p of store.articleRefusals(a))
      problems.push({ file, location: `$[${i}].${p.field}`, field: p.field, message: p.message });
    if (ids.has(a.id))
      problems.push({
        file,
        location: `$[${i}].id`,
        field: 'id',
        message: `duplicate article id ${a.id}`,
      });
    ids.add(a.id);
  });
  return { articles: problems.length ? [] : parsed.data, problems };
}

/** A batch validated: its records and articles, or the first problems found (then nothing). */
export interface ValidatedBatch {
  records: ParsedRecord[];
  articles: Article[];
  problems: InputProblem[];
  /** Files read in an encoding other than UTF-8 (detected or declared). */
  decodedAs: { file: string; encoding: InputEncoding }[];
}

/**
 * Validates every file of a batch — syntax, every row, duplicates within and across files, and
 * what the store would refuse — without writing anything. At most {@link MAX_PROBLEMS} problems
 * are kept (the first, in file order), then a line saying how many more there are.
 */
export function validateRecordFiles(
  deps: {
    reference: Reference;
    records: Pick<RecordStore, 'recordRefusals' | 'articleRefusals'>;
  },
  files: InputFile[],
  opts: {
    encoding?: InputEncoding;
    /** Keep the records (default); false: validate only, in the memory of the rows' keys. */
    keep?: boolean;
  } = {},
): ValidatedBatch & { valid: number } {
  let valid = 0;
  const problems: InputProblem[] = [];
  const records: ParsedRecord[] = [];
  const articles: Article[] = [];
  const decodedAs: { file: string; encoding: InputEncoding }[] = [];
  // One at a time, never `push(...big)`: a spread of 200 k items overflows the call stack.
  const add = <T>(into: T[], items: T[]) => {
    for (const item of items) into.push(item);
  };
  for (const f of files) {
    if (/\.json$/i.test(f.name)) {
      const decoded = decodeInput(f.name, f.bytes, opts.encoding);
      if (decoded.problem) {
        problems.push(decoded.problem);
        continue;
      }
      if (isArticlesText(decoded.text!)) {
        if (decoded.encoding !== 'utf-8')
          decodedAs.push({ file: f.name, encoding: decoded.encoding! });
        const out = parseArticles(f.name, decoded.text!, deps.records);
        add(problems, out.problems);
        add(articles, out.articles);
        continue;
      }
    }
    const out = parseRecordFile(f.name, f.bytes, deps.reference, {
      ...(opts.encoding ? { encoding: opts.encoding } : {}),
      keep: opts.keep !== false,
      refusals: (r) => deps.records.recordRefusals(r),
    });
    valid += out.valid ?? out.records.length;
    if (out.encoding && out.encoding !== 'utf-8')
      decodedAs.push({ file: f.name, encoding: out.encoding });
    add(problems, out.problems);
    // A file with problems has no records; once one has, the rest need not be kept.
    if (problems.length === 0) add(records, out.records);
  }
  // Across files (within one file each parse found them); CSV rows were checked against the
  // store as they were read, JSON records are here.
  if (problems.length === 0 && files.length > 1) add(problems, findCrossFileDuplicates(records));
  if (problems.length === 0)
    add(
      problems,
      storageProblems(
        deps.records,
        records.filter((r) => /\.json:/i.test(r.origin ?? '')),
      ),
    );
  // Each file stops at MAX_PROBLEMS (and says so); the batch keeps as many in all.
  const kept = MAX_PROBLEMS + files.length;
  if (problems.length > kept) {
    const more = problems.length - kept;
    problems.length = kept;
    problems.push({ file: '(batch)', location: '-', message: `另有 ${more} 个问题未列出` });
  }
  return problems.length
    ? { records: [], articles: [], problems, decodedAs, valid }
    : { records, articles, problems, decodedAs, valid };
}

/**
 * Validates every file, then writes the records and articles.
 * @throws ValidationError listing the first problems (file, line or JSON path, field); nothing written.
 */
export async function ingestFiles(
  deps: { records: RecordStore; reference: Reference },
  files: InputFile[],
  opts: {
    onProgress?: Progress;
    now?: Date;
    /** The files' encoding as declared (`--encoding`); default: detected per file. */
    encoding?: InputEncoding;
  } = {},
): Promise<IngestSummary> {
  if (files.length === 0)
    throw new ValidationError('ingest', [
      { file: '(none)', location: '-', message: 'no input files' },
    ]);
  const { records, articles, problems, decodedAs } = validateRecordFiles(deps, files, {
    ...(opts.encoding ? { encoding: opts.encoding } : {}),
  });
  if (problems.length > 0) throw new ValidationError('ingest', problems);

  const ingestedAt = (opts.now ?? new Date()).toISOString();
  const summary: IngestSummary = {
    files: files.length,
    records: records.length,
    created: 0,
    revised: 0,
    unchanged: 0,
    articles: { created: 0, revised: 0, unchanged: 0 },
    periods: [...new Set(records.map((r) => r.period))].sort(),
    decodedAs,
  };
  for (const r of records) (r as ParsedRecord & { ingestedAt?: string }).ingestedAt = ingestedAt;
  const written = await deps.records.writeBatch(
    { records: records as (ParsedRecord & { ingestedAt: string })[], articles },
    opts.onProgress ? { onProgress: opts.onProgress } : {},
  );
  for (const outcome of written.records) summary[outcome]++;
  for (const outcome of written.articles) summary.articles[outcome]++;
  return summary;
}

/** What the store would refuse, located like any other problem (file, line or JSON path, field). */
function storageProblems(
  store: Pick<RecordStore, 'recordRefusals'>,
  records: ParsedRecord[],
): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const r of records) {
    const found = store.recordRefusals(r);
    if (!found.length) continue;
    const origin = r.origin ?? '?:?';
    const file = origin.slice(0, origin.lastIndexOf(':'));
    const at = origin.slice(origin.lastIndexOf(':') + 1);
    for (const p of found)
      problems.push({
        file,
        location: at.startsWith('$') ? `${at}.${p.field}` : at,
        field: p.field,
        message: p.message,
      });
  }
  return problems;
}
