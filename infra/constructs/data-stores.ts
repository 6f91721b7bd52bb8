/**
 * The stores: one DynamoDB table per definition in functions/contract/stores.ts (the same
 * definitions the local bootstrap creates in dynalite) and the private archive bucket.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  ARCHIVE_BUCKET,
  INBOX_PREFIXES,
  TABLES,
  type KeyDef,
  type TableDefinition,
} from '../../functions/contract/stores.ts';

const attribute = (k: KeyDef): dynamodb.Attribute => ({
  name: k.name,
  type: k.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
});

/** Old previews are only drafts: kept 30 days. */
export const PREVIEW_RETENTION = Duration.days(30);

export class DataStores extends Construct {
  readonly tables: Record<TableDefinition['id'], dynamodb.Table>;
  readonly archive: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const tables = {} as Record<TableDefinition['id'], dynamodb.Table>;
    for (const def of TABLES) {
      const table = new dynamodb.Table(this, tableConstructId(def), {
        partitionKey: attribute(def.partitionKey),
        sortKey: attribute(def.sortKey),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        // Critical data cannot be rebuilt from data/: a stack deletion or an accidental
        // DeleteTable must not take it.
        deletionProtection: def.critical,
        removalPolicy: def.critical ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        // Pending subscriptions and stale slot claims expire (contract/stores.ts; readers
        // ignore expired items themselves: DynamoDB deletes them days late, dynalite never).
        ...(def.ttlAttribute ? { timeToLiveAttribute: def.ttlAttribute } : {}),
      });
      for (const gsi of def.globalIndexes) {
        table.addGlobalSecondaryIndex({
          indexName: gsi.name,
          partitionKey: attribute(gsi.partitionKey),
          sortKey: attribute(gsi.sortKey),
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
      tables[def.id] = table;
    }
    this.tables = tables;

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.archive = new s3.Bucket(this, 'Archive', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'archive/',
      lifecycleRules: [
        {
          // A draft is removed when it is released, discarded or superseded; one whose
          // catalog entry never came (a killed run) or that nobody decided goes after 90 days.
          id: 'expire-abandoned-drafts',
          prefix: ARCHIVE_BUCKET.draftsPrefix,
          expiration: Duration.days(90),
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          id: 'expire-old-previews',
          prefix: ARCHIVE_BUCKET.previewsPrefix,
          expiration: PREVIEW_RETENTION,
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          id: 'expire-rejected-uploads',
          prefix: INBOX_PREFIXES.rejected,
          expiration: Duration.days(90),
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          // A replaced or deleted published PDF stays restorable for a year.
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(365),
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

/** `records` → `RecordsTable`. */
export function tableConstructId(def: TableDefinition): string {
  return `${def.id[0]!.toUpperCase()}${def.id.slice(1)}Table`;
}
