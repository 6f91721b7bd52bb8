/**
 * Wires the ports to their AWS adapters from a validated configuration. The CLI, the local
 * server and the Lambda handlers all get their services here.
 */
import type { AppConfig } from '../config.ts';
import type { PublishDeps } from '../app/publish.ts';
import { createAwsClients, type AwsClients } from '../adapters/aws-clients.ts';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { createReleaseScheduler } from '../adapters/scheduler/release-schedule.ts';
import { createReportScheduler } from '../adapters/scheduler/report-schedules.ts';
import { operatorJobs } from '../app/requests.ts';
import type {
  CalendarStore,
  Clock,
  Archive,
  IssueCatalog,
  LifecycleCatalog,
  Notifier,
  PdfRenderer,
  DeskStore,
  ReportScheduler,
  RecordStore,
  SubscriberStore,
} from '../app/ports.ts';
import { createS3Archive } from '../adapters/s3/archive.ts';
import { systemClock } from '../adapters/clock/system-clock.ts';
import { createDynamoCalendarStore } from '../adapters/dynamodb/calendar-store.ts';
import {
  createDynamoIssueCatalog,
  createDynamoLifecycleCatalog,
} from '../adapters/dynamodb/issue-catalog.ts';
import { createChromiumRenderer } from '../adapters/print/renderer.ts';
import { createDynamoRecordStore } from '../adapters/dynamodb/record-store.ts';
import { createOutboxNotifier, createSesNotifier } from '../adapters/ses/notifier.ts';
import { createDynamoSubscriberStore } from '../adapters/dynamodb/subscriber-store.ts';
import { createDynamoDeskStore } from '../adapters/dynamodb/desk-store.ts';
import type { Reference } from '../core/reference.ts';
import { referenceData } from '../app/reference-data.ts';

export interface Services {
  config: AppConfig;
  clients: AwsClients;
  records: RecordStore;
  catalog: IssueCatalog;
  /** The editorial cycle's side of the catalog (drafts, numbering, runs): the same table. */
  cycle: LifecycleCatalog;
  archive: Archive;
  reference: Reference;
  /** The browser starts on first use and is reused until `close()`. */
  renderer: PdfRenderer;
  subscribers: SubscriberStore;
  /** SES, or `.eml` files in `config.outboxDir` when that is set. */
  notifier: Notifier;
  /** The release calendar's moved and cancelled dates (the catalog's table). */
  calendar: CalendarStore;
  /** What "now" is for the cycle's calendar decisions (an issue's year, embargoes, the calendar). */
  clock: Clock;
  /** The editor's desk: accounts, sessions, the record of who did what (the issues table). */
  desk: DeskStore;
  /**
   * EventBridge Scheduler's side of the report schedules (AWS: the console's switch, a moved
   * date's one-off firing); absent locally, where `bulletin serve` runs the schedules.
   */
  reportScheduler?: ReportScheduler;
  /** The EventBridge Scheduler client of both (one per container). */
  scheduler?: SchedulerClient;
  close(): Promise<void>;
}

/** EventBridge Scheduler, when the configuration uses it (release or report schedules). */
function schedulerClientOf(config: AppConfig): SchedulerClient | undefined {
  if (!config.releaseSchedule && !config.reportSchedules) return undefined;
  return new SchedulerClient({
    region: config.region,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...(config.endpoints.scheduler ? { endpoint: config.endpoints.scheduler } : {}),
  });
}

/** Adapters to use instead of the configured ones (tests, the batch's own renderer). */
export interface ServiceOptions {
  renderer?: PdfRenderer;
  /** A clock of the test's own instead of the system clock. */
  clock?: Clock;
  notifier?: Notifier;
  /** Diagnostics of the renderer. */
  log?: (message: string) => void;
}

export function createServices(config: AppConfig, opts: ServiceOptions = {}): Services {
  const clients = createAwsClients(config);
  const ses =
    config.outboxDir || opts.notifier
      ? undefined
      : new SESv2Client({
          region: config.region,
          ...(config.credentials ? { credentials: config.credentials } : {}),
        });
  const notifier =
    opts.notifier ??
    (config.outboxDir
      ? createOutboxNotifier(config.outboxDir, { sender: config.senderAddress })
      : createSesNotifier(ses!, config.senderAddress));
  const scheduler = schedulerClientOf(config);
  const renderer =
    opts.renderer ??
    createChromiumRenderer({ ...config.print, ...(opts.log ? { log: opts.log } : {}) });
  return {
    config,
    clients,
    clock: opts.clock ?? systemClock,
    records: createDynamoRecordStore(clients.documents, config.tables.records),
    catalog: createDynamoIssueCatalog(clients.documents, config.tables.issues),
    cycle: createDynamoLifecycleCatalog(clients.documents, config.tables.issues),
    calendar: createDynamoCalendarStore(clients.documents, config.tables.issues),
    archive: createS3Archive(clients.s3, config.bucket),
    reference: referenceData(),
    renderer,
    subscribers: createDynamoSubscriberStore(clients.documents, config.tables.subscribers),
    notifier,
    desk: createDynamoDeskStore(clients.documents, config.tables.issues),
    ...(scheduler ? { scheduler } : {}),
    ...(scheduler && config.reportSchedules
      ? { reportScheduler: createReportScheduler(scheduler, config.reportSchedules) }
      : {}),
    async close() {
      await renderer.close();
      clients.destroy();
      ses?.destroy();
      scheduler?.destroy();
    },
  };
}

/**
 * The dependencies of the publish use case (`publishReport`) from a set of services — one
 * construction for the CLI, the Lambdas and the local server. Subscribers are told of a
 * published issue only when the API's public address is known: a notice must link to a
 * download that works.
 */
export function publishDepsOf(
  s: Services,
  opts: { workDir: string; log?: (message: string) => void },
): PublishDeps {
  return {
    records: s.records,
    catalog: s.catalog,
    cycle: s.cycle,
    archive: s.archive,
    renderer: s.renderer,
    reference: s.reference,
    workDir: opts.workDir,
    timeZone: s.config.timeZone,
    clock: s.clock,
    ...(opts.log ? { log: opts.log } : {}),
    // Embargoed releases on AWS: one-time EventBridge Scheduler schedules (else the local
    // server's tick releases them).
    ...(s.config.releaseSchedule && s.scheduler
      ? createReleaseScheduler(s.scheduler, s.config.releaseSchedule, operatorJobs.releaseDue)
      : {}),
    ...(s.config.publicBaseUrl
      ? { subscribers: s.subscribers, notifier: s.notifier, publicBaseUrl: s.config.publicBaseUrl }
      : {}),
  };
}
