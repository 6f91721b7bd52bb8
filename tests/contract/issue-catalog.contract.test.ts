import {
  createDynamoIssueCatalog,
  createDynamoLifecycleCatalog,
} from '#adapters/dynamodb/issue-catalog.ts';
import { describeIssueCatalogContract } from './issue-catalog.contract.ts';
import { describe, expect, it } from 'vitest';
import type { Issue } from '../../functions/core/model.ts';
import { startTestStores } from '#tests/support/stores.ts';
import { onLocalStores, uniqueName } from './local-stores.ts';

describeIssueCatalogContract('DynamoDB adapters on dynalite', () =>
  onLocalStores((s) => ({
    catalog: createDynamoIssueCatalog(s.services.clients.documents, s.config.tables.issues),
    cycle: createDynamoLifecycleCatalog(s.services.clients.documents, s.config.tables.issues),
  })),
);

describe('the DynamoDB catalog reads one issue whole for the latest release of a report', () => {
  it('finds it by the index of the report (keys and status only), then reads that one issue', async () => {
    const stores = await startTestStores();
    try {
      const documents = stores.services.clients.documents;
      const cycle = createDynamoLifecycleCatalog(documents, stores.config.tables.issues);
      // Arrange: four releases of one report (each item keeps what it printed), the newest
      // withdrawn, and one of another report after them.
      const series = uniqueName('series');
      const printed = Array.from({ length: 300 }, (_, i) => ({
        key: `zone-${i}#gdp#2024`,
        value: i,
        revision: 1,
        unit: '亿元',
        label: `第${i}个园区`,
        source: '《中国火炬统计年鉴》',
      }));
      const issue = (total: number, reportKey: string): Issue => ({
        id: `${series}-${total}`,
        series,
        kind: 'zone-profile',
        year: 2026,
        number: total,
        total,
        slotKey: `slot-${total}`,
        status: 'published',
        period: '2024',
        s3Key: `issues/${series}/2026/${series}-${total}.pdf`,
        fileName: 'x.pdf',
        sha256: 'ab'.repeat(32),
        bytes: 1234,
        pages: 2,
        inputHash: `${total}`.padStart(64, '0'),
        createdAt: '2026-01-05T02:00:00.000Z',
        publishedAt: '2026-01-05T02:00:00.000Z',
        reportKey,
      });
      for (const total of [1, 2, 3, 4]) await cycle.putIssue(issue(total, 'zone-a'), printed);
      await cycle.putIssue(issue(5, 'zone-b'), printed);
      await cycle.withdraw(`${series}-4`, '数字有误', 'editor', new Date().toISOString());
      // Whole issue items in the answers (an item read whole carries its sha256).
      let whole = 0;
      const name = 'countWholeIssues';
      stores.services.clients.dynamodb.middlewareStack.add(
        (next) => async (args) => {
          const out = await next(args);
          const o = out.output as {
            Items?: object[];
            Item?: object;
            Responses?: Record<string, object[]>;
          };
          const items = [
            ...(o.Items ?? []),
            ...(o.Item ? [o.Item] : []),
            ...Object.values(o.Responses ?? {}).flat(),
          ];
          whole += items.filter((i) => 'sha256' in i).length;
          return out;
        },
        { step: 'initialize', name },
      );
      try {
        // Act
        const latest = await cycle.latestOfReport(series, 'zone-a');
        // Assess: the newest published of that report, and it alone read whole.
        expect(latest).toMatchObject({ id: `${series}-3`, status: 'published' });
        expect(latest?.inputHash).toBe(issue(3, 'zone-a').inputHash);
        expect(whole).toBe(1);
        expect(await cycle.latestOfReport(series, 'zone-c')).toBeUndefined();
      } finally {
        stores.services.clients.dynamodb.middlewareStack.remove(name);
      }
    } finally {
      await stores.stop();
    }
  });
});
