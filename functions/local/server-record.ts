/**
 * Where a running `bulletin serve` can be reached, recorded in its state folder
 * (`<state>/server.json`): other commands on the same folder print its real address (not a
 * guessed port) and send subscribers' notices with links to it, into its outbox. The record
 * is removed when the server stops; one whose process is gone or whose port does not answer
 * is not a running server.
 */
import { connect } from 'node:net';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SERVER_RECORD_FILE = 'server.json';

export interface ServerRecord {
  /** `http://127.0.0.1:<port>` */
  url: string;
  pid: number;
  /** Where its notifier writes mail (`.eml` files). */
  outboxDir: string;
  /** When it started (ISO). */
  startedAt: string;
}

export function serverRecordPath(stateDir: string): string {
  return join(stateDir, SERVER_RECORD_FILE);
}

/** Records the server of `stateDir` (written whole: a reader never sees half a file). */
export async function writeServerRecord(stateDir: string, record: ServerRecord): Promise<void> {
  const path = serverRecordPath(stateDir);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(record, null, 1), { mode: 0o600 });
  await rename(tmp, path);
}

/** Removes the record if it is the one of process `pid` (a newer server's stays). */
export async function removeServerRecord(stateDir: string, pid = process.pid): Promise<void> {
  const record = await readRecord(stateDir);
  if (record?.pid === pid) await unlink(serverRecordPath(stateDir)).catch(() => undefined);
}

async function readRecord(stateDir: string): Promise<ServerRecord | undefined> {
  try {
    const r = JSON.parse(await readFile(serverRecordPath(stateDir), 'utf8')) as ServerRecord;
    return typeof r.url === 'string' && typeof r.pid === 'number' ? r : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether something accepts connections at the URL's host and port (within `ms`). */
function answers(url: string, ms: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) || 80 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The server running on `stateDir`, or undefined when none runs (no record, its process gone,
 * or its port not answering).
 */
export async function runningServer(stateDir: string): Promise<ServerRecord | undefined> {
  const record = await readRecord(stateDir);
  if (!record || !alive(record.pid)) return undefined;
  return (await answers(record.url, 2_000)) ? record : undefined;
}
