/**
 * Once per `vitest run`: a folder where the first test file to synthesize a stack configuration
 * leaves its template for the others (tests/infra/support.ts `synthTemplate`). A CDK synth with
 * CloudFormation's built-in validation costs seconds of CPU per file; the template of one
 * configuration is the same in every file of a run. Emptied on a watch-mode rerun (the sources
 * may have changed) and removed at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's folder of synthesized templates (see tests/infra/support.ts). */
    cdkTemplates: string;
  }
}

export default async function setup(project: TestProject) {
  let dir = await mkdtemp(join(tmpdir(), 'bulletin-cdk-templates-'));
  project.provide('cdkTemplates', dir);
  project.onTestsRerun(async () => {
    await rm(dir, { recursive: true, force: true });
    dir = await mkdtemp(join(tmpdir(), 'bulletin-cdk-templates-'));
    project.provide('cdkTemplates', dir);
  });
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
