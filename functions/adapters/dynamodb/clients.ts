/**
 * The DynamoDB clients alone (no S3 client): what a command that only reads the catalog needs
 * (`bulletin list`), so it does not load the S3 SDK. `aws-clients.ts` builds on it.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AppConfig } from '../../config.ts';

/** Without a timeout a stalled connection hangs the call until the Lambda itself times out. */
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const CONNECTION_TIMEOUT_MS = 5_000;

/** The request handler options every client gets (timeouts that fail the call). */
export function requestHandlerOptions(opts: { requestTimeoutMs?: number } = {}) {
  return {
    connectionTimeout: Math.min(CONNECTION_TIMEOUT_MS, opts.requestTimeoutMs ?? Infinity),
    requestTimeout: opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    // Without this the SDK only logs a warning when the timeout passes and keeps waiting.
    throwOnRequestTimeout: true,
  };
}

/**
 * The clients' logger: nothing logged, and no `info` — the SDK's logger step copies every
 * request's input and every answer through their schema (`schemaLogFilter`, sensitive fields
 * masked) for `logger.info` before the default logger drops it; it skips that when there is no
 * `info` to call. A zone's records (≈ 300 kB an answer at 60 zones) were walked twice each.
 */
export const quietLogger = {
  debug: () => undefined,
  warn: () => undefined,
  error: () => undefined,
} as unknown as NonNullable<DynamoDBClientConfig['logger']>;

export interface DynamoClients {
  dynamodb: DynamoDBClient;
  documents: DynamoDBDocumentClient;
}

/**
 * @param opts.requestTimeoutMs how long a request may sit without any data moving before it
 *   fails (and is retried); default 30 s.
 */
export function createDynamoClients(
  config: AppConfig,
  opts: { requestTimeoutMs?: number } = {},
): DynamoClients {
  const dynamodb = new DynamoDBClient({
    region: config.region,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...(config.endpoints.dynamodb ? { endpoint: config.endpoints.dynamodb } : {}),
    maxAttempts: 5,
    requestHandler: requestHandlerOptions(opts),
    logger: quietLogger,
  });
  const documents = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { dynamodb, documents };
}
