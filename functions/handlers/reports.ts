/**
 * Report requests as the Lambdas see them: which kinds exist, how a request is validated,
 * how it is numbered (claimed) and how it is generated. Shared by the scheduled, the
 * on-demand and the API handler so that they agree on one slot key per request.
 *
 * On-demand flow (see docs/deploy.md): the API handler validates the body, claims the issue
 * number for the slot `api:<request id>` and sends a {@link ReportJob} to the report queue; the
 * generate Lambda picks it up and calls {@link generateReport} with the same slot, which finds
 * the claimed number and renders. A retried message or a repeated POST with the same request
 * id never makes a second issue.
 */
import { z } from 'zod';
import type { ReportRequestBody } from '../api/app.ts';
import { ValidationError, type InputProblem } from '../errors.ts';
import type { Issue } from '../core/model.ts';
import { parsePeriod } from '../core/periods.ts';
import {
  claimReport as claimReportIssue,
  publishBulletin,
  publishReport,
  type PublishDeps,
  type ReportRequest,
} from '../app/publish.ts';
import type { PublishResult } from '../app/publish.ts';

/**
 * Every report kind the product knows (DESIGN §3), as the API accepts them. Kept here rather
 * than imported from the API app so that the render bundles do not carry the web app.
 */
export const REPORT_KINDS = [
  'torch-bulletin',
  'zone-profile',
  'regional-report',
] as const satisfies readonly ReportRequestBody['kind'][];
export type ReportKind = (typeof REPORT_KINDS)[number];

/** The kinds the generate path can render today; the others are refused with a clear message. */
export const SUPPORTED_KINDS: readonly ReportKind[] = REPORT_KINDS;

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and -');
const periodText = z
  .string()
  .refine((p) => parsePeriod(p) !== undefined, 'a period such as 2024, 2024-Q3 or 2024-10');

/** What the generate Lambda receives (an SQS message body, or a direct invocation payload). */
export const reportJobSchema = z
  .object({
    kind: z.enum(REPORT_KINDS),
    series: slug.optional(),
    period: periodText.optional(),
    /** zone-profile: the zone id. */
    zone: slug.optional(),
    /** regional-report: a province, city or alliance. */
    region: z.string().min(1).max(64).optional(),
    /** Idempotency key of the issue: `api:…`, `schedule:…`, `invoke:…`. */
    slotKey: z.string().min(1).max(300),
    requestedBy: z.string().max(300).optional(),
  })
  .strict();
export type ReportJob = z.infer<typeof reportJobSchema>;

/**
 * Parses `input` with `schema`, or throws a ValidationError naming each field.
 * @param source names the input in the message, e.g. `POST /reports` or `SQS message 1f3…`.
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

/** Refuses a kind the generate path cannot render yet. */
export function assertSupportedKind(kind: ReportKind, source: string): void {
  if (SUPPORTED_KINDS.includes(kind)) return;
  throw new ValidationError('reports', [
    {
      file: source,
      location: '$.kind',
      field: 'kind',
      message: `report kind "${kind}" is not supported yet (supported: ${SUPPORTED_KINDS.join(', ')})`,
    },
  ]);
}

/**
 * The slot key of an on-demand request. The principal is part of it so that two callers
 * who happen to choose the same request id do not share an issue.
 */
export function onDemandSlotKey(principal: string, requestId: string): string {
  return `api:${principal}:${requestId}`;
}

/** The slot key of one scheduled run: the schedule and the time it was meant to fire. */
export function scheduledSlotKey(scheduleId: string, scheduledTime: string): string {
  return `schedule:${scheduleId}:${scheduledTime}`;
}

/** The job of a validated `POST /reports` body, keyed on the caller and their request id. */
export function jobFromRequest(
  body: ReportRequestBody,
  principal: string,
  requestId: string,
): ReportJob {
  return {
    kind: body.kind,
    ...(body.period ? { period: body.period } : {}),
    ...(body.zone ? { zone: body.zone } : {}),
    ...(body.region ? { region: body.region } : {}),
    slotKey: onDemandSlotKey(principal, body.requestId ?? requestId),
    requestedBy: principal,
  };
}

/**
 * Numbers the issue of a job without rendering it (the API answers with the id at once).
 * The later {@link generateReport} with the same slot finds this number.
 */
export async function claimReport(deps: PublishDeps, job: ReportJob): Promise<Issue> {
  assertSupportedKind(job.kind, job.slotKey);
  return claimReportIssue(deps, toRequest(job));
}

/** Generates (numbers if needed, renders, stores, publishes) the report of one job. */
export async function generateReport(deps: PublishDeps, job: ReportJob): Promise<PublishResult> {
  assertSupportedKind(job.kind, job.slotKey);
  if (job.kind === 'torch-bulletin' && job.series) {
    return publishBulletin(deps, {
      slotKey: job.slotKey,
      series: job.series,
      ...(job.period ? { period: job.period } : {}),
    });
  }
  return publishReport(deps, toRequest(job));
}

function toRequest(job: ReportJob): ReportRequest {
  return {
    kind: job.kind,
    slotKey: job.slotKey,
    ...(job.period ? { period: job.period } : {}),
    ...(job.zone ? { zone: job.zone } : {}),
    ...(job.region ? { region: job.region } : {}),
  };
}
