/**
 * AWS SDK clients built from the validated configuration. The same clients talk to AWS
 * and to the embedded servers (dynalite, s3rver); only the endpoints differ.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { AppConfig } from '../config.ts';
import { createDynamoClients, quietLogger, requestHandlerOptions } from './dynamodb/clients.ts';

export interface AwsClients {
  dynamodb: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  s3: S3Client;
  destroy(): void;
}

/**
 * @param opts.requestTimeoutMs how long a request may sit without any data moving before it
 *   fails (and is retried); default 30 s.
 */
export function createAwsClients(
  config: AppConfig,
  opts: { requestTimeoutMs?: number } = {},
): AwsClients {
  const { dynamodb, documents } = createDynamoClients(config, opts);
  const s3 = new S3Client(s3ClientConfig(config, opts));
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

/** The S3 client's configuration, as {@link createAwsClients} builds it. */
export function s3ClientConfig(
  config: AppConfig,
  opts: { requestTimeoutMs?: number } = {},
): S3ClientConfig {
  return {
    region: config.region,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...(config.endpoints.s3 ? { endpoint: config.endpoints.s3 } : {}),
    forcePathStyle: config.forcePathStyle,
    // s3rver stores aws-chunked framing inside the object when the SDK streams with
    // default checksums; we upload buffers and ask for checksums only when required.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 5,
    requestHandler: requestHandlerOptions(opts),
    logger: quietLogger,
  };
}
