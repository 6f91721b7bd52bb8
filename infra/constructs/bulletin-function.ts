/**
 * One Lambda function of the bulletin, with the defaults every function shares held here once
 * (runtime, architecture, JSON logs with a retained log group, bundling) and `bind…` methods
 * that set a store's environment variable and its least-privilege grant together, so a
 * function can never know a table it may not touch, or touch one it does not know.
 */
import { Duration, RemovalPolicy, Size, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { ARCHIVE_BUCKET, type TableDefinition } from '../../functions/contract/stores.ts';
import { ENV } from '../../functions/contract/env.ts';
import { NODE_FLAGS } from '../../functions/contract/node-flags.ts';
import { BUNDLE_PATHS, bundlingFor, PROJECT_ROOT } from '../bundling.ts';
import { LAYER_PATHS } from './chromium-layer.ts';
import { join } from 'node:path';

export interface BulletinFunctionProps {
  /** The handler file under functions/handlers/, without extension: `scheduled-bulletin`. */
  handler: string;
  description: string;
  /**
   * Launches Chromium: the shared Chromium + fonts layer (constructs/chromium-layer.ts), x86_64
   * (the only binary there is), the templates and data, and the memory and /tmp for it.
   */
  browser?: lambda.ILayerVersion;
  /** Ships the templates and data without a browser (e.g. the fan-out's plan); default: `browser` set. */
  reportAssets?: boolean;
  /** Reserved concurrency: guarantees it to this function and caps it there. */
  reservedConcurrency?: number;
  memorySize?: number;
  timeout?: Duration;
  /** Variables every function of the stack gets (region-independent settings). */
  environment?: Record<string, string>;
  /** How long logs are kept. */
  logRetention?: logs.RetentionDays;
}

/** S3 access by prefix: each function gets exactly the prefixes it uses. */
export interface BucketAccess {
  read?: string[];
  write?: string[];
  delete?: string[];
}

const LAMBDA_TASK_ROOT = '/var/task';

/** What the adapters call: GetItem, BatchGetItem, Query (no Scan). */
export const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
/** Conditional puts and updates, deletes, batch writes. */
export const TABLE_WRITE = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

export class BulletinFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: BulletinFunctionProps) {
    super(scope, id);
    const renders = props.browser !== undefined;
    this.timeout = props.timeout ?? (renders ? RENDER_TIMEOUT : Duration.seconds(60));
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // A role of our own instead of AWSLambdaBasicExecutionRole: it may write to this
    // function's log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Torch Bulletin ${props.handler}`,
    });
    this.logGroup.grantWrite(this.role);
    this.fn = new NodejsFunction(this, 'Function', {
      role: this.role,
      entry: join(PROJECT_ROOT, 'functions', 'handlers', `${props.handler}.ts`),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      // @sparticuz/chromium ships an x86_64 binary only; everything else runs on Graviton
      // (≈ 20 % cheaper per GB-second).
      architecture: renders ? lambda.Architecture.X86_64 : lambda.Architecture.ARM_64,
      ...(props.browser ? { layers: [props.browser] } : {}),
      ...(props.reservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrency }
        : {}),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      bundling: bundlingFor({ reportAssets: props.reportAssets ?? renders }),
      memorySize: props.memorySize ?? (renders ? RENDER_MEMORY_MB : 1024),
      timeout: this.timeout,
      // Chromium unpacks to /tmp (≈ 180 MB with its libraries) beside the fontconfig cache and
      // the HTML/PDF of each render; 512 MB (the default) would be tight.
      ephemeralStorageSize: Size.mebibytes(renders ? 2048 : 512),
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      // Off: without an instrumented SDK (Powertools Tracer) a trace shows one segment per
      // invocation and nothing the logs and metrics do not already say (docs/deploy.md).
      tracing: lambda.Tracing.DISABLED,
      recursiveLoop: lambda.RecursiveLoop.TERMINATE,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'torch-bulletin',
        POWERTOOLS_METRICS_NAMESPACE: 'TorchBulletin',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // The V8 flags the command line and the bench run with (a larger young generation).
        NODE_OPTIONS: NODE_FLAGS.join(' '),
        ...((props.reportAssets ?? renders)
          ? { [ENV.templatesDir]: `${LAMBDA_TASK_ROOT}/${BUNDLE_PATHS.templates}` }
          : {}),
        ...(renders
          ? {
              [ENV.fontDir]: LAYER_PATHS.fonts,
              [ENV.chromiumBinDir]: LAYER_PATHS.chromiumBin,
              // Chromium hangs in newPage() on Lambda without it (Sparticuz/chromium#80);
              // see ChromiumRendererOptions.singleProcess.
              [ENV.chromiumSingleProcess]: 'true',
            }
          : {}),
        ...props.environment,
      },
    });
    this.acknowledge(
      'AwsSolutions-L1',
      'nodejs22.x is the runtime the code and @sparticuz/chromium 147 are tested with; ' +
        'a newer one is adopted deliberately, not by default',
    );
  }

  /** Acknowledges a cdk-nag finding on this function (and its role), with the reason. */
  acknowledge(id: string, reason: string): void {
    Validations.of(this).acknowledge({ id, reason });
  }

  private arnToken(resource: IConstruct): string {
    const cfn = resource.node.defaultChild as CfnElement;
    return `<${Stack.of(this).getLogicalId(cfn)}.Arn>`;
  }

  /**
   * Sets the table's environment variable and grants read (or read/write, or the named actions
   * only) on it and its indexes.
   */
  bindTable(
    def: TableDefinition,
    table: dynamodb.ITable,
    access: 'read' | 'readWrite' | readonly string[],
  ): this {
    this.fn.addEnvironment(def.envVar, table.tableName);
    // Named actions instead of grantReadData(): no Scan (every report path is Query/GetItem,
    // DESIGN §4) and no stream reads.
    table.grant(
      this.fn,
      ...(access === 'read'
        ? TABLE_READ
        : access === 'readWrite'
          ? [...TABLE_READ, ...TABLE_WRITE]
          : access),
    );
    this.acknowledge(
      `AwsSolutions-IAM5[Resource::${this.arnToken(table)}/index/*]`,
      `the global secondary indexes of the ${def.id} table (${def.globalIndexes.map((g) => g.name).join(', ')}), which the function queries`,
    );
    return this;
  }

  /** Sets the bucket's environment variable and grants object access on the given prefixes only. */
  bindBucket(bucket: s3.IBucket, access: BucketAccess): this {
    this.fn.addEnvironment(ARCHIVE_BUCKET.envVar, bucket.bucketName);
    const objects = (prefixes: string[] | undefined) =>
      (prefixes ?? []).map((p) => bucket.arnForObjects(`${p}*`));
    const statements: [string[], string[]][] = [
      [['s3:GetObject'], objects(access.read)],
      [['s3:PutObject'], objects(access.write)],
      [['s3:DeleteObject'], objects(access.delete)],
    ];
    for (const [actions, resources] of statements) {
      if (resources.length)
        this.fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
    }
    const prefixes = new Set([
      ...(access.read ?? []),
      ...(access.write ?? []),
      ...(access.delete ?? []),
    ]);
    for (const p of prefixes) {
      this.acknowledge(
        `AwsSolutions-IAM5[Resource::${this.arnToken(bucket)}/${p}*]`,
        `objects under ${p} only: the prefix this function owns (object keys are not known in advance)`,
      );
    }
    // The bucket is encrypted with S3-managed keys: no KMS grant is needed.
    return this;
  }

  /** Sets a queue's URL in `envVar` and allows sending to it. */
  bindQueueSender(envVar: string, queue: sqs.IQueue): this {
    this.fn.addEnvironment(envVar, queue.queueUrl);
    queue.grantSendMessages(this.fn);
    return this;
  }

  /**
   * Sets the sender of subscriber mail and allows sending as it through SES (the address's
   * own identity or its verified domain's).
   */
  bindMailSender(sender: string | undefined): this {
    if (!sender) return this;
    this.fn.addEnvironment('BULLETIN_SENDER_ADDRESS', sender);
    const stack = Stack.of(this);
    const domain = sender.slice(sender.lastIndexOf('@') + 1);
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [sender, domain].map((identity) =>
          stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
        ),
      }),
    );
    return this;
  }

  /**
   * Async invocations (EventBridge Scheduler, S3): Lambda retries twice, then hands the event
   * to `failures` (the dead-letter queue) instead of dropping it.
   */
  onAsyncFailure(failures: sqs.IQueue, maxEventAge = Duration.hours(6)): this {
    this.fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge,
      onFailure: new SqsDestination(failures),
    });
    return this;
  }
}

/**
 * Render functions get 3008 MB: Chromium with a 15-page CJK bulletin needs ≈ 600–900 MB
 * resident, and Lambda's CPU scales with memory (1769 MB = one vCPU), so more memory mostly
 * buys a faster launch and print; 3008 MB is the largest size every account gets by default.
 */
export const RENDER_MEMORY_MB = 3008;

/**
 * Render functions may run 5 minutes: a cold start unpacks Chromium (≈ 2–5 s) and the fonts,
 * a bulletin renders in seconds, but zone profiles with many charts take longer; the report
 * queue's visibility timeout is set to six times this.
 */
export const RENDER_TIMEOUT = Duration.minutes(5);
