/**
 * The CDK app as `npm run synth` builds it — with the feature flags and parameters of
 * cdk.json — but without bundling (fast); `context` overrides cdk.json's values.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { inject } from 'vitest';
import { createApp } from '../../infra/app.ts';
import { PROJECT_ROOT } from '../../infra/bundling.ts';

/** The `context` of cdk.json (feature flags and deployment parameters). */
export function cdkJsonContext(): Record<string, unknown> {
  const cdk = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdk.context;
}

function appContext(context: Record<string, unknown>): Record<string, unknown> {
  return { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context };
}

export function synthApp(context: Record<string, unknown> = {}) {
  return createApp(new App({ context: appContext(context) }));
}

/**
 * The app's constructs (for logical ids) and its synthesized template, synthesized once per
 * test run and configuration: the first file to ask synthesizes — cdk-nag and CloudFormation's
 * built-in validation included, as `Template.fromStack` does — and leaves the template in the
 * run's folder (tests/support/global-setup.ts); later files read it. The constructs are built
 * again in every file (no synth), so their logical ids are the template's.
 */
export function synthTemplate(context: Record<string, unknown> = {}) {
  const built = synthApp(context);
  const dir = inject('cdkTemplates') as string | undefined;
  const file =
    dir &&
    join(
      dir,
      `${createHash('sha256')
        .update(JSON.stringify(appContext(context)))
        .digest('hex')}.json`,
    );
  if (file) {
    try {
      return { ...built, template: Template.fromJSON(JSON.parse(readFileSync(file, 'utf8'))) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  const template = Template.fromStack(built.stack);
  if (file) {
    // Whole or not at all: another file may be reading it already.
    const part = `${file}.${process.pid}`;
    writeFileSync(part, JSON.stringify(template.toJSON()));
    renameSync(part, file);
  }
  return { ...built, template };
}
