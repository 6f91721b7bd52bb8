/**
 * AWS SDK clients built from the validated configuration. The same clients talk to AWS
 * and to the embedded servers (dynalite, s3rver); only the endpoints differ.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { AppConfig } from '../config.ts';

export interface AwsClients {
  dynamodb: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  s3: S3Client;
  destroy(): void;
}

/** Without a timeout a stalled connection hangs the call until the Lambda itself times out. */
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const CONNECTION_TIMEOUT_MS = 5_000;

/**
 * @param opts.requestTimeoutMs how long a request may sit without any data moving before it
 *   fails (and is retried); default 30 s.
 */
export function createAwsClients(
  config: AppConfig,
  opts: { requestTimeoutMs?: number } = {},
): AwsClients {
  const requestHandler = {
    connectionTimeout: Math.min(CONNECTION_TIMEOUT_MS, opts.requestTimeoutMs ?? Infinity),
    requestTimeout: opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    // Without this the SDK only logs a warning when the timeout passes and keeps waiting.
    throwOnRequestTimeout: true,
  };
  const dynamodb = new DynamoDBClient({
    region: config.region,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...(config.endpoints.dynamodb ? { endpoint: config.endpoints.dynamodb } : {}),
    maxAttempts: 5,
    requestHandler,
  });
  const documents = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const s3 = new S3Client({
    region: config.region,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...(config.endpoints.s3 ? { endpoint: config.endpoints.s3 } : {}),
    forcePathStyle: config.forcePathStyle,
    // s3rver stores aws-chunked framing inside the object when the SDK streams with
    // default checksums; we upload buffers and ask for checksums only when required.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 5,
    requestHandler,
  });
  return {
    dynamodb,
    documents,
    s3,
    destroy() {
      dynamodb.destroy();
      s3.destroy();
    },
  };
}
