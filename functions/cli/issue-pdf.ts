/**
 * Local copies of stored PDFs for the person at the terminal: an issue's (any edition) or a
 * draft's, read back from the archive and checked against the catalog's sha256 and size before
 * a byte is written (as every download is, `app/verified-download.ts`).
 */
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { NotFoundError } from '../errors.ts';
import { verifiedBytes } from '../app/verified-download.ts';
import { statusWord, type Draft } from '../core/lifecycle.ts';
import type { Issue } from '../core/model.ts';
import type { Services } from '../wiring/services.ts';
import type { Cli } from './context.ts';
import { OutputPathError, outputPathIn } from './output-path.ts';

/** A stored PDF: where it is and what the catalog recorded of it. */
export interface StoredPdf {
  key: string;
  fileName: string;
  sha256?: string;
  bytes?: number;
}

/** The stored PDF of an issue's edition (default: the current one). */
export function issuePdf(issue: Issue, edition?: number): StoredPdf {
  const current = issue.edition ?? 1;
  const wanted = edition ?? current;
  const e = issue.editions?.find((x) => x.edition === wanted);
  if (e) return { key: e.s3Key, fileName: e.fileName, sha256: e.sha256, bytes: e.bytes };
  // An issue from before editions were listed has its one edition at the top level.
  if (wanted === current && issue.s3Key)
    return {
      key: issue.s3Key,
      fileName: issue.fileName ?? `${issue.id}.pdf`,
      ...(issue.sha256 ? { sha256: issue.sha256 } : {}),
      ...(issue.bytes !== undefined ? { bytes: issue.bytes } : {}),
    };
  const have = (issue.editions ?? []).map((x) => x.edition).join('、') || String(current);
  throw new NotFoundError('pdf', `${issue.id} 没有第 ${wanted} 版（现有：第 ${have} 版）`);
}

/** The stored PDF of an open draft (marked 样稿). */
export function draftPdf(draft: Draft): StoredPdf {
  if (!draft.s3Key)
    throw new NotFoundError('pdf', `稿件 ${draft.id} 没有样稿 PDF（${statusWord(draft.status)}）`);
  return {
    key: draft.s3Key,
    fileName: draft.fileName ?? `${draft.id}.pdf`,
    ...(draft.sha256 ? { sha256: draft.sha256 } : {}),
    ...(draft.bytes !== undefined ? { bytes: draft.bytes } : {}),
  };
}

/**
 * Writes a stored PDF to `out` (default `<repo>/.local/out[/sub]/<its file name>`) and returns
 * the absolute path. An existing file with the same bytes is kept (the same PDF is there); one
 * with other bytes is replaced only with `force`, else refused (exit 2) and left untouched.
 */
export async function savePdf(
  cli: Cli,
  s: Services,
  pdf: StoredPdf,
  opts: { out?: string; sub?: string; force?: boolean } = {},
): Promise<string> {
  const dir = join(cli.root, '.local', 'out', ...(opts.sub ? [opts.sub] : []));
  const out = resolve(opts.out ?? outputPathIn(dir, pdf.fileName, 'bulletin.pdf'));
  const bytes = await verifiedBytes(s.archive, pdf.key, pdf);
  const existing = await readFile(out).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err; // a folder, no permission …: said in words by the CLI's error line
  });
  if (existing && !Buffer.from(bytes).equals(existing) && !opts.force)
    throw new OutputPathError(
      `${out} 已存在且内容不同，未覆盖：换一个文件名，或加 --force 覆盖 (file exists)`,
    );
  if (!existing || !Buffer.from(bytes).equals(existing)) {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, bytes);
  }
  return out;
}
