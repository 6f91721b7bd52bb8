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
  /** Flat directory holding the font files named in ./assets.ts. */
  fontDir: 'BULLETIN_FONT_DIR',
  templatesDir: 'BULLETIN_TEMPLATES_DIR',
  chromiumSingleProcess: 'BULLETIN_CHROMIUM_SINGLE_PROCESS',
  /** Directory holding Chromium's `*.br` files (a layer: `/opt/nodejs/node_modules/@sparticuz/chromium/bin`). */
  chromiumBinDir: 'BULLETIN_CHROMIUM_BIN_DIR',
} as const;
