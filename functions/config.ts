/**
 * Configuration, read once from the environment with the AWS SDK's own conventions and
 * validated at start. Adapters receive the parsed result; they never read `process.env`.
 */
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { DEFAULT_NAMES } from './contract/stores.ts';

// The names of these variables are also declared in contract/ (stores.ts envVar, env.ts), which
// the CDK stack uses to set them on each function.

export interface AppConfig {
  region: string;
  endpoints: {
    dynamodb?: string;
    s3?: string;
    sqs?: string;
    scheduler?: string;
    lambda?: string;
  };
  tables: { records: string; issues: string; subscribers: string };
  bucket: string;
  /** Path-style S3 addressing: required by s3rver/MinIO, on by default when an S3 endpoint is set. */
  forcePathStyle: boolean;
  /** Lifetime of presigned download URLs, ≤ 15 minutes. */
  presignTtlSeconds: number;
  timeZone: string;
  /**
   * Static credentials when the environment given to {@link loadConfig} names them (the local
   * stack does); otherwise the SDK's default provider chain (Lambda role, profile, SSO …).
   */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** From address of subscriber mail (an SES-verified identity on AWS). */
  senderAddress?: string;
  /** Base URL of the HTTP API for links in mail and feeds; default: the request's own origin. */
  publicBaseUrl?: string;
  /** When set, mail is written as `.eml` files into this folder instead of being sent by SES. */
  outboxDir?: string;
  /** SQS queue of on-demand report jobs (AWS: the API sends, the generate function renders). */
  reportQueueUrl?: string;
  /**
   * Embargoed releases on AWS: the function a one-time EventBridge Scheduler schedule invokes
   * at the release time, and the role it assumes. Unset (locally): `bulletin serve` releases
   * them (it checks every 15 s).
   */
  releaseSchedule?: {
    targetArn: string;
    roleArn: string;
    /** The stack's own schedule group (never `default`: it outlives the stack). */
    groupName: string;
    /** The dead-letter queue of a schedule whose deliveries all failed. */
    deadLetterArn?: string;
  };
  /**
   * The report schedules on AWS (EventBridge Scheduler): their group, where the console's switch
   * and a moved release date's one-off firing go. Unset (locally): `bulletin serve` runs them.
   */
  reportSchedules?: { groupName: string };
  /**
   * The cover function on AWS (its name or ARN): the API, which has no browser, invokes it to
   * make a released issue's cover on its first request. Unset (locally): the process makes it.
   */
  coverFunction?: string;
  print: PrintConfig;
}

/** Where printing finds Chromium, the fonts and the templates (`adapters/print/`). */
export interface PrintConfig {
  /** `CHROMIUM_EXECUTABLE_PATH`: another Chromium than `@sparticuz/chromium`'s. */
  executablePath?: string;
  /**
   * `BULLETIN_CHROMIUM_DIR`: where `@sparticuz/chromium` is unpacked and kept between runs
   * (default `$TMPDIR/chromium`, which Lambda keeps across warm invocations).
   */
  chromiumDir?: string;
  /** `BULLETIN_CHROMIUM_BIN_DIR`: `@sparticuz/chromium`'s `*.br` files (the Lambda layer). */
  chromiumBinDir?: string;
  /** `BULLETIN_CHROMIUM_SINGLE_PROCESS=true`: keep Chromium's `--single-process` (Lambda). */
  singleProcess: boolean;
  /** `BULLETIN_FONT_DIR`: a flat directory holding the four TTF files (Lambda bundle). */
  fontDir?: string;
  /** `BULLETIN_TEMPLATES_DIR`: the templates folder (Lambda bundle). */
  templatesDir?: string;
}

/** The print settings alone (no AWS region needed: the CLI and tests print without one). */
export function loadPrintConfig(env: NodeJS.ProcessEnv = process.env): PrintConfig {
  const set = (name: string): string | undefined => env[name] || undefined;
  return {
    executablePath: set('CHROMIUM_EXECUTABLE_PATH'),
    chromiumDir: set('BULLETIN_CHROMIUM_DIR'),
    chromiumBinDir: set('BULLETIN_CHROMIUM_BIN_DIR'),
    singleProcess: env.BULLETIN_CHROMIUM_SINGLE_PROCESS === 'true',
    fontDir: set('BULLETIN_FONT_DIR'),
    templatesDir: set('BULLETIN_TEMPLATES_DIR'),
  };
}

const tableName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{3,255}$/, '应为 DynamoDB 表名（3–255 个 A-Z a-z 0-9 _ . - 字符）');
const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, '应为 S3 存储桶名（3–63 个 a-z 0-9 . - 字符）');
/** zod's own messages in Chinese (its zh-CN locale); the messages given here win over them. */
const IN_CHINESE = { error: z.locales.zhCN().localeError };

const url = z.url({ protocol: /^https?$/ });

const envSchema = z.object({
  AWS_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, '应为 AWS 区域 (region)，例如 cn-north-1'),
  AWS_ENDPOINT_URL_DYNAMODB: url.optional(),
  AWS_ENDPOINT_URL_S3: url.optional(),
  AWS_ENDPOINT_URL_SQS: url.optional(),
  AWS_ENDPOINT_URL_SCHEDULER: url.optional(),
  AWS_ENDPOINT_URL_LAMBDA: url.optional(),
  BULLETIN_RECORDS_TABLE: tableName.default(DEFAULT_NAMES.records),
  BULLETIN_ISSUES_TABLE: tableName.default(DEFAULT_NAMES.issues),
  BULLETIN_SUBSCRIBERS_TABLE: tableName.default(DEFAULT_NAMES.subscribers),
  BULLETIN_ARCHIVE_BUCKET: bucketName.default(DEFAULT_NAMES.bucket),
  BULLETIN_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
  BULLETIN_PRESIGN_TTL_SECONDS: z.coerce.number().int().min(1).max(900).default(300),
  BULLETIN_TIME_ZONE: z.string().default('Asia/Shanghai'),
  BULLETIN_SENDER_ADDRESS: z.email('应为电子邮箱地址').optional(),
  BULLETIN_PUBLIC_BASE_URL: url
    .refine((u) => !u.endsWith('/'), '应为末尾不带 / 的基础地址 (base URL)')
    .optional(),
  BULLETIN_OUTBOX_DIR: z.string().optional(),
  BULLETIN_REPORT_QUEUE_URL: url.optional(),
  BULLETIN_RELEASE_TARGET_ARN: z.string().startsWith('arn:').optional(),
  BULLETIN_RELEASE_SCHEDULER_ROLE_ARN: z.string().startsWith('arn:').optional(),
  BULLETIN_RELEASE_SCHEDULE_GROUP: z
    .string()
    .regex(/^[0-9a-zA-Z._-]{1,64}$/, '应为定时任务组 (schedule group) 的名称')
    .optional(),
  BULLETIN_RELEASE_DEAD_LETTER_ARN: z.string().startsWith('arn:').optional(),
  BULLETIN_COVER_FUNCTION: z
    .string()
    .regex(/^(arn:[\w-]+:lambda:[\w-]+:\d{12}:function:)?[\w-]{1,64}$/, '应为 Lambda 函数名或 ARN')
    .optional(),
  BULLETIN_REPORT_SCHEDULE_GROUP: z
    .string()
    .regex(/^[0-9a-zA-Z._-]{1,64}$/, '应为定时任务组 (schedule group) 的名称')
    .optional(),
});

/**
 * Reads and validates the configuration.
 * @throws ConfigError naming every variable that is missing or malformed.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = envSchema.safeParse(
    { AWS_REGION: env.AWS_DEFAULT_REGION, ...cleaned },
    IN_CHINESE,
  );
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `  ${i.path.join('.')}: ${i.message}${i.code === 'invalid_type' ? '（未设置）' : ''}`,
    );
    throw new ConfigError(`环境变量有误：\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    region: e.AWS_REGION,
    endpoints: {
      dynamodb: e.AWS_ENDPOINT_URL_DYNAMODB,
      s3: e.AWS_ENDPOINT_URL_S3,
      sqs: e.AWS_ENDPOINT_URL_SQS,
      scheduler: e.AWS_ENDPOINT_URL_SCHEDULER,
      lambda: e.AWS_ENDPOINT_URL_LAMBDA,
    },
    tables: {
      records: e.BULLETIN_RECORDS_TABLE,
      issues: e.BULLETIN_ISSUES_TABLE,
      subscribers: e.BULLETIN_SUBSCRIBERS_TABLE,
    },
    bucket: e.BULLETIN_ARCHIVE_BUCKET,
    forcePathStyle: e.BULLETIN_S3_FORCE_PATH_STYLE
      ? e.BULLETIN_S3_FORCE_PATH_STYLE === 'true'
      : e.AWS_ENDPOINT_URL_S3 !== undefined,
    presignTtlSeconds: e.BULLETIN_PRESIGN_TTL_SECONDS,
    timeZone: e.BULLETIN_TIME_ZONE,
    senderAddress: e.BULLETIN_SENDER_ADDRESS,
    publicBaseUrl: e.BULLETIN_PUBLIC_BASE_URL,
    outboxDir: e.BULLETIN_OUTBOX_DIR,
    reportQueueUrl: e.BULLETIN_REPORT_QUEUE_URL,
    ...(e.BULLETIN_RELEASE_TARGET_ARN && e.BULLETIN_RELEASE_SCHEDULER_ROLE_ARN
      ? {
          releaseSchedule: {
            targetArn: e.BULLETIN_RELEASE_TARGET_ARN,
            roleArn: e.BULLETIN_RELEASE_SCHEDULER_ROLE_ARN,
            groupName: requireReleaseGroup(e.BULLETIN_RELEASE_SCHEDULE_GROUP),
            ...(e.BULLETIN_RELEASE_DEAD_LETTER_ARN
              ? { deadLetterArn: e.BULLETIN_RELEASE_DEAD_LETTER_ARN }
              : {}),
          },
        }
      : {}),
    ...(e.BULLETIN_REPORT_SCHEDULE_GROUP
      ? { reportSchedules: { groupName: e.BULLETIN_REPORT_SCHEDULE_GROUP } }
      : {}),
    ...(e.BULLETIN_COVER_FUNCTION ? { coverFunction: e.BULLETIN_COVER_FUNCTION } : {}),
    print: loadPrintConfig(env),
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
  };
}

/** Release schedules go into the stack's own group: `default` outlives the stack and is shared. */
function requireReleaseGroup(group: string | undefined): string {
  if (!group)
    throw new ConfigError(
      'BULLETIN_RELEASE_SCHEDULE_GROUP 未设置 (missing): 定时发布 (release schedules) 须放入本栈自己的 schedule group, 不用 default',
    );
  return group;
}

/** Settings of the local server (`bulletin serve`), apart from the stores it talks to. */
export interface LocalServerSettings {
  /** TCP port on 127.0.0.1 (`BULLETIN_PORT`, default 8787; 0: any free port). */
  port: number;
  /** Bearer token for POST /reports (`BULLETIN_LOCAL_API_TOKEN`); random when unset. */
  apiToken?: string;
}

/** The shortest bearer token the local server accepts (a guessable token guards nothing). */
export const MIN_API_TOKEN_CHARS = 32;

const localServerSchema = z.object({
  BULLETIN_PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  BULLETIN_LOCAL_API_TOKEN: z
    .string()
    .min(
      MIN_API_TOKEN_CHARS,
      `令牌太短：至少 ${MIN_API_TOKEN_CHARS} 个字符（例如 openssl rand -base64 32 的输出）`,
    )
    .optional(),
});

/**
 * Reads the local server's settings.
 * @throws ConfigError naming the variable that is malformed.
 */
export function loadLocalServerSettings(env: NodeJS.ProcessEnv = process.env): LocalServerSettings {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = localServerSchema.safeParse(cleaned, IN_CHINESE);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`环境变量有误：\n${lines.join('\n')}`);
  }
  return {
    port: parsed.data.BULLETIN_PORT,
    ...(parsed.data.BULLETIN_LOCAL_API_TOKEN
      ? { apiToken: parsed.data.BULLETIN_LOCAL_API_TOKEN }
      : {}),
  };
}

/**
 * The console's sign-in on AWS (a Cognito user pool's hosted sign-in): read from
 * `BULLETIN_CONSOLE_ISSUER` (the pool's issuer URL), `BULLETIN_CONSOLE_CLIENT_ID` (the app
 * client: the ID token's audience) and `BULLETIN_CONSOLE_SIGNIN_URL` (the hosted domain,
 * `https://<prefix>.auth.<region>.amazoncognito.com`). None set: local accounts. Some set: an error.
 */
export interface ConsoleAuthConfig {
  issuer: string;
  clientId: string;
  signInUrl: string;
  /** Default `<issuer>/.well-known/jwks.json` (Cognito's). */
  jwksUrl: string;
  /**
   * `BULLETIN_CONSOLE_SMOKE_CLIENT_ID`: the smoke test's app client (admin password sign-in,
   * TOTP), whose ID tokens the console accepts too.
   */
  otherClientIds?: string[];
}

const consoleAuthSchema = z.object({
  BULLETIN_CONSOLE_ISSUER: z.url('应为用户池签发者 (issuer) 的 https 地址'),
  BULLETIN_CONSOLE_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/, '应为应用客户端 id (app client id)'),
  BULLETIN_CONSOLE_SIGNIN_URL: z.url('应为托管登录域 (hosted sign-in domain) 的地址'),
  BULLETIN_CONSOLE_JWKS_URL: z.url().optional(),
  BULLETIN_CONSOLE_SMOKE_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/, '应为应用客户端 id (app client id)')
    .optional(),
});

export function loadConsoleAuthConfig(
  env: NodeJS.ProcessEnv = process.env,
): ConsoleAuthConfig | undefined {
  const keys = Object.keys(consoleAuthSchema.shape) as (keyof typeof consoleAuthSchema.shape)[];
  const given = Object.fromEntries(keys.filter((k) => env[k]).map((k) => [k, env[k]]));
  if (Object.keys(given).length === 0) return undefined;
  const parsed = consoleAuthSchema.safeParse(given, IN_CHINESE);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`控制台登录设置有误：\n${lines.join('\n')}`);
  }
  const issuer = parsed.data.BULLETIN_CONSOLE_ISSUER.replace(/\/+$/, '');
  return {
    issuer,
    clientId: parsed.data.BULLETIN_CONSOLE_CLIENT_ID,
    signInUrl: parsed.data.BULLETIN_CONSOLE_SIGNIN_URL.replace(/\/+$/, ''),
    jwksUrl: parsed.data.BULLETIN_CONSOLE_JWKS_URL ?? `${issuer}/.well-known/jwks.json`,
    ...(parsed.data.BULLETIN_CONSOLE_SMOKE_CLIENT_ID
      ? { otherClientIds: [parsed.data.BULLETIN_CONSOLE_SMOKE_CLIENT_ID] }
      : {}),
  };
}
