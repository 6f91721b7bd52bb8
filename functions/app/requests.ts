/**
 * One request and slot model for every entry: the HTTP API (on Lambda and in `bulletin serve`),
 * the generate and scheduled Lambdas, the local schedules and the CLI.
 *
 * - **Request**: a kind (contract/kinds.ts) plus that kind's own parameters, validated by one
 *   schema per kind (`REPORT_PARAMS` of contract/schedules.ts: one set of bounds everywhere).
 * - **Slot key**: the idempotency key an issue is numbered under; one slot never makes two
 *   issues, however often it is retried. The schemes:
 *
 *   | who                 | slot key                                   |
 *   |---------------------|--------------------------------------------|
 *   | `POST /reports`     | `api:<principal>:<request id>` (locally the principal is `local-operator`) |
 *   | a schedule's firing | `schedule:<schedule id>:<scheduled time, UTC ISO with ms>` |
 *   | the CLI             | `cli:<uuid>` unless `--slot` names one      |
 *   | a direct invocation | `invoke:<Lambda request id>`               |
 *   | the all-zones batch | `zone-profile/<zone>/<period>/<content hash>` (app/batch.ts) |
 *
 *   The principal is part of an on-demand key so that two callers who choose the same request
 *   id do not share an issue.
 */
import { z } from 'zod';
import { EDITION_KINDS } from '../core/model.ts';
import { ValidationError, type InputProblem } from '../errors.ts';
import { REPORT_KINDS, type ReportKind } from '../contract/kinds.ts';
import { REPORT_PARAMS, requestFields, type ReportParams } from '../contract/schedules.ts';

export type { ReportKind, ReportParams };

/** A report to publish: its kind, the kind's parameters and the slot it is numbered under. */
export interface ReportRequest extends ReportParams {
  kind: ReportKind;
  /** Idempotency key: see the table above. */
  slotKey: string;
}

/** The body of `POST /reports`. */
export interface ReportRequestBody extends ReportParams {
  kind: ReportKind;
  /** The caller's idempotency key: the same key never makes two issues. */
  requestId?: string;
}

/** What the generate Lambda receives (an SQS message body, or a direct invocation payload). */
export interface ReportJob extends ReportRequest {
  requestedBy?: string;
}

/**
 * A schema of "a kind, its parameters and `extra`": one strict object per kind, chosen by
 * `kind`, so that a field of another kind (a zone for a bulletin) is refused.
 */
export function requestSchemaWith<E extends z.ZodRawShape>(extra: E) {
  const [first, ...rest] = REPORT_KINDS.map((kind) =>
    REPORT_PARAMS[kind].extend({ kind: z.literal(kind), ...extra }),
  );
  return z.discriminatedUnion('kind', [first!, ...rest]);
}

/** `POST /reports`. */
export const reportRequestSchema = requestSchemaWith({
  requestId: requestFields.requestId.optional(),
}) as unknown as z.ZodType<ReportRequestBody>;

/** The generate Lambda's job. */
export const reportJobSchema = requestSchemaWith({
  slotKey: requestFields.slotKey,
  requestedBy: z.string().max(300).optional(),
}) as unknown as z.ZodType<ReportJob>;

/** What an editor says of a corrected edition: 修订 or 更正, cause, effect, pages. */
export const correctionRequestSchema = z.strictObject({
  kind: z.enum(EDITION_KINDS).optional(),
  cause: z.string().trim().min(1).max(500).optional(),
  effect: z.string().trim().min(1).max(500).optional(),
  pages: z.array(z.coerce.number().int().min(1).max(999)).max(50).optional(),
});
export type CorrectionRequest = z.infer<typeof correctionRequestSchema>;

/**
 * Editorial work that prints, handed by the API to the generate function on AWS (the API
 * function has no browser): a release now, a release whose embargo time has come (the target of
 * the EventBridge Scheduler one-time schedule), a correction, a retried run.
 */
export type OperatorJob =
  | { action: 'release'; draftId: string; by: string; slotKey: string }
  | { action: 'release-due'; draftId: string; slotKey: string }
  | {
      action: 'correct';
      issueId: string;
      by: string;
      slotKey: string;
      /** 修订 / 更正 with its cause, effect and pages (app/lifecycle.ts `correctIssue`). */
      label?: CorrectionRequest;
    }
  | { action: 'retry'; runId: string; slotKey: string };

const jobId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, '应为 id（1–200 个 A-Z a-z 0-9 . _ : - 字符）');
export const operatorJobSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('release'),
    draftId: jobId,
    by: z.string().min(1).max(300),
    slotKey: requestFields.slotKey,
  }),
  z.strictObject({
    action: z.literal('release-due'),
    draftId: jobId,
    slotKey: requestFields.slotKey,
  }),
  z.strictObject({
    action: z.literal('correct'),
    issueId: jobId,
    by: z.string().min(1).max(300),
    slotKey: requestFields.slotKey,
    label: correctionRequestSchema.optional(),
  }),
  z.strictObject({ action: z.literal('retry'), runId: jobId, slotKey: requestFields.slotKey }),
]) as unknown as z.ZodType<OperatorJob>;

/** The operator jobs, each keyed (for logs and the queue) by what it acts on. */
export const operatorJobs = {
  release: (draftId: string, by: string): OperatorJob => ({
    action: 'release',
    draftId,
    by,
    slotKey: `operator:release:${draftId}`,
  }),
  releaseDue: (draftId: string): OperatorJob => ({
    action: 'release-due',
    draftId,
    slotKey: `operator:release-due:${draftId}`,
  }),
  correct: (issueId: string, by: string, label?: CorrectionRequest): OperatorJob => ({
    action: 'correct',
    issueId,
    by,
    slotKey: `operator:correct:${issueId}`,
    ...(label ? { label } : {}),
  }),
  retry: (runId: string): OperatorJob => ({
    action: 'retry',
    runId,
    slotKey: `operator:retry:${runId}`,
  }),
};

/** Whether a queued message is editorial work rather than a report request. */
export function isOperatorJob(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'action' in body;
}

/** The principal of `POST /reports` in `bulletin serve` (one bearer token, one operator). */
export const LOCAL_PRINCIPAL = 'local-operator';

/** Slot keys (see the table at the top of this file). */
export const slotKeys = {
  onDemand: (principal: string, requestId: string) => `api:${principal}:${requestId}`,
  /** The same firing gives the same key, whether its time came as a string or a Date. */
  scheduled: (scheduleId: string, scheduledTime: string | Date) =>
    `schedule:${scheduleId}:${new Date(scheduledTime).toISOString()}`,
  cli: (id: string) => `cli:${id}`,
  invocation: (requestId: string) => `invoke:${requestId}`,
};

/** The parameters of a request, without its kind and slot (only those set). */
export function paramsOf(req: ReportParams): ReportParams {
  return {
    ...(req.series ? { series: req.series } : {}),
    ...(req.period ? { period: req.period } : {}),
    ...(req.zone ? { zone: req.zone } : {}),
    ...(req.region ? { region: req.region } : {}),
  };
}

/** The job of a validated `POST /reports` body, keyed on the caller and their request id. */
export function jobFromRequest(
  body: ReportRequestBody,
  principal: string,
  fallbackRequestId: string,
): ReportJob {
  return {
    kind: body.kind,
    ...paramsOf(body),
    slotKey: slotKeys.onDemand(principal, body.requestId ?? fallbackRequestId),
    requestedBy: principal,
  };
}

/**
 * Parses `input` with `schema`, or throws a ValidationError naming each field.
 * @param source names the input in the message, e.g. `POST /reports` or `SQS 消息 1f3…`.
 */
export function parseOrReject<T>(schema: z.ZodType<T>, input: unknown, source: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems: InputProblem[] = parsed.error.issues.map((i) => ({
    file: source,
    location: `$${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`,
    ...(i.path.length ? { field: String(i.path[i.path.length - 1]) } : {}),
    message: i.message,
  }));
  throw new ValidationError('reports', problems);
}

/**
 * Checks a request assembled in code (the CLI's options, a schedule) against the same schema
 * as the API's bodies.
 * @throws ValidationError naming `source` and each field.
 */
export function checkRequest(req: ReportRequest, source: string): ReportRequest {
  const { slotKey, ...rest } = req;
  const body = parseOrReject(reportRequestSchema, rest, source);
  return { kind: body.kind, ...paramsOf(body), slotKey };
}
