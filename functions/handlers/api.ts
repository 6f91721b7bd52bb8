/**
 * Lambda: the HTTP API (API Gateway v2, payload format 2.0) — the Hono app of functions/api,
 * wrapped by `hono/aws-lambda`.
 *
 * Who is calling: API Gateway has already checked the caller on the routes that need it
 * (`POST /reports`: IAM or JWT authorizer, see infra/constructs/bulletin-api.ts) and put the
 * principal into the event's request context. This handler takes it from there — never from a
 * header the client could set — and hands it to the app's `authenticate` through an
 * AsyncLocalStorage scoped to this one invocation.
 *
 * `POST /reports`: the job is numbered here (so the response carries the issue id) and sent
 * to the report queue; the generate function renders it (see app/requests.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { createApiApp, type ApiDeps } from '../api/app.ts';
import type { Services } from '../wiring/services.ts';
import type { ReportQueue } from '../app/ports.ts';
import { createSqsReportQueue } from '../adapters/sqs/report-queue.ts';
import { acceptReportRequest, cycleOf } from '../app/publish.ts';
import { jobFromRequest, type OperatorJob, type ReportJob } from '../app/requests.ts';
import { invocation, logger, publishDeps, runtimeServices } from './runtime.ts';
import { bundledSchedules, calendarDepsOf } from '../wiring/calendar.ts';

/** The parts of an API Gateway v2 request context that name the caller. */
interface AuthorizerContext {
  iam?: { userArn?: string; accountId?: string };
  jwt?: { claims?: Record<string, string | number | boolean | string[]> };
}

/**
 * The principal the authorizer vouched for: `iam:<user or role ARN>` or `jwt:<issuer>#<sub>`;
 * undefined on public routes.
 */
export function principalOf(event: APIGatewayProxyEventV2): string | undefined {
  const authorizer = (event.requestContext as { authorizer?: AuthorizerContext }).authorizer;
  const arn = authorizer?.iam?.userArn;
  if (arn) return `iam:${arn}`;
  const claims = authorizer?.jwt?.claims;
  if (claims && typeof claims['sub'] === 'string' && claims['sub']) {
    return `jwt:${typeof claims['iss'] === 'string' ? `${claims['iss']}#` : ''}${claims['sub']}`;
  }
  return undefined;
}

const principal = new AsyncLocalStorage<string | undefined>();

/** The app of one services object (a container keeps one; tests reset the runtime). */
const apps = new WeakMap<Services, ReturnType<typeof handle>>();

/** The dependencies the API app gets on AWS. */
export function awsApiDeps(s: Services, queue: ReportQueue<ReportJob | OperatorJob>): ApiDeps {
  const log = (m: string) => logger.info(m);
  const deps = publishDeps(s);
  // The editorial cycle's API (no page): what prints is queued for the generate function;
  // an embargoed release gets its one-time schedule (publishDeps: config.releaseSchedule).
  const lifecycle = cycleOf(deps);
  return {
    operator: {
      lifecycle,
      authenticate: async () => principal.getStore(),
      series: s.reference.series.map((x) => x.id),
      presignTtlSeconds: s.config.presignTtlSeconds,
      timeZone: s.config.timeZone,
      page: false,
      async offload(job) {
        const { messageId } = await queue.send(job);
        logger.info('editorial job queued', { action: job.action, key: job.slotKey, messageId });
      },
    },
    catalog: s.catalog,
    archive: s.archive,
    records: s.records,
    subscribers: s.subscribers,
    notifier: s.notifier,
    reference: s.reference,
    config: s.config,
    log,
    // The schedules file beside the bundle (infra/bundling.ts copies data/), or the repository's.
    calendar: calendarDepsOf(
      s,
      bundledSchedules(import.meta.dirname, join(import.meta.dirname, '..', '..')),
    ),
    ...(s.config.publicBaseUrl ? { publicBaseUrl: s.config.publicBaseUrl } : {}),
    // No sender (e.g. the China regions, which have no SES): nobody could confirm.
    subscriptions: s.config.senderAddress !== undefined || s.config.outboxDir !== undefined,
    authenticate: async () => principal.getStore(),
    async requestReport(body, caller) {
      const job = jobFromRequest(body, caller, randomUUID());
      const { requestedBy: _by, ...request } = job;
      // The slot runs in the generate Lambda; a slot that already ran is answered from the catalog.
      return acceptReportRequest(deps, request, async () => {
        const { messageId } = await queue.send(job);
        logger.info('report queued', { slotKey: job.slotKey, messageId });
        return { status: 'queued' };
      });
    },
  };
}

function appFor(s: Services): ReturnType<typeof handle> {
  let app = apps.get(s);
  if (!app) {
    const sqs = new SQSClient({
      region: s.config.region,
      ...(s.config.endpoints.sqs ? { endpoint: s.config.endpoints.sqs } : {}),
      ...(s.config.credentials ? { credentials: s.config.credentials } : {}),
    });
    app = handle(createApiApp(awsApiDeps(s, createSqsReportQueue(sqs, s.config.reportQueueUrl))));
    apps.set(s, app);
  }
  return app;
}

export async function handler(event: APIGatewayProxyEventV2, context?: Context) {
  return invocation('api', context, () =>
    principal.run(principalOf(event), () =>
      // hono types `body` as string | null; API Gateway omits it on bodiless requests, which
      // hono's processor handles.
      appFor(runtimeServices())(
        event as unknown as LambdaEvent,
        context as unknown as LambdaContext,
      ),
    ),
  );
}
