import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // One CDK synth per stack configuration and run, shared by the files (tests/infra/support.ts).
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Integration suites each start their own dynalite/s3rver and a browser: two cores.
    maxWorkers: 2,
    fileParallelism: true,
    // The pinned AWS SDK runs on Node 20 here (Lambda runs 22); its notice is in the README.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
