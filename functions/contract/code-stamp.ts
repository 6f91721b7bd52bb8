/**
 * The stamp of the code that composes reports, shared by the build (infra/bundling.ts defines it
 * in every Lambda bundle as `process.env.BULLETIN_CODE_STAMP`) and the runtime
 * (functions/app/code-stamp.ts computes it from the sources when run from them).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The hash of every `.ts` file under `dir` (the sources under `functions/`), by relative path. */
export function sourcesHash(dir: string): string {
  const hash = createHash('sha256');
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const file of files) hash.update(`${relative(dir, file)}\0`).update(readFileSync(file));
  return hash.digest('hex');
}
