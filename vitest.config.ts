import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Integration suites each start their own dynalite/s3rver and a browser: two cores.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
