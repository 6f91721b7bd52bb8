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
  decodeUtf8,
  jsonSyntaxProblem,
  parseRecordFile,
  type ParsedRecord,
} from '../core/ingest-parse.ts';
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
}

export type Progress = (done: number, total: number) => void;

/**
 * A JSON file is an articles file when its objects carry a `body` and no `value` (see
 * data/README.md) — wherever in the file they are. A file that is not valid JSON is an
 * articles file when a `"body":` appears anywhere in it (its syntax error is then reported
 * as one).
 */
export function isArticlesFile(name: string, bytes: Uint8Array): boolean {
  if (!/\.json$/i.test(name)) return false;
  const text = new TextDecoder().decode(bytes).replace(/^\uFEFF/, '');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return /"body"\s*:/.test(text);
  }
  return (
    Array.isArray(data) &&
    data.some(
      (item) =>
        item !== null &&
        typeof item === 'object' &&
        !Array.isArray(item) &&
        'body' in item &&
        !('value' in item),
    )
  );
}

function parseArticles(
  file: string,
  bytes: Uint8Array,
  store: RecordStore,
): { articles: Article[]; problems: InputProblem[] } {
  const decoded = decodeUtf8(file, bytes);
  if (decoded.problem) return { articles: [], problems: [decoded.problem] };
  let data: unknown;
  const json = decoded.text!.replace(/^\uFEFF/, '');
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
  opts: { onProgress?: Progress; now?: Date } = {},
): Promise<IngestSummary> {
  const problems: InputProblem[] = [];
  const records: ParsedRecord[] = [];
  const articles: Article[] = [];
  if (files.length === 0)
    throw new ValidationError('ingest', [
      { file: '(none)', location: '-', message: 'no input files' },
    ]);
  for (const f of files) {
    if (isArticlesFile(f.name, f.bytes)) {
      const out = parseArticles(f.name, f.bytes, deps.records);
      problems.push(...out.problems);
      articles.push(...out.articles);
    } else {
      const out = parseRecordFile(f.name, f.bytes, deps.reference);
      problems.push(...out.problems);
      records.push(...out.records);
    }
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
