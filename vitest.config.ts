import { defineConfig } from 'vitest/config';

/**
 * Files that start nothing and set no environment (pure functions, and the CDK app's template):
 * they share their workers' loaded modules (`isolate: false`), so the AWS SDK, ECharts, zod and
 * aws-cdk-lib are loaded once per worker instead of once per file. Every other file starts its
 * own stores, servers or browser and sets `process.env` for them (tests/support/stores.ts): each
 * runs in a process of its own.
 */
const SHARED = [
  'tests/unit/**/*.test.ts',
  'tests/infra/{stack,deploy-ready,cloud-path,zone-fanout,schedule-config}.test.ts',
];

export default defineConfig({
  test: {
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
    projects: [
      { extends: true, test: { name: 'shared', include: SHARED, isolate: false } },
      {
        extends: true,
        test: { name: 'isolated', include: ['tests/**/*.test.ts'], exclude: SHARED },
      },
    ],
  },
});
