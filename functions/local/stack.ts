/**
 * The embedded local stack: dynalite (DynamoDB API) and s3rver (S3 API) in this process,
 * on free loopback ports, with their data under a state folder. Everything else talks to
 * them through the AWS SDK and the standard endpoint variables, exactly as on AWS.
 */
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import S3rver from 's3rver';

export interface LocalStack {
  /** Environment variables that point the AWS SDK at the embedded servers. */
  env: Record<string, string>;
  stateDir: string;
  stop(): Promise<void>;
}

/** Credentials s3rver checks signatures with; not secrets. */
const LOCAL_KEY = 'S3RVER';

/**
 * Starts dynalite and s3rver on 127.0.0.1 with free ports.
 * @param stateDir where data is kept between runs; `undefined` keeps DynamoDB in memory
 *   and S3 under a temporary folder (tests).
 */
export async function startLocalStack(opts: {
  stateDir: string;
  inMemory?: boolean;
}): Promise<LocalStack> {
  await mkdir(opts.stateDir, { recursive: true });
  const dynamo: Server = dynalite({
    ...(opts.inMemory ? {} : { path: join(opts.stateDir, 'dynamodb') }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject);
    dynamo.listen(0, '127.0.0.1', () => resolve());
  });
  const dynamoPort = (dynamo.address() as AddressInfo).port;

  const s3dir = join(opts.stateDir, 's3');
  await mkdir(s3dir, { recursive: true });
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, directory: s3dir, silent: true });
  const s3Address = (await s3.run()) as AddressInfo;

  const env = {
    AWS_REGION: 'cn-north-1',
    AWS_ACCESS_KEY_ID: LOCAL_KEY,
    AWS_SECRET_ACCESS_KEY: LOCAL_KEY,
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${dynamoPort}`,
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${s3Address.port}`,
    BULLETIN_S3_FORCE_PATH_STYLE: 'true',
  };

  let stopped = false;
  return {
    env,
    stateDir: opts.stateDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      const s3Server = (s3 as unknown as { httpServer?: Server }).httpServer;
      s3Server?.closeAllConnections();
      dynamo.closeAllConnections();
      await Promise.all([
        s3.close().catch(() => undefined),
        new Promise<void>((resolve) => dynamo.close(() => resolve())),
      ]);
    },
  };
}
