/**
 * The embedded local stack: dynalite (DynamoDB API) and s3rver (S3 API) in a process of their
 * own (`stack-host.ts`), with their data under a state folder. Everything else talks to them
 * through the AWS SDK and the standard endpoint variables, exactly as on AWS.
 *
 * - Owner only: the stores listen on Unix sockets in a private folder; what is reachable on
 *   127.0.0.1 is a proxy that refuses any request not signed (SigV4) with this stack's own
 *   random credentials. The state folder is 0700, the lock file holding the credentials 0600.
 * - One stack per state folder, shared: the first process starts it and writes
 *   `<state>/stack.lock` (endpoints, credentials, pids); a process started meanwhile (a CLI
 *   command beside `bulletin serve`) uses that running stack instead of opening the same
 *   LevelDB a second time, and holds a lease that keeps it up while it works. A lock whose
 *   process is gone is stale and replaced.
 * - Nothing left running: the stores stop when their owner has stopped them or died (also on
 *   SIGKILL: its IPC channel closes) and no lease is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BulletinError } from '../errors.ts';
import { formatBeijing } from '../core/time.ts';
import type { HostConfig, HostMessage, StackLock, StoresStats } from './stack-protocol.ts';

export type { StackLock, StoresStats } from './stack-protocol.ts';

export interface LocalStack {
  /** Environment variables that point the AWS SDK at the embedded stores. */
  env: Record<string, string>;
  stateDir: string;
  /** The stores' process. */
  pid: number;
  /** True when this process uses a stack another process started (and holds). */
  shared: boolean;
  /** Who started the stack: `"bulletin serve", pid 1234`. */
  holder: string;
  /** The stores' process's memory now (asked on its control socket). */
  stats(): Promise<StoresStats>;
  /** Starts a CPU profile of the stores' process, or stops it and writes it to `stop`. */
  profile(command: 'start' | { stop: string }): Promise<void>;
  /** Releases the stack: stops it if this process started it and nobody else uses it. */
  stop(): Promise<void>;
}

/** A local stack that cannot be started or reached, in one line. */
export class LocalStackError extends BulletinError {
  override name = 'LocalStackError';
  constructor(message: string) {
    super('local-stack', message);
  }
}

const REGION = 'cn-north-1';
const START_TIMEOUT_MS = 30_000;
/** How long a host that is alive but refuses leases may take to finish stopping. */
const UNANSWERED_WAIT_MS = 3_000;
/** How long the owner waits for its stores to stop (longer only if others still use them). */
const STOP_WAIT_MS = 2_000;
export const LOCK_FILE = 'stack.lock';

export function lockPathOf(stateDir: string): string {
  return join(stateDir, LOCK_FILE);
}

/** The lock of a state folder, or undefined when there is none (or it is unreadable). */
export async function readStackLock(stateDir: string): Promise<StackLock | undefined> {
  const found = await inspectLock(lockPathOf(stateDir));
  return found.kind === 'lock' ? found.lock : undefined;
}

/** A lock file as found: none, a lock, or a file that is not one (empty, cut short, garbled). */
type FoundLock =
  | { kind: 'none' }
  | { kind: 'lock'; lock: StackLock }
  | { kind: 'garbled'; ageMs: number; bytes: number };

function isLock(value: unknown): value is StackLock {
  const v = value as Partial<StackLock> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    (v.state === 'starting' || v.state === 'ready') &&
    Number.isInteger(v.owner) &&
    typeof v.startedAt === 'string'
  );
}

async function inspectLock(lockPath: string): Promise<FoundLock> {
  let text: string;
  let ageMs = 0;
  try {
    text = await readFile(lockPath, 'utf8');
    ageMs = Date.now() - (await stat(lockPath)).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    return { kind: 'garbled', ageMs, bytes: 0 };
  }
  try {
    const lock: unknown = JSON.parse(text);
    if (isLock(lock)) return { kind: 'lock', lock };
  } catch {
    // not JSON: garbled
  }
  return { kind: 'garbled', ageMs, bytes: Buffer.byteLength(text) };
}

/**
 * How long a lock file that is not a lock yet may stay so: its owner creates it empty and
 * writes it at once (a kill or a full disk in between leaves it empty for good).
 */
const GARBLED_GRACE_MS = 2_000;

/** When a process started (Linux: clock ticks since boot), or undefined where unknown. */
export function processStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the command name in parentheses (which may hold spaces).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/** The lock's owner is running: its pid is alive and, where known, started when it did. */
function ownerAlive(lock: StackLock): boolean {
  if (!alive(lock.owner)) return false;
  if (lock.ownerStart === undefined) return true;
  const start = processStart(lock.owner);
  return start === undefined || start === lock.ownerStart;
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `pid` runs the stores' host (not a process that reused a dead host's pid). */
function isHost(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('stack-host');
  } catch {
    return process.platform !== 'linux' && alive(pid);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A timer that does not keep the process alive (for races against a deadline). */
const deadlineIn = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

function envOf(lock: StackLock): Record<string, string> {
  return {
    AWS_REGION: lock.region ?? REGION,
    AWS_ACCESS_KEY_ID: lock.credentials!.accessKeyId,
    AWS_SECRET_ACCESS_KEY: lock.credentials!.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: lock.dynamodb!,
    AWS_ENDPOINT_URL_S3: lock.s3!,
    BULLETIN_S3_FORCE_PATH_STYLE: 'true',
  };
}

/** A lease on a running stack: a connection to its control socket, answered `ok`. */
function lease(control: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect(control);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, 3_000);
    socket.once('data', (d) => {
      clearTimeout(timer);
      if (d.toString().startsWith('ok')) {
        socket.unref();
        socket.on('error', () => undefined);
        resolve(socket);
      } else {
        socket.destroy();
        resolve(undefined);
      }
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}

/** Asks the stores' process for its memory figures (`stats` on a short-lived connection). */
function askStats(control: string): Promise<StoresStats> {
  return ask<StoresStats>(control, 'stats', 5_000);
}

/**
 * Starts (`start`) or stops a CPU profile of the stores' process, written to `file` on stop (the
 * bench's `bench:profile`).
 */
async function askProfile(control: string, command: 'start' | { stop: string }): Promise<void> {
  const line = command === 'start' ? 'profile start' : `profile stop ${command.stop}`;
  const answer = await ask<{ error?: string }>(control, line, 60_000);
  if (answer.error)
    throw new LocalStackError(`本地存储进程的 CPU 剖析 (profile) 失败：${answer.error}`);
}

/** One command on a short-lived connection to the control socket, and its one-line JSON answer. */
function ask<T>(control: string, command: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const socket = connect(control);
    socket.setEncoding('utf8');
    let answer = '';
    const timer = setTimeout(() => fail(new Error(`${timeoutMs / 1000} 秒内无应答`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new LocalStackError(`本地存储（控制命令 ${command}）：${err.message}`));
    };
    socket.on('error', fail);
    let asked = false;
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (!asked && answer.startsWith('ok\n')) {
        asked = true;
        socket.write(`${command}\n`);
      }
      const end = answer.indexOf('\n', 3);
      if (asked && end > 3) {
        clearTimeout(timer);
        socket.destroy();
        try {
          resolve(JSON.parse(answer.slice(3, end)) as T);
        } catch (err) {
          reject(
            new LocalStackError(`本地存储（控制命令 ${command}）的应答无法解析：${String(err)}`),
          );
        }
      }
    });
  });
}

function describe(lock: StackLock): string {
  return `${lock.ownerCommand ? `"${lock.ownerCommand}", ` : ''}pid ${lock.owner}${
    lock.startedAt ? `，启动于 ${formatBeijing(lock.startedAt, { seconds: true })}` : ''
  }`;
}

/** Sets a lock file aside (one process wins the rename) and removes it. */
async function setAside(lockPath: string): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}`;
  await rename(lockPath, aside)
    .then(() => unlink(aside))
    .catch(() => undefined);
}

/**
 * Starts the stores for `stateDir`, or joins the stack already running for it.
 * @param inMemory keep DynamoDB in memory (tests); S3 always lives under `stateDir/s3`.
 * @param log where the stores' refusals and errors go (default: stderr).
 */
export async function startLocalStack(opts: {
  stateDir: string;
  inMemory?: boolean;
  log?: (line: string) => void;
  /** How long to wait for a stack another live process is starting (default 30 s). */
  waitMs?: number;
}): Promise<LocalStack> {
  const stateDir = opts.stateDir;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  await mkdir(join(stateDir, 's3'), { recursive: true, mode: 0o700 });
  await chmod(stateDir, 0o700);
  const lockPath = lockPathOf(stateDir);
  const waitMs = opts.waitMs ?? START_TIMEOUT_MS;
  const deadline = Date.now() + waitMs;
  let unanswered: number | undefined;
  for (;;) {
    const found = await inspectLock(lockPath);
    if (found.kind === 'garbled') {
      // Just created by a process about to write it: give it a moment, never forever.
      if (found.ageMs < GARBLED_GRACE_MS && Date.now() < deadline) {
        await sleep(50);
        continue;
      }
      log(
        `本地存储的锁文件 ${lockPath} ${found.bytes ? `已损坏（${found.bytes} 字节，不是锁）` : '是空的'}（写入时进程被终止或磁盘已满？）：已将其移开并接管（stale lock taken over）`,
      );
      await setAside(lockPath);
      continue;
    }
    const lock = found.kind === 'lock' ? found.lock : undefined;
    if (lock) {
      if (lock.state === 'ready' && lock.control && lock.credentials) {
        const socket = await lease(lock.control);
        if (socket) return attached(lock, stateDir, socket);
        if (alive(lock.pid) && isHost(lock.pid!)) {
          // A host that no longer takes leases is usually stopping (its last user just left,
          // e.g. the previous `bulletin list`): it removes its lock in a moment.
          unanswered ??= Date.now() + UNANSWERED_WAIT_MS;
          if (Date.now() < unanswered) {
            await sleep(50);
            continue;
          }
          throw new LocalStackError(
            `本地存储（${stateDir}）被 ${describe(lock)}（存储进程 pid ${lock.pid}）占用且无应答：请结束该进程；若它已不在，删除 ${lockPath}`,
          );
        }
      } else if (lock.state === 'starting' && ownerAlive(lock)) {
        if (Date.now() > deadline)
          throw new LocalStackError(
            `本地存储（${stateDir}）正由 ${describe(lock)} 启动，已等待 ${waitMs / 1000} 秒仍未就绪：请结束该进程，或删除 ${lockPath}（the local stores are being started by another process）`,
          );
        await sleep(100);
        continue;
      }
      // Stale: its processes are gone. Set it aside (one process wins the rename).
      log(
        `本地存储的锁文件 ${lockPath} 属于已结束的进程（${describe(lock)}）：已接管（stale lock taken over）`,
      );
      await setAside(lockPath);
      continue;
    }
    let created;
    try {
      created = await open(lockPath, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    const ownerStart = processStart(process.pid);
    const starting: StackLock = {
      state: 'starting',
      owner: process.pid,
      ...(ownerStart !== undefined ? { ownerStart } : {}),
      ownerCommand: commandLine(),
      startedAt: new Date().toISOString(),
    };
    await created.writeFile(JSON.stringify(starting));
    await created.close();
    try {
      return await launch(stateDir, lockPath, starting, opts);
    } catch (err) {
      await unlink(lockPath).catch(() => undefined);
      throw err;
    }
  }
}

/** `bulletin serve`, `vitest`, `run`: what started a stack, for messages. */
function commandLine(): string {
  const script = basename(process.argv[1] ?? 'node').replace(/\.(m?js|ts)$/, '');
  // The first word that is neither an option nor the value of one: the CLI's command.
  const args = process.argv.slice(2);
  let command = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('-')) {
      if (!a.includes('=') && ['--state-dir', '--target'].includes(a)) i++;
      continue;
    }
    command = ` ${a}`;
    break;
  }
  return `${script}${command}`.slice(0, 80);
}

function attached(lock: StackLock, stateDir: string, socket: Socket): LocalStack {
  return {
    env: envOf(lock),
    stateDir,
    pid: lock.pid!,
    shared: true,
    holder: describe(lock),
    stats: () => askStats(lock.control!),
    profile: (command) => askProfile(lock.control!, command),
    async stop() {
      socket.destroy();
    },
  };
}

/**
 * The stores' heap limit when their data lives in LevelDB (MB): the records stay on disk (the
 * OS page cache, not this process), the heap holds only requests in flight and LevelDB's
 * 8 MB block cache sits outside it. A bound by design: past it V8 fails the stores loudly
 * rather than letting them grow. In memory (tests) the records are the heap: no limit.
 */
export const STORES_HEAP_MB = 256;

/**
 * How the stores' process is started: the compiled `stack-host.js` of the CLI build when there
 * is one (bin/build-cli.mjs compiles its path in here as BULLETIN_STACK_HOST_JS; from the
 * sources the variable may name one), else `stack-host.ts` through tsx (≈ 0.3 s more per start).
 */
export function hostCommand(inMemory: boolean): string[] {
  const heap = inMemory ? [] : [`--max-old-space-size=${STORES_HEAP_MB}`];
  const built = process.env.BULLETIN_STACK_HOST_JS;
  if (built && existsSync(built)) return [...heap, built];
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
  return [...heap, '--import', tsx, join(fileURLToPath(import.meta.url), '..', 'stack-host.ts')];
}

async function launch(
  stateDir: string,
  lockPath: string,
  starting: StackLock,
  opts: { inMemory?: boolean; log?: (line: string) => void },
): Promise<LocalStack> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const credentials = {
    accessKeyId: `LOCAL${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  };
  // Detached: a Ctrl-C in the terminal reaches the owner, which stops the stores in order.
  const child: ChildProcess = spawn(process.execPath, hostCommand(Boolean(opts.inMemory)), {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    detached: true,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
    for (const line of chunk.split('\n')) if (line.trim()) log(line);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const config: HostConfig = {
    stateDir,
    inMemory: Boolean(opts.inMemory),
    region: REGION,
    credentials,
    lockPath,
  };
  child.send(config);
  const ready = await Promise.race([
    new Promise<HostMessage>((resolve) => child.on('message', (m: HostMessage) => resolve(m))),
    exited.then(
      (code) => ({ type: 'failed', message: `进程已退出（退出码 ${code}）` }) as HostMessage,
    ),
    deadlineIn(START_TIMEOUT_MS).then(
      () => ({ type: 'failed', message: `${START_TIMEOUT_MS / 1000} 秒内无应答` }) as HostMessage,
    ),
  ]);
  if (ready.type !== 'ready') {
    child.kill('SIGKILL');
    const detail = stderr.trim().split('\n').pop() ?? '';
    throw new LocalStackError(
      `无法启动本地存储（${stateDir}）：${ready.message}${detail ? `（${detail}）` : ''}`,
    );
  }
  const lock: StackLock = {
    ...starting,
    state: 'ready',
    pid: ready.pid,
    dynamodb: ready.dynamodb,
    s3: ready.s3,
    control: ready.control,
    region: REGION,
    credentials,
  };
  const tmp = `${lockPath}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(lock, null, 1), { mode: 0o600 });
  await rename(tmp, lockPath);
  // The stack does not keep this process alive; its end (however it comes) stops the stack.
  child.unref();
  child.channel?.unref();
  (child.stderr as unknown as { unref?: () => void }).unref?.();

  let stopped: Promise<void> | undefined;
  return {
    env: envOf(lock),
    stateDir,
    pid: ready.pid,
    shared: false,
    holder: describe(lock),
    stats: () => askStats(ready.control),
    profile: (command) => askProfile(ready.control, command),
    stop() {
      stopped ??= (async () => {
        if (child.exitCode !== null || !child.connected) return;
        child.disconnect();
        // It stops now unless another process still uses it (then it stops after that one).
        // Wait for it with a timer that holds this process: else a command whose work failed
        // could end here, its loop empty, before it reports the failure (and with code 0).
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, STOP_WAIT_MS)))]);
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
}
