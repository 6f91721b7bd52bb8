/**
 * What constructs added to the stack build on (the stack exposes it as `platform`). Its own
 * module, so that constructs and the stack do not import each other.
 */
import type { BulletinFunction } from './constructs/bulletin-function.ts';
import type { ChromiumLayer } from './constructs/chromium-layer.ts';
import type { DataStores } from './constructs/data-stores.ts';
import type { JobQueues } from './constructs/job-queues.ts';
import type { Operations } from './constructs/operations.ts';

/** What constructs added to the stack build on. */
export interface BulletinPlatform {
  stores: DataStores;
  queues: JobQueues;
  /** The one Chromium + fonts layer every render function uses. */
  browser: ChromiumLayer;
  operations: Operations;
  /** Environment every function gets (time zone, presign TTL, public base URL). */
  environment: Record<string, string>;
  /** Binds a function to what publishing a bulletin needs (tables, issues/ prefix, mail). */
  bindPublisher(fn: BulletinFunction): BulletinFunction;
}
