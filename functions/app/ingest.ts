/**
 * Ingest: validate a whole batch of files first — including everything the store would refuse
 * (numbers it cannot hold, keys and items too large) — then read it again and write it as one
 * batch, in chunks, all or nothing (see `RecordStore.writeBatch`). Files are read as streams:
 * memory stays bounded whatever their size. A batch with any problem writes nothing. Writing is
 * idempotent: unchanged records are skipped; a changed value (or article) becomes a new
 * revision and the old one is kept.
 */
import { z } from 'zod';
import { ValidationError, type InputProblem } from '../errors.ts';
import {
  BatchKeys,
  type ByteSource,
  bytesSource,
  decodeInput,
  type DecodedInput,
  type InputEncoding,
  jsonSyntaxProblem,
  MAX_PROBLEMS,
  type ParsedRecord,
  recordsOfFile,
} from '../core/ingest-parse.ts';
import { controlCharacterIn, controlCharacterMessage } from '../core/escape.ts';
import { articleSchema, type Article } from '../core/model.ts';
import type { Reference } from '../core/reference.ts';
import { heapRelief } from './heap-relief.ts';
import type { RecordStore } from './ports.ts';

/** An input file: its name (for messages) and its bytes, in memory or read as a stream. */
export type InputFile = { name: string; bytes: Uint8Array } | { name: string; open: ByteSource };

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

/** zod's messages in Chinese (its own zh-CN locale), for the articles file. */
const ARTICLE_ERRORS = z.locales.zhCN().localeError;

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
  const parsed = z.array(articleSchema).safeParse(data, { error: ARTICLE_ERRORS });
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
        message: `文章 id ${a.id} 重复`,
      });
    ids.add(a.id);
  });
  return { articles: problems.length ? [] : parsed.data, problems };
}

/** A batch validated: its articles and the count of valid records, or its first problems. */
export interface ValidatedBatch {
  /** Valid records found (also when the batch has problems). */
  valid: number;
  articles: Article[];
  problems: InputProblem[];
  /** Files read in an encoding other than UTF-8 (detected or declared). */
  decodedAs: { file: string; encoding: InputEncoding }[];
}

/** The bytes of an input file: in memory, or read from the start at each call (a stream). */
export function sourceOf(f: InputFile): ByteSource {
  return 'bytes' in f ? bytesSource(f.bytes) : f.open;
}

/**
 * Validates every file of a batch — syntax, every row, duplicates within and across files, and
 * what the store would refuse — without writing anything and without keeping the records: files
 * are read as streams, and a batch of a million rows is checked in the memory of its keys. At
 * most {@link MAX_PROBLEMS} problems are kept (the first, in file order), then a line saying how
 * many more there are.
 */
export async function validateRecordFiles(
  deps: {
    reference: Reference;
    records: Pick<RecordStore, 'recordRefusals' | 'articleRefusals'>;
  },
  files: InputFile[],
  opts: { encoding?: InputEncoding } = {},
): Promise<ValidatedBatch> {
  let valid = 0;
  const problems: InputProblem[] = [];
  const articles: Article[] = [];
  const decodedAs: { file: string; encoding: InputEncoding }[] = [];
  const keys = new BatchKeys(deps.reference);
  const relieve = heapRelief();
  for (const f of files) {
    const open = sourceOf(f);
    const text = await articlesText(f, open, opts.encoding);
    if (text) {
      if (text.problem) problems.push(text.problem);
      else {
        if (text.encoding !== 'utf-8') decodedAs.push({ file: f.name, encoding: text.encoding! });
        const out = parseArticles(f.name, text.text!, deps.records);
        for (const p of out.problems) problems.push(p);
        for (const a of out.articles) articles.push(a);
      }
      continue;
    }
    const rows = recordsOfFile(f.name, open, deps.reference, {
      ...(opts.encoding ? { encoding: opts.encoding } : {}),
      keys,
      refusals: (r) => deps.records.recordRefusals(r),
      problems,
    });
    let next = await rows.next();
    for (let n = 1; !next.done; n++) {
      if (n % RECORD_CHUNK === 0) relieve();
      next = await rows.next();
    }
    valid += next.value.valid;
    if (next.value.encoding && next.value.encoding !== 'utf-8')
      decodedAs.push({ file: f.name, encoding: next.value.encoding });
  }
  // Each file stops at MAX_PROBLEMS (and says so); the batch keeps as many in all.
  const kept = MAX_PROBLEMS + files.length;
  if (problems.length > kept) {
    const more = problems.length - kept;
    problems.length = kept;
    problems.push({ file: '（本批）', location: '-', message: `另有 ${more} 个问题未列出` });
  }
  return { valid, articles: problems.length ? [] : articles, problems, decodedAs };
}

/** A JSON file of articles, decoded (or why it cannot be); undefined for any other file. */
async function articlesText(
  f: InputFile,
  open: ByteSource,
  encoding?: InputEncoding,
): Promise<DecodedInput | undefined> {
  if (!/\.json$/i.test(f.name)) return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of open()) chunks.push(chunk);
  const decoded = decodeInput(f.name, Buffer.concat(chunks), encoding);
  if (decoded.problem) return decoded;
  return isArticlesText(decoded.text!) ? decoded : undefined;
}

/** Records of a validated batch in chunks, read again from the files (nothing kept). */
async function* recordChunks(
  deps: { reference: Reference },
  files: InputFile[],
  opts: { encoding?: InputEncoding; ingestedAt: string; periods: Set<string> },
): AsyncGenerator<(ParsedRecord & { ingestedAt: string })[]> {
  let chunk: (ParsedRecord & { ingestedAt: string })[] = [];
  // Asked for the next chunk, the store is done with the last one: its garbage may go.
  const relieve = heapRelief();
  for (const f of files) {
    const open = sourceOf(f);
    if (await articlesText(f, open, opts.encoding)) continue;
    const problems: InputProblem[] = [];
    for await (const r of recordsOfFile(f.name, open, deps.reference, {
      ...(opts.encoding ? { encoding: opts.encoding } : {}),
      keys: false,
      problems,
    })) {
      opts.periods.add(r.period);
      chunk.push(Object.assign(r, { ingestedAt: opts.ingestedAt }));
      if (chunk.length >= RECORD_CHUNK) {
        yield chunk;
        chunk = [];
        relieve();
      }
    }
    // The file changed since it was validated: the batch is not stored.
    if (problems.length) throw new ValidationError('ingest', problems);
  }
  if (chunk.length) yield chunk;
}

/** Records handed to the store at a time. */
const RECORD_CHUNK = 1_000;

/**
 * Validates every file (a first pass), then reads them again and streams the records to the
 * store in chunks, as one batch (all or nothing, see `RecordStore.writeBatch`).
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
      { file: '（无）', location: '-', message: '没有输入文件' },
    ]);
  const encoding = opts.encoding ? { encoding: opts.encoding } : {};
  const { valid, articles, problems, decodedAs } = await validateRecordFiles(deps, files, encoding);
  if (problems.length > 0) throw new ValidationError('ingest', problems);

  const periods = new Set<string>();
  const ingestedAt = (opts.now ?? new Date()).toISOString();
  const written = await deps.records.writeBatch(
    { records: recordChunks(deps, files, { ...encoding, ingestedAt, periods }), articles },
    { total: valid, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) },
  );
  const summary: IngestSummary = {
    files: files.length,
    records: written.records.length,
    created: 0,
    revised: 0,
    unchanged: 0,
    articles: { created: 0, revised: 0, unchanged: 0 },
    periods: [...periods].sort(),
    decodedAs,
  };
  for (const outcome of written.records) summary[outcome]++;
  for (const outcome of written.articles) summary.articles[outcome]++;
  return summary;
}
