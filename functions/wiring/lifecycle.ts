/**
 * The one construction of the editorial cycle's dependencies, for the CLI, the local server and
 * the Lambdas.
 */
import { createDynamoLifecycleCatalog } from '../adapters/dynamodb/issue-catalog.ts';
import type { LifecycleDeps } from '../app/lifecycle.ts';
import { notifySubscribers } from '../app/notify.ts';
import type { PublishDeps } from '../app/publish.ts';
import { reportJobResolver } from '../app/report-jobs.ts';
import type { Services } from './services.ts';

/** The cycle's dependencies from services: one construction for the CLI, the server, the Lambdas. */
export function lifecycleDepsOf(
  s: Services,
  publish: PublishDeps,
  opts: { log?: (message: string) => void; leaseMs?: number } = {},
): LifecycleDeps {
  return {
    catalog: createDynamoLifecycleCatalog(s.clients.documents, s.config.tables.issues),
    archive: s.archive,
    timeZone: s.config.timeZone,
    resolveJob: reportJobResolver(publish),
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}),
    ...(publish.subscribers && publish.notifier && publish.publicBaseUrl
      ? {
          async notify(issue) {
            await notifySubscribers(
              {
                subscribers: publish.subscribers!,
                notifier: publish.notifier!,
                reference: publish.reference,
                publicBaseUrl: publish.publicBaseUrl!,
                timeZone: publish.timeZone,
                ...(opts.log ? { log: opts.log } : {}),
              },
              issue,
            );
          },
        }
      : {}),
  };
}
