/**
 * The DynamoDB clients alone (no S3 client): what a command that only reads the catalog needs
 * (`bulletin list`), so it does not load the S3 SDK. `aws-clients.ts` builds on it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
  });
  const documents = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { dynamodb, documents };
}
