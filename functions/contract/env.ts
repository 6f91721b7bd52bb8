/**
 * Names of the environment variables the stack sets on the functions and `functions/config.ts`
 * (and the renderer) read. Plain data, no imports (part of the contract `infra/` may import).
 * Table and bucket variables are named in ./stores.ts (`envVar`).
 */
export const ENV = {
  timeZone: 'BULLETIN_TIME_ZONE',
  presignTtlSeconds: 'BULLETIN_PRESIGN_TTL_SECONDS',
  senderAddress: 'BULLETIN_SENDER_ADDRESS',
  publicBaseUrl: 'BULLETIN_PUBLIC_BASE_URL',
  reportQueueUrl: 'BULLETIN_REPORT_QUEUE_URL',
  /** The function an embargoed release's one-time schedule invokes (the generate function). */
  releaseTargetArn: 'BULLETIN_RELEASE_TARGET_ARN',
  /** The role EventBridge Scheduler assumes to invoke it. */
  releaseSchedulerRoleArn: 'BULLETIN_RELEASE_SCHEDULER_ROLE_ARN',
  /** The stack's own schedule group the release schedules go into (deleted with the stack). */
  releaseScheduleGroup: 'BULLETIN_RELEASE_SCHEDULE_GROUP',
  /** The dead-letter queue of a release schedule whose deliveries all failed. */
  releaseDeadLetterArn: 'BULLETIN_RELEASE_DEAD_LETTER_ARN',
  /**
   * The stack's report schedule group (one schedule per entry of data/schedules.json, named by
   * its id): the console switches them, a moved release date gets a one-off firing there.
   */
  reportScheduleGroup: 'BULLETIN_REPORT_SCHEDULE_GROUP',
  /** The cover function the API invokes to make a released issue's cover on its first request. */
  coverFunction: 'BULLETIN_COVER_FUNCTION',
  /** Flat directory holding the font files named in ./assets.ts. */
  fontDir: 'BULLETIN_FONT_DIR',
  templatesDir: 'BULLETIN_TEMPLATES_DIR',
  chromiumSingleProcess: 'BULLETIN_CHROMIUM_SINGLE_PROCESS',
  /** Directory holding Chromium's `*.br` files (a layer: `/opt/nodejs/node_modules/@sparticuz/chromium/bin`). */
  chromiumBinDir: 'BULLETIN_CHROMIUM_BIN_DIR',
  /** The console's sign-in (functions/config.ts loadConsoleAuthConfig): the user pool's issuer URL. */
  consoleIssuer: 'BULLETIN_CONSOLE_ISSUER',
  /** The user pool's app client (the ID token's audience). */
  consoleClientId: 'BULLETIN_CONSOLE_CLIENT_ID',
  /** The hosted sign-in domain, `https://<prefix>.auth.<region>.amazoncognito.com`. */
  consoleSignInUrl: 'BULLETIN_CONSOLE_SIGNIN_URL',
  /** The smoke test's app client (admin password sign-in with TOTP): its ID tokens are accepted too. */
  consoleSmokeClientId: 'BULLETIN_CONSOLE_SMOKE_CLIENT_ID',
} as const;

/**
 * The user pool's groups, one per console role: `cognito:groups` is mapped to a role by its id
 * (core/desk.ts ROLES, roleOfGroups; tests/infra/stack.test.ts checks they agree).
 */
export const CONSOLE_GROUPS = {
  reviewer: '审阅：可阅读稿件及其他一切，不做任何更改',
  editor: '编辑：另可发布、定时发布、弃用、更正、撤回和重试',
  admin: '管理员：另可开关定时任务、立即运行、给订阅者发信、查看账号',
} as const;
