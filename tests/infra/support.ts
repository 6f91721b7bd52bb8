/**
 * The CDK app as `npm run synth` builds it — with the feature flags and parameters of
 * cdk.json — but without bundling (fast); `context` overrides cdk.json's values.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { createApp } from '../../infra/app.ts';
import { PROJECT_ROOT } from '../../infra/bundling.ts';

/** The `context` of cdk.json (feature flags and deployment parameters). */
export function cdkJsonContext(): Record<string, unknown> {
  const cdk = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdk.context;
}

export function synthApp(context: Record<string, unknown> = {}) {
  return createApp(
    new App({
      context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context },
    }),
  );
}
