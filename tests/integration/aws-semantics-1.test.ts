/** The cloud path under AWS runtime semantics (./aws-semantics.ts): half 1 of the embargo's faults, half 1 of the all-zones run's. */
import { vi } from 'vitest';
import { describeCloudPaths, itAllZones, itEmbargoedRelease } from './aws-semantics.ts';

vi.hoisted(() => {
  process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';
  process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
});

describeCloudPaths(2, (current) => {
  itEmbargoedRelease(current, 0);
  itAllZones(current, 0);
});
