/**
 * Lambda: last step of the all-zones state machine. Turns the plan's `done` list and the
 * Distributed Map's results — written to S3 by its ResultWriter (`{ ResultWriterDetails }`),
 * or inline as an array — into one summary naming every failed zone, logs it and publishes
 * the counts as metrics (a failed zone raises an alarm).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { readMapResults } from '../adapters/s3/fanout-results.ts';
import { outcomeOfMapResult, summarizeZoneBatch, type ZoneBatchSummary } from '../app/batch.ts';
import { parseOrReject } from '../app/requests.ts';
import { invocation, logger, metrics, runtimeServices } from './runtime.ts';

export const zoneBatchResultsSchema = z.object({
  done: z.array(z.record(z.string(), z.unknown())).default([]),
  results: z
    .union([
      z.array(z.record(z.string(), z.unknown())),
      z.object({ ResultWriterDetails: z.object({ Bucket: z.string(), Key: z.string() }) }),
    ])
    .default([]),
  /** `$$.Execution.StartTime`: the summary's elapsed time runs from there. */
  startedAt: z.iso.datetime({ offset: true }).optional(),
});

export async function handler(event: unknown, context?: Context): Promise<ZoneBatchSummary> {
  return invocation('zone-batch-summary', context, async () => {
    const e = parseOrReject(zoneBatchResultsSchema, event, '分园区批量结果 (zone batch)');
    const results = Array.isArray(e.results)
      ? e.results
      : await readMapResults(runtimeServices().clients.s3, e.results.ResultWriterDetails);
    const outcomes = [...e.done, ...results].map(outcomeOfMapResult);
    const elapsed = e.startedAt ? Date.now() - Date.parse(e.startedAt) : 0;
    const summary = summarizeZoneBatch(outcomes, elapsed);
    logger.info('分园区批量 (zone batch) 已完成', { ...summary });
    metrics.addMetric('ZoneProfilesRendered', MetricUnit.Count, summary.rendered);
    metrics.addMetric('ZoneProfilesSkipped', MetricUnit.Count, summary.skipped);
    metrics.addMetric('ZoneProfilesFailed', MetricUnit.Count, summary.failed);
    return summary;
  });
}
