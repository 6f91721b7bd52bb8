/**
 * What every IssueCatalog must do (app/ports.ts): one issue per slot however often it is
 * claimed, distinct issues for distinct slots, and the state an issue is marked with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimRequest, IssueCatalog } from '../../functions/app/ports.ts';
import { uniqueName, type Subject } from './local-stores.ts';

const claim = (series: string, slotKey: string): ClaimRequest => ({
  series,
  kind: 'torch-bulletin',
  slotKey,
  year: 2026,
  period: '2024',
  reference: { year: 2022, number: 21, total: 550 },
});

const facts = {
  s3Key: 'issues/contract/x.pdf',
  fileName: 'x.pdf',
  sha256: 'ab'.repeat(32),
  bytes: 1234,
  pages: 2,
  inputHash: 'cd'.repeat(32),
  publishedAt: '2026-01-05T02:00:00.000Z',
};

export function describeIssueCatalogContract(
  name: string,
  factory: () => Promise<Subject<IssueCatalog>>,
): void {
  describe(`IssueCatalog contract: ${name}`, () => {
    let subject: Subject<IssueCatalog>;
    let catalog: IssueCatalog;
    beforeAll(async () => {
      subject = await factory();
      catalog = subject.port;
    });
    afterAll(() => subject?.stop());

    it('gives one slot one issue, also to concurrent claims', async () => {
      const series = uniqueName('series');
      const [a, b] = await Promise.all([
        catalog.claimIssue(claim(series, 'slot-1')),
        catalog.claimIssue(claim(series, 'slot-1')),
      ]);
      expect(a.id).toBe(b.id);
      expect(await catalog.claimIssue(claim(series, 'slot-1'))).toMatchObject({ id: a.id });
      expect(a).toMatchObject({ series, kind: 'torch-bulletin', slotKey: 'slot-1' });
    });

    it('gives distinct slots distinct issues, found again by id', async () => {
      const series = uniqueName('series');
      const one = await catalog.claimIssue(claim(series, 'slot-a'));
      const two = await catalog.claimIssue(claim(series, 'slot-b'));
      expect(two.id).not.toBe(one.id);
      expect(await catalog.get(one.id)).toMatchObject({ id: one.id, slotKey: 'slot-a' });
      expect(await catalog.get(`${series}-999999`)).toBeUndefined();
      expect(await catalog.get('not an id')).toBeUndefined();
    });

    it('records publication and failure, and names the latest published issue', async () => {
      const series = uniqueName('series');
      expect(await catalog.latest(series)).toBeUndefined();
      const issue = await catalog.claimIssue(claim(series, 'slot-p'));
      await catalog.markRendering(issue);
      const published = await catalog.markPublished(issue, facts);
      expect(published).toMatchObject({ id: issue.id, status: 'published', ...facts });
      expect(await catalog.latest(series)).toMatchObject({ id: issue.id, status: 'published' });

      const failed = await catalog.claimIssue(claim(series, 'slot-f'));
      await catalog.markFailed(failed, 'renderer crashed');
      expect(await catalog.get(failed.id)).toMatchObject({
        status: 'failed',
        failure: 'renderer crashed',
      });
      const { items } = await catalog.list(series, { status: 'published' });
      expect(items.map((i) => i.id)).toEqual([issue.id]);
    });

    it('lists a series page by page', async () => {
      const series = uniqueName('series');
      const ids = [];
      for (const slot of ['s1', 's2', 's3']) {
        ids.push((await catalog.claimIssue(claim(series, slot))).id);
      }
      const first = await catalog.list(series, { limit: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.cursor).toBeDefined();
      const second = await catalog.list(series, { limit: 2, cursor: first.cursor! });
      expect([...first.items, ...second.items].map((i) => i.id).sort()).toEqual(ids.sort());
    });
  });
}
