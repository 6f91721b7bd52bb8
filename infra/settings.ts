/**
 * Deployment parameters from the CDK context (cdk.json or `-c key=value`), validated.
 *
 * | context key        | meaning                                                    |
 * |--------------------|------------------------------------------------------------|
 * | stackName          | CloudFormation stack name (default TorchBulletin)         |
 * | stage              | `dev` (default) or `prod`: prod refuses to synthesize      |
 * |                    | without an alarm subscriber (alarmEmail or alarmTopicArn)  |
 * | senderAddress      | verified SES identity subscriber mail is sent from; none:  |
 * |                    | the subscription routes are off (China regions: no SES)    |
 * | alarmEmail         | address subscribed to the alarm topic                      |
 * | alarmTopicArn      | an existing SNS topic for the alarms instead of our own    |
 * | domainName, certificateArn | custom domain of the API (ACM certificate in the   |
 * |                    | same region): the default execute-api endpoint is turned off |
 * | concurrency        | `none` (default): no reserved concurrency, deploys on an   |
 * |                    | account whose quota is 10; `reserved`: the profile for     |
 * |                    | larger accounts (scheduled 2, generate renderConcurrency,  |
 * |                    | all-zones render 10; the quota must be ≥ sum + 100)        |
 * | renderConcurrency  | on-demand renders at once; reserved under `reserved` (4)   |
 * | concurrencyQuota   | the account's Lambda concurrency quota: synth warns when   |
 * |                    | the reservation would not fit under it                     |
 * | publicBaseUrl      | base URL for links in mail (custom domain)                 |
 * | jwtIssuer, jwtAudience | JWT authorizer for POST /reports instead of IAM       |
 * | schedulesFile      | schedules JSON (default data/schedules.json)               |
 * | timeZone           | time zone of issue dates (default Asia/Shanghai)           |
 * | consoleDomainPrefix | the console's hosted sign-in domain prefix (Cognito,      |
 * |                    | unique per region; default `<stackName>-<account id>`)     |
 */
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from './bundling.ts';
import { loadSchedules } from './schedule-config.ts';
import { FANOUT_POLICY } from '../functions/contract/fanout.ts';
import type { BulletinSettings } from './stack.ts';

/** Scheduled runs keep this many executions of their own under `concurrency=reserved`. */
export const SCHEDULED_RESERVED_CONCURRENCY = 2;

const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

const contextSchema = z.object({
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/)
    .default('TorchBulletin'),
  stage: z.enum(['dev', 'prod']).default('dev'),
  senderAddress: optionalText.pipe(z.email().optional()),
  alarmEmail: optionalText.pipe(z.email().optional()),
  alarmTopicArn: optionalText.pipe(
    z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'an SNS topic ARN')
      .optional(),
  ),
  domainName: optionalText.pipe(
    z
      .string()
      .regex(/^(?!-)[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$/, 'a lower-case domain name')
      .optional(),
  ),
  certificateArn: optionalText.pipe(
    z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, 'an ACM ARN')
      .optional(),
  ),
  renderConcurrency: z.coerce.number().int().min(1).max(100).default(4),
  concurrency: z.enum(['none', 'reserved']).default('none'),
  concurrencyQuota: z.preprocess(
    (v) => (v === '' || v === null ? undefined : v),
    z.coerce.number().int().min(1).optional(),
  ),
  publicBaseUrl: optionalText.pipe(z.url({ protocol: /^https$/ }).optional()),
  jwtIssuer: optionalText.pipe(z.url({ protocol: /^https$/ }).optional()),
  jwtAudience: optionalText,
  schedulesFile: optionalText,
  timeZone: z.string().default('Asia/Shanghai'),
  consoleDomainPrefix: optionalText.pipe(
    z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lower-case letters, digits and hyphens')
      .refine((s) => !/aws|amazon|cognito/.test(s), 'may not contain aws, amazon or cognito')
      .optional(),
  ),
});

export type Settings = BulletinSettings & { stackName: string };

/**
 * Reads the parameters through `get` (the app's `tryGetContext`).
 * @throws Error listing every malformed parameter.
 */
export function settingsFromContext(get: (key: string) => unknown): Settings {
  const raw = Object.fromEntries(
    Object.keys(contextSchema.shape).map((k) => [k, get(k) ?? undefined]),
  );
  const parsed = contextSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  -c ${i.path.join('.')}: ${i.message}`);
    throw new Error(`[infra] invalid deployment parameters:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if ((c.jwtIssuer === undefined) !== (c.jwtAudience === undefined)) {
    throw new Error('[infra] jwtIssuer and jwtAudience go together (or neither: IAM auth)');
  }
  if ((c.domainName === undefined) !== (c.certificateArn === undefined)) {
    throw new Error('[infra] domainName and certificateArn go together (or neither)');
  }
  if (c.stage === 'prod' && !c.alarmEmail && !c.alarmTopicArn) {
    throw new Error(
      '[infra] stage prod needs someone to receive the alarms: -c alarmEmail=ops@example.com ' +
        'or -c alarmTopicArn=arn:aws:sns:…:topic (a dev stage may go without)',
    );
  }
  const schedulesFile = c.schedulesFile
    ? isAbsolute(c.schedulesFile)
      ? c.schedulesFile
      : join(PROJECT_ROOT, c.schedulesFile)
    : undefined;
  return {
    stackName: c.stackName,
    stage: c.stage,
    schedules: loadSchedules(schedulesFile),
    timeZone: c.timeZone,
    renderConcurrency: c.renderConcurrency,
    ...(c.concurrency === 'reserved'
      ? {
          reservedConcurrency: {
            scheduled: SCHEDULED_RESERVED_CONCURRENCY,
            generate: c.renderConcurrency,
            zoneRender: FANOUT_POLICY.maxConcurrency,
          },
        }
      : {}),
    ...(c.concurrencyQuota !== undefined ? { concurrencyQuota: c.concurrencyQuota } : {}),
    ...(c.senderAddress ? { senderAddress: c.senderAddress } : {}),
    ...(c.alarmEmail ? { alarmEmail: c.alarmEmail } : {}),
    ...(c.alarmTopicArn ? { alarmTopicArn: c.alarmTopicArn } : {}),
    ...(c.domainName && c.certificateArn
      ? { customDomain: { domainName: c.domainName, certificateArn: c.certificateArn } }
      : {}),
    ...(c.publicBaseUrl ? { publicBaseUrl: c.publicBaseUrl } : {}),
    ...(c.consoleDomainPrefix ? { consoleDomainPrefix: c.consoleDomainPrefix } : {}),
    ...(c.jwtIssuer && c.jwtAudience
      ? { jwt: { issuer: c.jwtIssuer, audience: c.jwtAudience.split(',').map((a) => a.trim()) } }
      : {}),
  };
}
