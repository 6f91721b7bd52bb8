/**
 * Fault injection around the real AWS SDK clients: a middleware, placed inside the SDK's retry
 * loop, that fails the commands a rule picks — the one way to make DynamoDB throttle or S3
 * refuse a put on demand. Everything else still goes to dynalite/s3rver.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a rule sees of one attempt of one command. */
export interface Attempt {
  /** The client's command (`PutItemCommand`, also for a document client's `PutCommand`). */
  command: string;
  /** As sent: for DynamoDB, marshalled (`{ ':s': { S: 'published' } }`). */
  input: Record<string, Record<string, unknown> | undefined>;
  /** 1-based attempt of this command (the SDK retries retryable errors). */
  attempt: number;
}

/** Returns the error to fail this attempt with, or nothing to let it through. */
export type FaultRule = (attempt: Attempt) => Error | undefined;

export interface FaultInjector {
  /** Every attempt seen, `Command` or `Command!` when it was failed. */
  log: string[];
  /** Number of attempts failed so far. */
  injected: number;
  rule: FaultRule | undefined;
}

/** The part of the SDK's middleware stack used here. */
interface Stack {
  add(
    middleware: (
      next: (args: unknown) => Promise<unknown>,
      context: unknown,
    ) => (args: unknown) => Promise<unknown>,
    options: { step: 'finalizeRequest'; priority: 'low'; name: string },
  ): void;
}

/** Adds the fault middleware to a client (and so to a document client made from it). */
export function injectFaults(client: { middlewareStack: unknown }): FaultInjector {
  const injector: FaultInjector = { log: [], injected: 0, rule: undefined };
  const attempts = new WeakMap<object, number>();
  (client.middlewareStack as Stack).add(
    (next, context) => async (args) => {
      const command = (context as { commandName?: string }).commandName ?? '?';
      const input = (args as { input: Attempt['input'] }).input;
      const attempt = (attempts.get(input) ?? 0) + 1;
      attempts.set(input, attempt);
      const error = injector.rule?.({ command, input, attempt });
      injector.log.push(error ? `${command}!` : command);
      if (error) {
        injector.injected += 1;
        throw error;
      }
      return next(args);
    },
    // Inside the retry loop: a retryable fault is retried by the SDK as a real one would be.
    { step: 'finalizeRequest', priority: 'low', name: 'testFaultInjection' },
  );
  return injector;
}

/** An error the SDK treats like the service's own (name, fault, HTTP status). */
export function serviceError(name: string, status: number, message = `${name} (injected)`): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, attempts: 1 },
  });
}

/**
 * An HTTP server on loopback that reads each request and never answers: a real network
 * timeout for a client pointed at it. `stop()` drops the held connections.
 */
export async function startBlackHole(): Promise<{
  url: string;
  requests: number;
  /** Requests by path (an S3 object's key). */
  byPath: Record<string, number>;
  stop(): Promise<void>;
}> {
  const hole = {
    url: '',
    requests: 0,
    byPath: {} as Record<string, number>,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  const server: Server = createServer((req) => {
    hole.requests += 1;
    const path = (req.url ?? '').split('?')[0]!;
    hole.byPath[path] = (hole.byPath[path] ?? 0) + 1;
    req.resume(); // take the body, answer nothing
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hole.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return hole;
}
