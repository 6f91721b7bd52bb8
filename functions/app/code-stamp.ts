/**
 * A stamp of the code that composes reports: part of the key that lets the all-zones plan skip a
 * zone without composing it (`inputsKeyOf` in report-jobs.ts). Records, template and series
 * being equal, only a change of code can change what a report prints, so a new build must never
 * match the key of an issue printed by an older one.
 *
 * - Bundled for Lambda, the build defines `process.env.BULLETIN_CODE_STAMP` (infra/bundling.ts:
 *   the hash of the sources it bundles).
 * - From the sources (tsx, the tests) and from the compiled CLI (whose modules keep their
 *   source locations), the hash of the TypeScript files under `functions/`, read once.
 * - Otherwise a stamp of this process alone: nothing printed before matches, every zone is
 *   composed (slower, never wrong).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sourcesHash } from '../contract/code-stamp.ts';

let fromSources: string | undefined;

export function codeStamp(): string {
  const defined = process.env.BULLETIN_CODE_STAMP;
  if (defined) return `build:${defined}`;
  const sources = join(import.meta.dirname, '..');
  fromSources ??= existsSync(join(sources, 'app', 'code-stamp.ts'))
    ? `sources:${sourcesHash(sources)}`
    : `process:${randomUUID()}`;
  return fromSources;
}
