/** The cloud path under AWS runtime semantics (./aws-semantics.ts): the scheduled bulletin. */
import { vi } from 'vitest';
import { describeCloudPaths, itScheduledBulletin } from './aws-semantics.ts';

vi.hoisted(() => {
  process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';
  process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
});

describeCloudPaths(1, (current) => {
  itScheduledBulletin(current);
});
