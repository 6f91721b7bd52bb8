/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs this file with tsx).
 *
 * Environment-agnostic: no account or region is looked up at synth time, so the template
 * synthesizes offline and deploys into whichever account and region the CLI's credentials
 * name. Parameters come from the context (cdk.json, or `-c key=value`); see docs/deploy.md.
 */
import { pathToFileURL } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { settingsFromContext } from './settings.ts';
import { TorchBulletinStack } from './stack.ts';

/** Builds the app with its stack and the cdk-nag AwsSolutions checks registered. */
export function createApp(app = new App()): { app: App; stack: TorchBulletinStack } {
  const settings = settingsFromContext((key) => app.node.tryGetContext(key) as unknown);
  const stack = new TorchBulletinStack(app, settings.stackName, {
    settings,
    description: 'Torch Bulletin: scheduled and on-demand reports of the national high-tech zones',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  createApp().app.synth();
}
