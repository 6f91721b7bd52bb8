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
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type {
  APIGatewayProxyEventV2,
  APIGatewayRequestAuthorizerEventV2,
  Context,
} from 'aws-lambda';
import { handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { createApiApp, type ApiDeps } from '../api/app.ts';
import type { Services } from '../wiring/services.ts';
import type { ReportQueue } from '../app/ports.ts';
import { createSqsReportQueue } from '../adapters/sqs/report-queue.ts';
import { lambdaCoverMaker } from '../adapters/lambda/cover-function.ts';
import { localCoverMaker, type CoverMaker } from '../app/issue-cover.ts';
import { makesCovers } from '../app/ports.ts';
import { acceptReportRequest, cycleOf } from '../app/publish.ts';
import { jobFromRequest, slotKeys, type OperatorJob, type ReportJob } from '../app/requests.ts';
import { invocation, logger, publishDeps, renderWorkDir, runtimeServices } from './runtime.ts';
import { bundledSchedules, calendarDepsOf } from '../wiring/calendar.ts';
import { loadConsoleAuthConfig } from '../config.ts';
import { createTokenVerifier, type TokenVerifier } from '../app/console-auth.ts';
import { idTokenOf, tokenIdentity } from '../api/console/token-sign-in.ts';
import { serviceSchedules } from '../api/console/service-schedules.ts';

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
  const consoleAuth = loadConsoleAuthConfig();
  // The schedules file beside the bundle (infra/bundling.ts copies data/), or the repository's.
  const definitions = bundledSchedules(import.meta.dirname, join(import.meta.dirname, '..', '..'));
  const calendar = calendarDepsOf(s, definitions);
  return {
    // The editor's console: people sign in at the user pool's hosted page; the authorizer and
    // the console both verify the ID token, and its group decides what each may do.
    ...(consoleAuth
      ? {
          console: {
            lifecycle,
            desk: s.desk,
            subscribers: s.subscribers,
            notifier: s.notifier,
            reference: s.reference,
            series: s.reference.series.map((x) => x.id),
            timeZone: s.config.timeZone,
            presignTtlSeconds: s.config.presignTtlSeconds,
            publicBaseUrl: () => s.config.publicBaseUrl ?? '',
            log,
            identity: tokenIdentity({ settings: consoleAuth, verify: verifierFor(consoleAuth) }),
            // 定时任务: the switch goes to EventBridge Scheduler (and the desk store); the
            // release dates come from the calendar, a moved one fires once at its new time.
            calendar,
            now: () => s.clock.now(),
            ...(s.reportScheduler
              ? {
                  schedules: serviceSchedules({
                    definitions,
                    desk: s.desk,
                    scheduler: s.reportScheduler,
                    clock: s.clock,
                    async fire(def, at, by) {
                      const job: ReportJob = {
                        kind: def.kind,
                        ...def.params,
                        slotKey: slotKeys.scheduled(def.id, at),
                        requestedBy: `console:${by}`,
                      };
                      const { messageId } = await queue.send(job);
                      logger.info('已排队：立即运行定时任务', { key: job.slotKey, messageId });
                    },
                  }),
                }
              : {}),
            async offload(job: OperatorJob) {
              const { messageId } = await queue.send(job);
              logger.info('已排队：编辑操作 (editorial job)', {
                action: job.action,
                key: job.slotKey,
                messageId,
              });
            },
          },
        }
      : {}),
    operator: {
      lifecycle,
      authenticate: async () => principal.getStore(),
      series: s.reference.series.map((x) => x.id),
      presignTtlSeconds: s.config.presignTtlSeconds,
      timeZone: s.config.timeZone,
      page: false,
      async offload(job) {
        const { messageId } = await queue.send(job);
        logger.info('已排队：编辑操作 (editorial job)', {
          action: job.action,
          key: job.slotKey,
          messageId,
        });
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
    calendar,
    ...coverMakerOf(s),
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
        logger.info('已排队：报告 (report)', { slotKey: job.slotKey, messageId });
        return { status: 'queued' };
      });
    },
  };
}

/**
 * Who makes a released issue's cover on its first request: the cover function when the stack
 * names it (the API has no browser), else this process's renderer when it can.
 */
function coverMakerOf(s: Services): { makeCover?: CoverMaker } {
  if (s.config.coverFunction) {
    const lambda = new LambdaClient({
      region: s.config.region,
      ...(s.config.endpoints.lambda ? { endpoint: s.config.endpoints.lambda } : {}),
      ...(s.config.credentials ? { credentials: s.config.credentials } : {}),
      // The API answers within 29 s (API Gateway's limit): a cold cover function takes ≈ 5 s.
      requestHandler: { requestTimeout: 25_000 },
      // One attempt: a retry would outlive the API's 29 s; the reader's next request tries again.
      maxAttempts: 1,
    });
    return { makeCover: lambdaCoverMaker(lambda, s.config.coverFunction, s.catalog) };
  }
  if (!makesCovers(s.renderer)) return {};
  const { archive, catalog, renderer } = s;
  return { makeCover: localCoverMaker({ archive, catalog, renderer, workDir: renderWorkDir() }) };
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

/** One verifier per container (the user pool's keys are fetched once). */
let verifier: { key: string; verify: TokenVerifier } | undefined;
function verifierFor(
  settings: NonNullable<ReturnType<typeof loadConsoleAuthConfig>>,
): TokenVerifier {
  const key = `${settings.issuer}|${settings.clientId}|${settings.otherClientIds?.join(',') ?? ''}|${settings.jwksUrl}`;
  if (verifier?.key !== key) verifier = { key, verify: createTokenVerifier(settings) };
  return verifier.verify;
}

/**
 * The HTTP API's authorizer on every console route (this same function, a REQUEST authorizer
 * with simple responses): the ID token in the console's cookie must verify against the user
 * pool and belong to one of the role groups. The console checks each action's role again.
 */
export async function authorizeConsole(
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<{ isAuthorized: boolean; context?: Record<string, string> }> {
  const settings = loadConsoleAuthConfig();
  if (!settings) return { isAuthorized: false };
  const headers = new Headers();
  if (event.cookies?.length) headers.set('cookie', event.cookies.join('; '));
  if (event.headers?.['authorization'])
    headers.set('authorization', event.headers['authorization']);
  const token = idTokenOf(new Request('https://console.invalid/', { headers }));
  const who = token ? await verifierFor(settings)(token) : undefined;
  logger.info('控制台授权 (console authorizer)', {
    route: event.routeKey,
    allowed: who !== undefined,
    role: who?.role,
  });
  return who
    ? { isAuthorized: true, context: { name: who.name, role: who.role } }
    : { isAuthorized: false };
}

const isAuthorizerEvent = (e: unknown): e is APIGatewayRequestAuthorizerEventV2 =>
  typeof e === 'object' &&
  e !== null &&
  (e as { type?: unknown }).type === 'REQUEST' &&
  'routeArn' in e;

type ApiResult = Awaited<ReturnType<ReturnType<typeof handle>>>;
type AuthorizerResult = Awaited<ReturnType<typeof authorizeConsole>>;

/** API Gateway's HTTP events, and the console authorizer's REQUEST events (same function). */
export async function handler(
  event: APIGatewayRequestAuthorizerEventV2,
  context?: Context,
): Promise<AuthorizerResult>;
export async function handler(event: APIGatewayProxyEventV2, context?: Context): Promise<ApiResult>;
export async function handler(
  event: APIGatewayProxyEventV2 | APIGatewayRequestAuthorizerEventV2,
  context?: Context,
): Promise<ApiResult | AuthorizerResult> {
  if (isAuthorizerEvent(event)) return authorizeConsole(event);
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
