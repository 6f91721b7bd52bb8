/**
 * Lambda: one item of the all-zones Distributed Map — trigger one zone's profile through the
 * editorial cycle under the slot key the plan gave it (its series needs no review: released at
 * once; a retry of the item finds the same issue). An error is
 * thrown, not returned: the state machine retries it and then records the zone as failed.
 */
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { renderZoneJob, type ZoneOutcome } from '../app/batch.ts';
import { parseOrReject } from '../app/requests.ts';
import { invocation, publishDeps, runtimeServices } from './runtime.ts';

export const zoneJobSchema = z.object({
  zone: z.string().min(1).max(80),
  period: z.string().regex(/^\d{4}$/),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
  slotKey: z.string().min(1).max(300),
  force: z.boolean().optional(),
  /** The records' data version the plan read first (kept on the issue; see batch.ts). */
  dataVersion: z.string().min(1).max(100).optional(),
});

export async function handler(event: unknown, context?: Context): Promise<ZoneOutcome> {
  return invocation('zone-batch-render', context, async () => {
    const job = parseOrReject(zoneJobSchema, event, '园区任务 (zone job)');
    return renderZoneJob(publishDeps(runtimeServices(), context), job);
  });
}
