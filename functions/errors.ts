/**
 * One error hierarchy for the whole project. Every error names the component that
 * raised it (`[ingest]`, `[records]`, `[render]` …) and keeps the original `cause`.
 */
export class BulletinError extends Error {
  override name = 'BulletinError';
  constructor(
    readonly component: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`[${component}] ${message}`, options);
  }
}

/** A problem with the user's input: a file, a row, a field. Never retried. */
export class ValidationError extends BulletinError {
  override name = 'ValidationError';
  constructor(
    component: string,
    readonly problems: InputProblem[],
    options?: { cause?: unknown },
  ) {
    super(component, formatProblems(problems), options);
  }
}

/** Where and why one piece of input is wrong. */
export interface InputProblem {
  file: string;
  /** 1-based line in a CSV file, or a JSON path such as `$[3].value`. */
  location: string;
  field?: string;
  message: string;
}

function formatProblems(problems: InputProblem[]): string {
  const shown = problems.slice(0, 20).map(formatProblem);
  const more = problems.length > 20 ? `\n……另有 ${problems.length - 20} 个问题` : '';
  return `输入有 ${problems.length} 个问题，未存入任何内容：\n${shown.join('\n')}${more}`;
}

/**
 * One problem as a person reads it: `文件 a.csv 第 3 行 字段 zone：未知的园区 "火星高新区"…`
 * (a JSON path as `位置 $[1].value`).
 */
export function formatProblem(p: InputProblem): string {
  const where = /^\d+$/.test(p.location)
    ? ` 第 ${p.location} 行`
    : p.location && p.location !== '-'
      ? ` 位置 ${p.location}`
      : '';
  const field = p.field ? ` 字段 ${p.field}` : '';
  return `文件 ${p.file}${where}${field}：${p.message}`;
}

/** Configuration missing or malformed (environment variables, series files). */
export class ConfigError extends BulletinError {
  override name = 'ConfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('config', message, options);
  }
}

/** Something was asked for that does not exist (an issue id, a zone). */
export class NotFoundError extends BulletinError {
  override name = 'NotFoundError';
}

/** A conditional write lost a race or found a conflicting state. */
export class ConflictError extends BulletinError {
  override name = 'ConflictError';
}

/** A PDF could not be rendered: browser crash, blocked request, console error, timeout. */
export class RenderError extends BulletinError {
  override name = 'RenderError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('render', message, options);
  }
}

/** An outside service (DynamoDB, S3, SES) failed in a way we did not expect. */
export class StoreError extends BulletinError {
  override name = 'StoreError';
}

/**
 * A store refused an item as larger than it keeps (DynamoDB: 400 KB an item). Never retried:
 * the same item is refused again.
 */
export class ItemTooLargeError extends StoreError {
  override name = 'ItemTooLargeError';
}

/**
 * Another run holds the lease of a slot or of a release, and did not let go within the time this
 * run may wait. Retryable: the holder finishes or its lease runs out, and a retry (Lambda's
 * asynchronous retries, the state machine's, SQS's redelivery) finds the outcome. Never
 * reported as success — the holder may have died mid-work.
 */
export class LeaseHeldError extends ConflictError {
  override name = 'LeaseHeldError';
}

/** An archived object whose bytes are not the ones the catalog recorded: never served. */
export class TamperedObjectError extends StoreError {
  override name = 'TamperedObjectError';
}
