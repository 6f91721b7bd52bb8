/** Messages between `stack.ts` and the stores' process `stack-host.ts` (over its IPC channel). */
import type { Credentials } from './sigv4.ts';

export interface HostConfig {
  stateDir: string;
  inMemory: boolean;
  region: string;
  credentials: Credentials;
  /** The lock file the host removes when it stops, if it still names the host. */
  lockPath: string;
}

export type HostMessage =
  | { type: 'ready'; pid: number; dynamodb: string; s3: string; control: string }
  | { type: 'failed'; message: string };

/** What the stores' process answers `stats` on its control socket (MB, `process.memoryUsage()`). */
export interface StoresStats {
  pid: number;
  rssMb: number;
  /** V8 heap in use (capped by `STORES_HEAP_MB` on LevelDB). */
  heapUsedMb: number;
  /** C++ objects bound to JS (LevelDB's memtables and block cache are not counted here). */
  externalMb: number;
  arrayBuffersMb: number;
  /** LevelDB (or in-memory) iterators opened and not yet closed: 0 between requests. */
  openIterators: number;
  /** Iterators opened since the process started. */
  openedIterators: number;
}

/** The lock file of a state folder (0600): who holds its stores and how to reach them. */
export interface StackLock {
  /** `starting` while the owner launches the stores; `ready` once they answer. */
  state: 'starting' | 'ready';
  /** The process that started the stack (a CLI command, `bulletin serve`, a test). */
  owner: number;
  /**
   * When the owner process started (Linux: clock ticks since boot, /proc/<pid>/stat field 22),
   * so that a new process that reused a dead owner's pid is not taken for it.
   */
  ownerStart?: number;
  ownerCommand?: string;
  /** The stores' process (when ready). */
  pid?: number;
  startedAt: string;
  dynamodb?: string;
  s3?: string;
  /** The control socket: a connection to it is a lease that keeps the stack up. */
  control?: string;
  region?: string;
  credentials?: Credentials;
}
