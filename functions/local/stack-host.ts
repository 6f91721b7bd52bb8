/**
 * The embedded stores in a process of their own (started by `stack.ts` with an IPC channel):
 * dynalite and s3rver each behind a loopback SigV4-checking proxy (`store-proxy.ts`), which
 * hands every verified request to the store's own handler in this process; dynalite's server
 * also listens on a Unix socket in a fresh folder only this user can open (beside the control
 * socket), which nothing else uses. Being a separate process,
 * dynalite parses, indexes and keeps its data on its own core and in its own heap.
 *
 * Start-up: the host answers `ready` once dynalite and both proxies listen; s3rver (the slower
 * of the two to load) is loaded by the first S3 request, which waits for it in the proxy.
 *
 * Lifetime: the process that started it is its owner; other processes of the same user that
 * share the stack hold a lease (a connection to the control socket). It stops when the owner
 * is gone (its IPC channel closes — also when the owner is killed) and no lease is left, or
 * at once on SIGTERM. It ignores SIGINT: Ctrl-C reaches the owner, which then stops it.
 */
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import type { Server } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dynalite from 'dynalite';
import {
  closeLevelIterators,
  openedLevelIterators,
  openLevelIterators,
} from './level-iterators.ts';
import { answersEncodedOnce, nativeDynaliteCrc32 } from './dynalite-crc32.ts';
import { expressionsParsedOnce } from './dynalite-expressions.ts';
import { tableDescriptionsKept } from './dynalite-tables.ts';
import { createStoreProxy, type StoreHandler } from './store-proxy.ts';
import type { HostConfig, HostMessage, StoresStats } from './stack-protocol.ts';

const S3RVER_KEY = 'S3RVER';

/** The CPU profiler of this process, while a profile is being taken. */
let profiler: Session | undefined;
async function cpuProfile(command: string): Promise<{ started: true } | { file: string }> {
  if (command === 'start') {
    if (profiler) throw new Error('已在采集性能剖析 (CPU profile)');
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    profiler = session;
    return { started: true };
  }
  const file = /^stop (.+)$/.exec(command)?.[1];
  if (!file || !profiler) throw new Error(`没有正在采集的性能剖析可停止（${command}）`);
  const session = profiler;
  profiler = undefined;
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  await writeFile(file, JSON.stringify(profile));
  return { file };
}

function storesStats(): StoresStats {
  const m = process.memoryUsage();
  const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  return {
    pid: process.pid,
    rssMb: mb(m.rss),
    heapUsedMb: mb(m.heapUsed),
    externalMb: mb(m.external),
    arrayBuffersMb: mb(m.arrayBuffers),
    openIterators: openLevelIterators(),
    openedIterators: openedLevelIterators(),
  };
}

function send(message: HostMessage): void {
  process.send?.(message);
}

async function listen(server: Server | ReturnType<typeof createNetServer>, ...args: unknown[]) {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    (server.listen as (...a: unknown[]) => void)(...args, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function main(config: HostConfig): Promise<void> {
  // mkdtemp makes the folder 0700: only this user can reach the sockets in it.
  const sockets = mkdtempSync(join(tmpdir(), 'bulletin-stores-'));
  process.stderr.on('error', () => undefined);
  const log = (line: string) => process.stderr.write(`[本地存储] ${line}\n`);

  // dynalite never closes the LevelDB iterators of its reads: without this each pins memory.
  closeLevelIterators();
  // Nor does it checksum its answers natively (buffer-crc32, in JavaScript); and it encodes
  // each answer twice, for its checksum and on the socket (`answersEncodedOnce` below).
  nativeDynaliteCrc32();
  // Nor does it keep its tables' descriptions between requests (a LevelDB read each request).
  tableDescriptionsKept();
  // Nor its parsed expressions (the same few parsed again for every request).
  expressionsParsedOnce();
  const dynamo: Server = dynalite({
    ...(config.inMemory ? {} : { path: join(config.stateDir, 'dynamodb') }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await listen(dynamo, join(sockets, 'dynamodb.sock'));
  // s3rver (≈ 0.15 s to load) is loaded by the first S3 request: a command that reads only
  // DynamoDB (`bulletin list`) never waits for it. It answers in this process as dynalite does
  // (its Koa app's handler behind the proxy): no server of its own, no second HTTP hop.
  let s3Started: Promise<StoreHandler> | undefined;
  const startS3 = () =>
    (s3Started ??= import('./s3-store.ts').then(({ s3rverHandler }) =>
      s3rverHandler(join(config.stateDir, 's3')),
    ));

  const proxies = (['dynamodb', 's3'] as const).map((service) =>
    createStoreProxy({
      service,
      region: config.region,
      credentials: config.credentials,
      ...(service === 's3'
        ? { upstreamAccessKeyId: S3RVER_KEY, startUpstream: startS3 }
        : { handle: answersEncodedOnce((req, res) => void dynamo.emit('request', req, res)) }),
      log,
    }),
  );
  for (const p of proxies) await listen(p, 0, '127.0.0.1');
  const [dynamoPort, s3Port] = proxies.map((p) => (p.address() as { port: number }).port);

  // Leases: one connection per process sharing the stack.
  const leases = new Set<Socket>();
  let ownerGone = false;
  const control = createNetServer((socket) => {
    leases.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      leases.delete(socket);
      maybeStop();
    });
    // `stats`: this process's memory, one JSON line (the bench samples it over its run).
    // `profile start` / `profile stop <file>`: a CPU profile of this process between the two
    // (the bench's `bench:profile`, over its zone profiles), written to <file>.
    let asked = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      asked = (asked + chunk).slice(-4096);
      let end;
      while ((end = asked.indexOf('\n')) >= 0) {
        const line = asked.slice(0, end).trim();
        asked = asked.slice(end + 1);
        if (line === 'stats') socket.write(`${JSON.stringify(storesStats())}\n`);
        else if (line.startsWith('profile '))
          void cpuProfile(line.slice('profile '.length)).then(
            (answer) => socket.write(`${JSON.stringify(answer)}\n`),
            (err: unknown) =>
              socket.write(
                `${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}\n`,
              ),
          );
      }
    });
    socket.write('ok\n');
  });
  const controlPath = join(sockets, 'control.sock');
  await listen(control, controlPath);

  let stopping = false;
  async function stop(code: number) {
    if (stopping) return;
    stopping = true;
    control.close();
    for (const s of leases) s.destroy();
    const servers = [...proxies, dynamo];
    for (const server of servers) server.closeAllConnections();
    await Promise.all(
      servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
    // The lock names this process while it holds the stores; a successor may have replaced it.
    try {
      const lock = JSON.parse(readFileSync(config.lockPath, 'utf8')) as { pid?: number };
      if (lock.pid === process.pid) unlinkSync(config.lockPath);
    } catch {
      // no lock, or not ours
    }
    rmSync(sockets, { recursive: true, force: true });
    process.exit(code);
  }
  function maybeStop() {
    if (ownerGone && leases.size === 0) void stop(0);
  }

  process.on('disconnect', () => {
    ownerGone = true;
    maybeStop();
  });
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => undefined);
  process.on('SIGHUP', () => undefined);
  process.on('uncaughtException', (err) => {
    log(`出错，正在停止：${err.stack ?? String(err)}`);
    void stop(1);
  });

  send({
    type: 'ready',
    pid: process.pid,
    dynamodb: `http://127.0.0.1:${dynamoPort}`,
    s3: `http://127.0.0.1:${s3Port}`,
    control: controlPath,
  });
}

let started = false;
// The owner went away before sending the configuration.
process.once('disconnect', () => {
  if (!started) process.exit(0);
});
process.once('message', (config: HostConfig) => {
  started = true;
  main(config).catch((err: unknown) => {
    send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  });
});
// Started without a channel (by hand): nothing to serve.
if (!process.send) {
  process.stderr.write('stack-host 由 functions/local/stack.ts 启动，不能单独运行\n');
  process.exit(2);
}
