/**
 * Creates the tables and the bucket idempotently from `contract/stores.ts`. Used by the local
 * stack and by `bulletin bootstrap` against any DynamoDB/S3-compatible endpoint; on AWS the
 * CDK stack creates them from the same definitions.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { StoreError } from '../errors.ts';
import { TABLES, type TableDefinition } from '../contract/stores.ts';
import type { AppConfig } from '../config.ts';

export interface BootstrapResult {
  created: string[];
  existing: string[];
}

export async function bootstrapStores(
  config: AppConfig,
  clients: { dynamodb: DynamoDBClient; s3: S3Client },
): Promise<BootstrapResult> {
  const result: BootstrapResult = { created: [], existing: [] };
  for (const def of TABLES) {
    const name = config.tables[def.id];
    const created = await ensureTable(clients.dynamodb, def, name);
    (created ? result.created : result.existing).push(name);
  }
  const bucketCreated = await ensureBucket(clients.s3, config.bucket);
  (bucketCreated ? result.created : result.existing).push(config.bucket);
  return result;
}

async function ensureTable(
  client: DynamoDBClient,
  def: TableDefinition,
  name: string,
): Promise<boolean> {
  let created = false;
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) {
      throw new StoreError('bootstrap', `无法读取表 ${name} 的状态 (DescribeTable)`, {
        cause: err,
      });
    }
    const keys = [
      def.partitionKey,
      def.sortKey,
      ...def.globalIndexes.flatMap((g) => [g.partitionKey, g.sortKey]),
    ];
    const attributes = [...new Map(keys.map((k) => [k.name, k])).values()];
    try {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: attributes.map((a) => ({
            AttributeName: a.name,
            AttributeType: a.type,
          })),
          KeySchema: [
            { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: def.sortKey.name, KeyType: 'RANGE' },
          ],
          ...(def.globalIndexes.length
            ? {
                GlobalSecondaryIndexes: def.globalIndexes.map((g) => ({
                  IndexName: g.name,
                  KeySchema: [
                    { AttributeName: g.partitionKey.name, KeyType: 'HASH' as const },
                    { AttributeName: g.sortKey.name, KeyType: 'RANGE' as const },
                  ],
                  Projection: { ProjectionType: 'ALL' as const },
                })),
              }
            : {}),
        }),
      );
      created = true;
    } catch (createErr) {
      if (!(createErr instanceof ResourceInUseException)) {
        throw new StoreError('bootstrap', `无法创建表 ${name} (CreateTable)`, { cause: createErr });
      }
    }
  }
  await waitActive(client, name);
  return created;
}

async function waitActive(client: DynamoDBClient, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    const indexesReady = (Table?.GlobalSecondaryIndexes ?? []).every(
      (g) => g.IndexStatus === 'ACTIVE',
    );
    if (Table?.TableStatus === 'ACTIVE' && indexesReady) return;
    if (Date.now() > deadline)
      throw new StoreError('bootstrap', `表 ${name} 在 60 秒内未就绪 (ACTIVE)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function ensureBucket(client: S3Client, bucket: string): Promise<boolean> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return false;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404)
      throw new StoreError('bootstrap', `无法访问存储桶 (bucket) ${bucket}`, { cause: err });
  }
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  try {
    await client.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
  } catch {
    // s3rver and some compatible servers do not implement the public access block;
    // on AWS the CDK stack sets it.
  }
  return true;
}
