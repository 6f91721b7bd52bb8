/**
 * The repository's own data (`data/records/*.csv`, `data/articles.json`): what `bulletin
 * start` and the local server load into an empty store, through the normal ingest path.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InputEncoding } from '../core/ingest-parse.ts';
import { NATIONAL_HTZ } from '../core/model.ts';
import type { Reference } from '../core/reference.ts';
import { ingestFiles, type IngestSummary, type InputFile, type Progress } from './ingest.ts';
import type { RecordStore } from './ports.ts';

/** Every CSV under `<root>/data/records` (sorted) and the sample articles. */
export async function defaultDataFiles(root: string): Promise<string[]> {
  const dir = join(root, 'data', 'records');
  const csv = (await readdir(dir))
    .filter((f) => f.endsWith('.csv'))
    .sort()
    .map((f) => join(dir, f));
  return [...csv, join(root, 'data', 'articles.json')];
}

/** Reads files for {@link ingestFiles}; each keeps its path as its name (for error messages). */
export async function readInputFiles(paths: string[]): Promise<InputFile[]> {
  return Promise.all(
    paths.map(async (p) => ({ name: p, bytes: new Uint8Array(await readFile(p)) })),
  );
}

/** Validates and stores the files at `paths` (all or nothing, see {@link ingestFiles}). */
export async function ingestPaths(
  deps: { records: RecordStore; reference: Reference },
  paths: string[],
  opts: { onProgress?: Progress; encoding?: InputEncoding } = {},
): Promise<IngestSummary> {
  return ingestFiles(deps, await readInputFiles(paths), opts);
}

/**
 * Loads the repository's data when the store has no national GDP record yet; otherwise does
 * nothing and returns undefined.
 */
export async function seedIfEmpty(
  deps: { records: RecordStore; reference: Reference },
  opts: { root: string; onProgress?: Progress; log?: (message: string) => void },
): Promise<IngestSummary | undefined> {
  if (await deps.records.latestPeriodOf(NATIONAL_HTZ, 'gdp')) return undefined;
  const files = await defaultDataFiles(opts.root);
  opts.log?.(`正在从 data/ 载入 ${files.length} 个文件 …`);
  const r = await ingestPaths(deps, files, opts.onProgress ? { onProgress: opts.onProgress } : {});
  opts.log?.(`已存入 ${r.records} 条记录（新增 ${r.created}）和 ${r.articles.created} 篇文章`);
  return r;
}
