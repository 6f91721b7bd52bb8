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
    // Three files at a time on two cores: much of the suite waits rather than computes (leases
    // running out in the aws-semantics files, embargoes, a served smoke test): a whole run took
    // 495 s of CPU (user + sys, every process; with the shared modules and the one CDK synth)
    // where two workers on a quiet machine had run for 401 s, 802 s of the two cores: about a
    // third of them idle. aws-semantics-2 alone: 18.6 s of CPU in a file of 73 s.
    maxWorkers: 3,
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
