/**
 * Reads stay flat: loading a bulletin's inputs makes the same DynamoDB requests (Query,
 * GetItem, BatchGetItem; never Scan) for 20 zones as for all 178 — more zones means at most more
 * pages of the same Queries. Counted on the wire with an SDK middleware.
 */
import { describe, expect, it } from 'vitest';
import { bootstrapStores } from '#adapters/bootstrap.ts';
import { createDynamoRecordStore } from '#adapters/dynamodb/record-store.ts';
import { loadConfig } from '#config';
import { loadBulletinInputs } from '../../functions/reports/torch-bulletin.ts';
import { seedSynthetic } from '../../functions/app/synthetic.ts';
import { countDynamoRequests } from '../../bench/dynamo-counter.ts';
import { startTestStores } from '../support/stores.ts';

const SEED = 3;

// Seeds 178 zones through the stores: minutes on a loaded 2-core machine.
describe('bulletin reads stay flat', { timeout: 300_000 }, () => {
  it('makes the same requests (beyond Query pagination) for 20 zones as for 178', async () => {
    const t = await startTestStores();
    try {
      const counter = countDynamoRequests(t.services.clients.dynamodb);
      const counts = [];
      for (const zones of [20, 178]) {
        // Each size in tables of its own, with the year the bulletin reads (the year before is an empty Query, and the
        // national history, which has one record per year whatever the number of zones).
        const config = loadConfig({
          ...t.stack.env,
          BULLETIN_RECORDS_TABLE: `flat-records-${zones}`,
        });
        await bootstrapStores(config, t.services.clients);
        const records = createDynamoRecordStore(
          t.services.clients.documents,
          config.tables.records,
        );
        await seedSynthetic({ records }, { seed: SEED, zones, firstYear: 2024 });
        const { counts: c, result } = await counter.measure(() =>
          loadBulletinInputs({ records }, 'torch-bulletin', '2024'),
        );
        expect(result.inputs.records.filter((r) => r.period === '2024').length).toBeGreaterThan(
          zones * 30,
        );
        counts.push(c);
      }
      counter.detach();
      const [small, large] = counts;
      expect(large!.logical).toBe(small!.logical);
      expect(large!.byCommand['ScanCommand']).toBeUndefined();
      expect(Object.keys(large!.byCommand).sort()).toEqual(Object.keys(small!.byCommand).sort());
      // More zones means at most more pages of the same Queries (a period's records are read
      // from its packs, a pack a zone: 178 of them fit in the page that holds 20).
      expect(large!.continuationPages).toBeGreaterThanOrEqual(small!.continuationPages);
    } finally {
      await t.stop();
    }
  });
});
