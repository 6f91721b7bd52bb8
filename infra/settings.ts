/**
 * Deployment parameters from the CDK context (cdk.json or `-c key=value`), validated.
 *
 * | context key        | meaning                                                    |
 * |--------------------|------------------------------------------------------------|
 * | stackName          | CloudFormation stack name (default TorchBulletin)         |
 * | senderAddress      | verified SES identity subscriber mail is sent from         |
 * | alarmEmail         | address subscribed to the alarm topic                      |
 * | publicBaseUrl      | base URL for links in mail (custom domain)                 |
 * | jwtIssuer, jwtAudience | JWT authorizer for POST /reports instead of IAM       |
 * | schedulesFile      | schedules JSON (default data/schedules.json)               |
 * | timeZone           | time zone of issue dates (default Asia/Shanghai)           |
 */
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from './bundling.ts';
import { loadSchedules } from './schedule-config.ts';
import type { BulletinSettings } from './stack.ts';

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
  senderAddress: optionalText.pipe(z.email().optional()),
  alarmEmail: optionalText.pipe(z.email().optional()),
  publicBaseUrl: optionalText.pipe(z.url({ protocol: /^https$/ }).optional()),
  jwtIssuer: optionalText.pipe(z.url({ protocol: /^https$/ }).optional()),
  jwtAudience: optionalText,
  schedulesFile: optionalText,
  timeZone: z.string().default('Asia/Shanghai'),
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
  const schedulesFile = c.schedulesFile
    ? isAbsolute(c.schedulesFile)
      ? c.schedulesFile
      : join(PROJECT_ROOT, c.schedulesFile)
    : undefined;
  return {
    stackName: c.stackName,
    schedules: loadSchedules(schedulesFile),
    timeZone: c.timeZone,
    ...(c.senderAddress ? { senderAddress: c.senderAddress } : {}),
    ...(c.alarmEmail ? { alarmEmail: c.alarmEmail } : {}),
    ...(c.publicBaseUrl ? { publicBaseUrl: c.publicBaseUrl } : {}),
    ...(c.jwtIssuer && c.jwtAudience
      ? { jwt: { issuer: c.jwtIssuer, audience: c.jwtAudience.split(',').map((a) => a.trim()) } }
      : {}),
  };
}
