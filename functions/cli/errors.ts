/**
 * How the CLI reports a failure: one line `bulletin: <what failed>` (a validation error adds one
 * line per problem: file, row, field), the stack only with BULLETIN_DEBUG=1, and an exit code
 * by one rule:
 *
 * | code | meaning |
 * |---|---|
 * | 0 | done |
 * | 1 | the work failed: a store, the renderer, the network, a conflicting state |
 * | 2 | the input was wrong: arguments, files, names, configuration — fix it and run again |
 * | 130 | interrupted (Ctrl-C) |
 */
import { BulletinError, ConfigError, NotFoundError, ValidationError } from '../errors.ts';
import { OutputPathError } from './output-path.ts';

export const EXIT = { ok: 0, failed: 1, badInput: 2, interrupted: 130 } as const;

interface SystemError extends Error {
  code?: string;
  path?: string;
  syscall?: string;
}

const SYSTEM_MESSAGES: Record<string, string> = {
  ENOENT: '文件或目录不存在 (ENOENT)',
  EACCES: '没有权限 (EACCES)',
  EISDIR: '这是一个目录，需要文件 (EISDIR)',
  ENOTDIR: '路径中有一段不是目录 (ENOTDIR)',
  EADDRINUSE: '端口已被占用 (EADDRINUSE)',
  ENOSPC: '磁盘空间不足 (ENOSPC)',
};

function isSystemError(err: unknown): err is SystemError {
  return err instanceof Error && typeof (err as SystemError).code === 'string';
}

/** The message for people: one line (plus one per input problem), no stack. */
export function formatError(err: unknown): string {
  if (err instanceof BulletinError) return `bulletin: ${err.message}`;
  if (isSystemError(err) && err.code && SYSTEM_MESSAGES[err.code]) {
    const where = err.path ? `${err.path}: ` : '';
    return `bulletin: ${where}${SYSTEM_MESSAGES[err.code]}`;
  }
  const text = err instanceof Error ? err.message : String(err);
  return `bulletin: ${text.split('\n')[0]}${process.env.BULLETIN_DEBUG ? '' : '（BULLETIN_DEBUG=1 显示详情）'}`;
}

/** The exit code of a failure, by the rule above. */
export function exitCodeOf(err: unknown): number {
  if (
    err instanceof ValidationError ||
    err instanceof NotFoundError ||
    err instanceof ConfigError ||
    err instanceof OutputPathError
  )
    return EXIT.badInput;
  if (isSystemError(err) && ['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR'].includes(err.code ?? ''))
    return EXIT.badInput;
  return EXIT.failed;
}
