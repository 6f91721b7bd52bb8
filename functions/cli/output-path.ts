/**
 * Output paths built from data (a report's file name carries a zone's or region's name):
 * one file name, never a path — no `/` or `\` making folders, no `..` leaving the folder, no
 * control or reserved characters.
 */
import { statSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import { BulletinError } from '../errors.ts';

/** An output path the command will not write: it exits 2 (the input was wrong). */
export class OutputPathError extends BulletinError {
  override name = 'OutputPathError';
  constructor(message: string) {
    super('output', message);
  }
}

function kindOf(path: string): 'file' | 'dir' | 'other' | undefined {
  try {
    const s = statSync(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
  } catch {
    return undefined;
  }
}

/**
 * Checks a file the user named with `--out`: an existing file is overwritten only with
 * `--force`, a folder never.
 * @throws OutputPathError saying what is there and how to go on.
 */
export function checkOutputFile(path: string, opts: { force?: boolean } = {}): void {
  const kind = kindOf(path);
  if (kind === 'dir') throw new OutputPathError(`--out ${path} 是一个文件夹，请给出文件路径`);
  if (kind && !opts.force)
    throw new OutputPathError(
      `--out ${path} 已存在，未覆盖：换一个文件名，或加 --force 覆盖 (file exists)`,
    );
}

/**
 * Checks a folder the user named with `--out-dir`: it may be missing (it is made), not a file.
 * @throws OutputPathError when a file (or anything but a folder) is in its place.
 */
export function checkOutputDir(dir: string): void {
  const kind = kindOf(dir);
  if (kind && kind !== 'dir')
    throw new OutputPathError(`--out-dir ${dir} 是一个文件，不是文件夹：请给出文件夹路径`);
}

/** Longest file name most file systems take, in UTF-8 bytes. */
const MAX_NAME_BYTES = 240;

/**
 * A file name made safe: path separators, control characters and characters Windows refuses
 * become `_`; leading dots are dropped (no `..`, no hidden file); too long names are cut
 * before their extension. Empty → `fallback`.
 *
 * @example safeFileName('火炬动态-../../etc-2024.pdf', 'x.pdf') === '火炬动态-.._.._etc-2024.pdf'
 */
export function safeFileName(name: string, fallback: string): string {
  // eslint-disable-next-line no-control-regex
  let safe = name.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_').trim();
  safe = safe.replace(/^[.\s]+/, '');
  if (safe === '' || /^_*(\.[^.]*)?$/.test(safe)) return fallback;
  const ext = /\.[A-Za-z0-9]{1,8}$/.exec(safe)?.[0] ?? '';
  let stem = safe.slice(0, safe.length - ext.length);
  while (Buffer.byteLength(stem + ext, 'utf8') > MAX_NAME_BYTES)
    stem = [...stem].slice(0, -1).join('');
  return stem + ext;
}

/**
 * `<dir>/<safe file name>`, checked to be inside `dir`.
 * @throws Error when the result would leave `dir` (cannot happen after {@link safeFileName};
 *   kept as the last guard).
 */
export function outputPathIn(dir: string, name: string, fallback: string): string {
  const path = join(dir, safeFileName(name, fallback));
  const rel = relative(dir, path);
  if (
    rel === '' ||
    rel.startsWith('..') ||
    isAbsolute(rel) ||
    rel.includes('/') ||
    rel.includes('\\')
  )
    throw new Error(`输出文件名“${name}”会落到目录 ${dir} 之外`);
  return path;
}
