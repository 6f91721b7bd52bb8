/**
 * The DynamoDB requests of one zone profile's release, counted on the wire (an SDK middleware,
 * `bench/dynamo-counter.ts`), by command: what the all-zones run pays 178 times. A release
 * alone in its process (it reads the series' counter itself) on dynalite + s3rver with real
 * Chromium. The numbers are exact: a request added back fails the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runZoneBatch } from '../../functions/app/batch.ts';
import { seedSynthetic, syntheticReference } from '../../functions/app/synthetic.ts';
import { countDynamoRequests } from '../../bench/dynamo-counter.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const ZONES = 3;
const reference = syntheticReference(ZONES);
const zones = reference.zones.filter((z) => z.level === 'national').map((z) => z.id);

describe('requests of a zone profile', () => {
  let t: TestStack;

  beforeAll(async () => {
    t = await startTestStack();
    await seedSynthetic({ records: t.services.records }, { seed: 5, zones: ZONES });
  }, 300_000);
  afterAll(() => t?.stop());

  it('releases a profile in 10 requests: its records, the checks, the draft, the number', async () => {
    const counter = countDynamoRequests(t.services.clients.dynamodb);
    try {
      // The plan's reads once, then one zone after the other: each release alone.
      for (const zone of zones) {
        const { counts, result } = await counter.measure(() =>
          runZoneBatch(t.publishDeps({ reference }), { zones: [zone], concurrency: 1 }),
        );
        expect(result.summary).toMatchObject({ rendered: 1, failed: 0 });
        // Plan: the data version (GetItem), the released profiles, the period list and the
        // period's records (3 Queries), the year before (1 Query).
        // Release: the zone's records (Query); the trigger, with the zone's run kept on it
        // (PutItem); the latest issue of the report and its open drafts (2 Query: the series
        // needs no review, so the drafts read before this one is made serve to supersede too);
        // the counter (GetItem: the number taken before the draft is written); the draft,
        // written held by its release with the number it tries (PutItem: no lease taken and no
        // attempt written after it); the counter (alone in its numbering line, the release
        // writes it), the draft published, the trigger finished with its run (3 UpdateItem);
        // the issue (PutItem).
        expect(counts.byCommand).toEqual({
          GetItemCommand: 2,
          QueryCommand: 7,
          PutItemCommand: 3,
          UpdateItemCommand: 3,
        });
      }
    } finally {
      counter.detach();
    }
  });
});
