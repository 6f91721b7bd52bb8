/**
 * The cover of a released issue (page 1 as a PNG, the archive's thumbnail) as the API serves it
 * (`/bulletins/:id/cover`). A release does not make it: it stores what it is made from — the
 * HTML exactly as printed and the contents' page numbers written into the PDF over it (JSON,
 * brotli-compressed as `packed-json.ts` packs it, the `cover` part of the release's parts object
 * `-parts.bin` (`release-parts.ts`); its own `-cover.json.br`, or plain `-cover.json`, when
 * stored before; its sha256 recorded in `coverKeys`) — and the first request makes it: the HTML
 * loaded and laid out as the print laid it out, page 1 captured ({@link CoverRenderer}: locally
 * the process's own Chromium; on AWS the cover function, which the API invokes — the API has no
 * browser). The PNG is stored under `covers/` named by its content and recorded in the catalog
 * once (one conditional write); every later request serves those bytes, checked against that
 * sha256. Two first requests at once both make one: the catalog keeps the one recorded first
 * and the other request serves it (the same Chromium makes the same bytes of the same HTML,
 * stored under the same name; if not, the sweep removes the loser's). Issues released before
 * keep the cover made at their release (`coverKey`), served as it is.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { sha256Hex } from '../core/digest.ts';
import type { Issue } from '../core/model.ts';
import { ARCHIVE_BUCKET } from '../contract/stores.ts';
import { NotFoundError } from '../errors.ts';
import { packJson } from './packed-json.ts';
import { storedPart } from './release-parts.ts';
import type { Archive, CoverMaker, CoverRenderer, CoverSource, IssueCatalog } from './ports.ts';

export type { CoverMaker };
import { templatesDir } from './templates.ts';
import { TamperedObjectError, verifiedBytes } from './verified-download.ts';

export const COVER_TYPE = 'image/png';

const coverSourceSchema = z.object({
  html: z.string().min(1),
  width: z.number().int().positive().max(4000),
  fill: z
    .object({ selector: z.string().min(1), pages: z.record(z.string(), z.number().int()) })
    .optional(),
});

/** The bytes of a cover source as stored beside the PDF: its JSON, compressed. */
export function coverSourceBytes(source: CoverSource): Uint8Array {
  return packJson(source);
}

/** Where the cover made from `sourceKey` is kept: under `covers/`, named by its sha256. */
export function coverKey(sourceKey: string, sha256: string): string {
  const rest = sourceKey.startsWith(ARCHIVE_BUCKET.issuesPrefix)
    ? sourceKey.slice(ARCHIVE_BUCKET.issuesPrefix.length)
    : sourceKey;
  return `${ARCHIVE_BUCKET.coversPrefix}${rest.replace(/(?:-cover\.json(?:\.br)?|-parts\.bin)$/, '')}-cover-${sha256.slice(0, 16)}.png`;
}

/** What making a cover needs: the renderer, a folder for the HTML file, the stores. */
export interface CoverDeps {
  archive: Archive;
  catalog: Pick<IssueCatalog, 'recordCover'>;
  renderer: CoverRenderer;
  /** Folder for the HTML file loaded (removed after). */
  workDir: string;
}

/**
 * Makes the cover of a released issue from its stored source, stores it and records it once.
 * An issue that is not released, has no cover source or has its cover made already is returned
 * as it is.
 * @returns the issue as it now stands: with this cover, or another request's recorded first;
 *   undefined when the issue is gone.
 * @throws TamperedObjectError when the stored source differs from its record.
 */
export async function makeIssueCover(deps: CoverDeps, issue: Issue): Promise<Issue | undefined> {
  const keys = issue.coverKeys;
  if (issue.status !== 'published' || !keys || keys.png) return issue;
  const json = await storedPart(deps.archive, keys.source, 'cover', keys.sha256.source);
  let source: CoverSource;
  try {
    source = coverSourceSchema.parse(JSON.parse(new TextDecoder().decode(json)));
  } catch (err) {
    throw new TamperedObjectError(
      'archive',
      `${keys.source} 不是封面的来源文件：${err instanceof Error ? err.message.slice(0, 200) : String(err)}`,
    );
  }
  await mkdir(deps.workDir, { recursive: true });
  const htmlPath = join(deps.workDir, `cover-${issue.id}-${randomUUID()}.html`);
  let cover;
  try {
    await writeFile(htmlPath, source.html);
    cover = await deps.renderer.renderCover({
      htmlPath,
      allowedRoots: [deps.workDir, templatesDir()],
      width: source.width,
      ...(source.fill ? { fill: source.fill } : {}),
    });
  } finally {
    await rm(htmlPath, { force: true });
  }
  const sha256 = sha256Hex(cover.png);
  const png = coverKey(keys.source, sha256);
  await deps.archive.put(png, cover.png, {
    fileName: `${(issue.fileName ?? `${issue.id}.pdf`).replace(/\.pdf$/, '')}-封面.png`,
    contentType: COVER_TYPE,
    metadata: { issue: issue.id },
    sha256,
  });
  return deps.catalog.recordCover(issue.id, {
    source: keys.source,
    png,
    sha256,
    size: { width: cover.width, height: cover.height },
  });
}

/**
 * The bytes of a released issue's cover made on its first request, checked against the sha256
 * its catalog record holds; made (by `make`) and recorded first if it never was. Only for an
 * issue with `coverKeys` (one released before has `coverKey`: served as stored).
 * @throws NotFoundError when the issue is not released or has no cover;
 *   TamperedObjectError when a stored file differs from its record.
 */
export async function issueCoverBytes(
  deps: { archive: Archive; make: CoverMaker },
  issue: Issue,
): Promise<Uint8Array> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const keys = issue.status === 'published' ? issue.coverKeys : undefined;
    if (!keys) break;
    if (keys.png) return verifiedBytes(deps.archive, keys.png, { sha256: keys.sha256.png });
    const now = await deps.make(issue);
    // Corrected meanwhile (a new source, no cover yet), or made by another request: again.
    if (!now) break;
    issue = now;
  }
  throw new NotFoundError('cover', `${issue.id} 没有封面`);
}

/** The in-process cover maker (locally, and wherever the process has the renderer). */
export function localCoverMaker(deps: CoverDeps): CoverMaker {
  return (issue) => makeIssueCover(deps, issue);
}
