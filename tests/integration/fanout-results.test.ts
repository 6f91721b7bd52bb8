/**
 * The all-zones summary reads what the Distributed Map's ResultWriter wrote to S3 (manifest +
 * result files, in the shape Step Functions writes them) from s3rver through the real SDK,
 * and names every failed zone — the one that failed every retry and the ones the map never
 * ran — while counting the rendered and skipped ones.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mapResultItem, readMapResults } from '../../functions/adapters/s3/fanout-results.ts';
import { ARCHIVE_BUCKET } from '../../functions/contract/stores.ts';
import { handler as summaryHandler } from '#handlers/zone-batch-summary.ts';
import { resetRuntime } from '#handlers/runtime.ts';
import { startTestStores, type TestStores } from '#tests/support/stores.ts';

// Read by the Powertools logger and metrics when the handler modules load: quiet tests.
vi.hoisted(() => {
  process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';
  process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
});

const prefix = `${ARCHIVE_BUCKET.fanoutResultsPrefix}run-1/`;
const job = (zone: string) =>
  JSON.stringify({ zone, period: '2024', contentHash: 'x', slotKey: 'k' });

describe('fan-out results from the ResultWriter', () => {
  let t: TestStores;

  beforeAll(async () => {
    t = await startTestStores();
    const put = (key: string, body: unknown) =>
      t.services.clients.s3.send(
        new PutObjectCommand({ Bucket: t.config.bucket, Key: key, Body: JSON.stringify(body) }),
      );
    await put(`${prefix}SUCCEEDED_0.json`, [
      {
        Input: job('zhongguancun'),
        Output: JSON.stringify({ zone: 'zhongguancun', status: 'rendered', pages: 4 }),
        Status: 'SUCCEEDED',
      },
    ]);
    await put(`${prefix}FAILED_0.json`, [
      {
        Input: job('wuhan-donghu'),
        Status: 'FAILED',
        Error: 'RenderError',
        Cause: JSON.stringify({ errorType: 'RenderError', errorMessage: 'page crashed' }),
      },
    ]);
    await put(`${prefix}PENDING_0.json`, [{ Input: job('xian') }]);
    await put(`${prefix}manifest.json`, {
      DestinationBucket: t.config.bucket,
      ResultFiles: {
        SUCCEEDED: [{ Key: `${prefix}SUCCEEDED_0.json`, Size: 1 }],
        FAILED: [{ Key: `${prefix}FAILED_0.json`, Size: 1 }],
        PENDING: [{ Key: `${prefix}PENDING_0.json`, Size: 1 }],
      },
    });
  }, 60_000);

  afterAll(async () => {
    await resetRuntime();
    await t?.stop();
  });

  it('reads every child execution of the manifest', async () => {
    const items = await readMapResults(t.services.clients.s3, {
      Bucket: t.config.bucket,
      Key: `${prefix}manifest.json`,
    });
    expect(items).toEqual([
      { zone: 'zhongguancun', status: 'rendered', pages: 4 },
      {
        zone: 'wuhan-donghu',
        error: {
          Error: 'RenderError',
          Cause: JSON.stringify({ errorType: 'RenderError', errorMessage: 'page crashed' }),
        },
      },
      { zone: 'xian', error: expect.stringMatching(/未运行/) },
    ]);
  });

  it('the summary handler counts them and names the failed zones', async () => {
    const summary = await summaryHandler({
      done: [{ zone: 'shenzhen', status: 'skipped' }],
      results: { ResultWriterDetails: { Bucket: t.config.bucket, Key: `${prefix}manifest.json` } },
    });
    expect(summary).toMatchObject({ total: 4, rendered: 1, skipped: 1, failed: 2 });
    expect(summary.failures).toEqual([
      { zone: 'wuhan-donghu', error: 'page crashed' },
      { zone: 'xian', error: expect.stringMatching(/未运行/) },
    ]);
  });

  it('names the missing object when the manifest cannot be read', async () => {
    await expect(
      readMapResults(t.services.clients.s3, { Bucket: t.config.bucket, Key: `${prefix}nope.json` }),
    ).rejects.toThrow(/fanout-results\/run-1\/nope\.json/);
    expect(mapResultItem({ Status: 'FAILED', Input: 'not json' })).toMatchObject({
      zone: undefined,
    });
  });
});
