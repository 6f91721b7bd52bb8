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
  store: RecordStore,
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

/**
 * Validates every file, then writes the records and articles.
 * @throws ValidationError listing every problem (file, line or JSON path, field); nothing written.
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
  const problems: InputProblem[] = [];
  const records: ParsedRecord[] = [];
  const articles: Article[] = [];
  if (files.length === 0)
    throw new ValidationError('ingest', [
      { file: '(none)', location: '-', message: 'no input files' },
    ]);
  const decodedAs: { file: string; encoding: InputEncoding }[] = [];
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
        problems.push(...out.problems);
        articles.push(...out.articles);
        continue;
      }
    }
    const out = parseRecordFile(f.name, f.bytes, deps.reference, {
      ...(opts.encoding ? { encoding: opts.encoding } : {}),
    });
    if (out.encoding && out.encoding !== 'utf-8')
      decodedAs.push({ file: f.name, encoding: out.encoding });
    problems.push(...out.problems);
    records.push(...out.records);
  }
  if (problems.length === 0) problems.push(...findCrossFileDuplicates(records));
  if (problems.length === 0) problems.push(...storageProblems(deps.records, records));
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
  const written = await deps.records.writeBatch(
    { records: records.map((r) => ({ ...r, ingestedAt })), articles },
    opts.onProgress ? { onProgress: opts.onProgress } : {},
  );
  for (const outcome of written.records) summary[outcome]++;
  for (const outcome of written.articles) summary.articles[outcome]++;
  return summary;
}

/** What the store would refuse, located like any other problem (file, line or JSON path, field). */
function storageProblems(store: RecordStore, records: ParsedRecord[]): InputProblem[] {
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
