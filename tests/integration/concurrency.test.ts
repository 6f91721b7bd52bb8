/**
 * Concurrency against real dynalite and s3rver: schedule invocations racing for one slot, many
 * slots released at once, and overlapping ingests. Every racer gets its own services (its own
 * SDK clients), as separate Lambdas would. (Runs killed half-way through a release, and
 * failures injected between its steps: tests/integration/lifecycle.test.ts.)
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordKey } from '#core/record-key.ts';
import { createServices, type Services } from '../../functions/wiring/services.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { publishReport, type PublishResult } from '../../functions/app/publish.ts';
import type { Issue } from '../../functions/core/model.ts';
import { referenceData } from '../../functions/app/reference-data.ts';
import {
  publishDeps,
  seedRealData,
  startTestStores,
  unbackedClaims,
  type TestStores,
} from '#tests/support/stores.ts';
import { createTinyRenderer, type TinyRenderer } from '#tests/support/tiny-renderer.ts';

const SERIES = 'torch-bulletin';
const REFERENCE = referenceData().seriesById(SERIES)!.numbering.reference;
const HEADER = 'zone,indicator,period,value,unit,yoy,share,source';

describe('concurrent publishing and ingesting', () => {
  let stores: TestStores;
  const racers: Services[] = [];
  let renderer: TinyRenderer;
  /** Counts every number handed out, to check for gaps across the whole file. */
  const numbered: PublishResult[] = [];

  /** A separate set of services (own SDK clients) on the same stores. */
  const racer = () => {
    const s = createServices(stores.config, { renderer });
    racers.push(s);
    return s;
  };
  let runs = 0;
  const publish = async (slotKey: string, services = racer()) => {
    // Each run has its own work folder, as each Lambda has its own /tmp.
    const workDir = join(stores.dir, 'work', `run-${(runs += 1)}`);
    // Released at once by its trigger (as an editor would with --release); every slot prints,
    // also when the data are the same (force).
    const result = await publishReport(publishDeps(services, renderer, workDir), {
      kind: 'torch-bulletin',
      slotKey,
      period: '2024',
      force: true,
      releaseNow: { by: 'test' },
    });
    numbered.push(result);
    return { ...result, issue: result.issue! as Issue };
  };

  beforeAll(async () => {
    renderer = createTinyRenderer(150);
    stores = await startTestStores({ renderer });
    await seedRealData(stores.services);
  });

  afterAll(async () => {
    await Promise.all(racers.map((s) => s.close()));
    await stores?.stop();
  });

  it('six invocations for one slot at once release exactly one issue with one number', async () => {
    // Act
    const results = await Promise.all(
      Array.from({ length: 6 }, () => publish('2026-01-15T09:00:00+08:00')),
    );

    // Assess
    const ids = new Set(results.map((r) => r.issue.id));
    expect(ids.size).toBe(1);
    expect(results.every((r) => r.issue.status === 'published')).toBe(true);
    expect(results.filter((r) => r.printed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.issue.sha256)).size).toBe(1);
    const { issues, violations } = await unbackedClaims(stores.services);
    expect(violations).toEqual([]);
    expect(issues.filter((i) => i.slotKey === '2026-01-15T09:00:00+08:00')).toHaveLength(1);
    expect(results[0]!.issue.total).toBe(REFERENCE.total + 1);
  });

  it('eight slots at once get distinct consecutive numbers with no gap', async () => {
    // Act
    const slots = Array.from({ length: 8 }, (_, i) => `on-demand-${i}`);
    const results = await Promise.all(slots.map((slot) => publish(slot)));

    // Assess
    const totals = results.map((r) => r.issue.total).sort((a, b) => a - b);
    const first = REFERENCE.total + 2;
    expect(totals).toEqual(Array.from({ length: 8 }, (_, i) => first + i));
    const numbers = results.map((r) => r.issue.number).sort((a, b) => a - b);
    expect(new Set(numbers).size).toBe(8);
    expect(numbers[7]! - numbers[0]!).toBe(7);
    const { issues, violations } = await unbackedClaims(stores.services);
    expect(violations).toEqual([]);
    expect(issues.map((i) => i.total).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 9 }, (_, i) => REFERENCE.total + 1 + i),
    );
  });

  it('never handed out one number twice over the whole file', () => {
    const bySlot = new Map<string, number>();
    for (const r of numbered) {
      const issue = r.issue!;
      const seen = bySlot.get(issue.slotKey);
      if (seen !== undefined) expect(issue.total).toBe(seen);
      bySlot.set(issue.slotKey, issue.total);
    }
    const totals = [...bySlot.values()];
    expect(new Set(totals).size).toBe(totals.length);
  });

  it('overlapping ingests leave complete revision logs and the newest value current', async () => {
    // Prepare: five batches over the same 40 keys, each with its own values, one twice.
    const zones = ['zhongguancun', 'tianjin', 'shenyang', 'dalian'];
    const indicators = ['gdp', 'budget-revenue', 'tax-revenue', 'operating-revenue', 'exports'];
    const keys = zones.flatMap((zone) =>
      indicators.flatMap((indicator) =>
        ['2019', '2020'].map((period) => ({ zone, indicator, period })),
      ),
    );
    const batch = (n: number) => ({
      name: `batch-${n}.csv`,
      bytes: new TextEncoder().encode(
        [
          HEADER,
          ...keys.map(
            (k, i) => `${k.zone},${k.indicator},${k.period},${100 * n + i},亿元,,,批次${n}`,
          ),
        ].join('\n'),
      ),
    });
    const batches = [1, 2, 3, 4, 4].map(batch);

    // Act
    const summaries = await Promise.all(
      batches.map((files) => {
        const s = racer();
        return ingestFiles({ records: s.records, reference: s.reference }, [files]);
      }),
    );

    // Assess: every batch wrote or skipped each key; per key the revisions are numbered 1…n
    // without gap or repeat, each differs from the one before, every distinct batch value is
    // there (the repeated batch may re-assert its value after another batch), and the current
    // item is the highest revision.
    const written = summaries.reduce((n, s) => n + s.created + s.revised, 0);
    const skipped = summaries.reduce((n, s) => n + s.unchanged, 0);
    expect(written + skipped).toBe(keys.length * batches.length);
    const current = new Map(
      (await stores.services.records.recordsOfPeriod('2019'))
        .concat(await stores.services.records.recordsOfPeriod('2020'))
        .map((r) => [recordKey(r), r]),
    );
    let revisionsSeen = 0;
    for (const [i, key] of keys.entries()) {
      const revisions = await stores.services.records.revisions(key);
      const n = revisions.length;
      revisionsSeen += n;
      expect(n).toBeGreaterThanOrEqual(4);
      expect(n).toBeLessThanOrEqual(5);
      expect(revisions.map((r) => r.revision)).toEqual(Array.from({ length: n }, (_, j) => j + 1));
      for (let j = 1; j < n; j++) expect(revisions[j]!.value).not.toBe(revisions[j - 1]!.value);
      expect(new Set(revisions.map((r) => r.value))).toEqual(
        new Set([100 + i, 200 + i, 300 + i, 400 + i]),
      );
      const newest = revisions[n - 1]!;
      const now = current.get(recordKey(key));
      expect(now?.revision).toBe(n);
      expect(now?.value).toBe(newest.value);
      expect(now?.source).toBe(newest.source);
    }
    expect(revisionsSeen).toBe(written);
  });
});
