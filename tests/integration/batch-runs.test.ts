/**
 * The all-zones batch keeps each zone's run on its slot's trigger (one write for the claim and
 * the run, one for their end) instead of a run item of its own. 运行记录, `bulletin runs` and
 * the operator API list runs through `listRuns`; `bulletin retry` and the console's 重试 read
 * one through `getRun`: every zone of a batch is listed with its outcome — released, failed,
 * and cut off by a process that died mid-release (已中断 once its lease is over) — and each is
 * retried by its id, with numbers gapless and unique. On dynalite through the real SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RenderError } from '#errors';
import { runZoneBatch } from '../../functions/app/batch.ts';
import { cycleOf } from '../../functions/app/publish.ts';
import { listRuns, retryRun } from '../../functions/app/lifecycle.ts';
import type { LifecycleCatalog, PdfRenderer } from '../../functions/app/ports.ts';
import { draftIdFor } from '../../functions/core/lifecycle.ts';
import { ZONE_PROFILE_SERIES } from '../../functions/contract/fanout.ts';
import { seedSynthetic, syntheticReference } from '../../functions/app/synthetic.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { createTinyRenderer } from '../support/tiny-renderer.ts';

const ZONES = 4;
const LEASE_MS = 3_000;
const reference = syntheticReference(ZONES);
const zones = reference.zones.filter((z) => z.level === 'national').map((z) => z.id);
const [, failing, dying] = zones as [string, string, string, string];

/**
 * The catalog as a process sees it that dies in the middle of `dying`'s release: writing its
 * draft (held by the release, with the number it is about to try) is the last thing it does —
 * every later write for the slot, its draft or an issue of it never reaches the store.
 */
function diesMidRelease(real: LifecycleCatalog): LifecycleCatalog {
  let slot: string | undefined;
  let dead = false;
  const gone = () => new Error('the process died (simulated)');
  return new Proxy(real, {
    get(target, name: keyof LifecycleCatalog) {
      const fn = target[name];
      if (typeof fn !== 'function') return fn;
      return (...args: unknown[]) => {
        if (name === 'claimTrigger') {
          const req = args[0] as { slotKey: string; run?: { params: Record<string, string> } };
          if (req.run?.params['zone'] === dying) slot = req.slotKey;
        }
        const draft = slot && draftIdFor(ZONE_PROFILE_SERIES, slot);
        // An id, or a draft or issue (of the draft) given whole.
        const ours = args.some(
          (a) =>
            a === slot ||
            a === draft ||
            (draft !== undefined &&
              typeof a === 'object' &&
              a !== null &&
              ((a as { id?: unknown }).id === draft ||
                (a as { draftId?: unknown }).draftId === draft)),
        );
        if (dead && ours) return Promise.reject(gone());
        const done = (fn as (...a: unknown[]) => unknown).apply(target, args);
        if (ours && name === 'createDraft')
          return (done as Promise<unknown>).finally(() => (dead = true));
        return done;
      };
    },
  });
}

describe('the runs of an all-zones batch, kept on their triggers', () => {
  let t: TestStack;

  beforeAll(async () => {
    t = await startTestStack();
    await seedSynthetic({ records: t.services.records }, { seed: 11, zones: ZONES });
  }, 300_000);
  afterAll(() => t?.stop());

  it('lists every zone with its outcome, a crash mid-batch as 已中断, and retries each by its id, gapless', async () => {
    // Arrange: one zone's print fails; another's process dies once its draft is written (held,
    // with the number it is about to try), before its issue.
    const tiny = createTinyRenderer();
    const renderer: PdfRenderer = {
      renderPdf: async (req) => {
        if (req.metadata?.title?.includes(`·${reference.zone(failing)!.shortName}（`))
          throw new RenderError(`打印机不可用（${failing}，测试）`);
        return tiny.renderPdf(req);
      },
      close: () => tiny.close(),
    };
    const deps = t.publishDeps({
      reference,
      renderer,
      cycle: diesMidRelease(t.services.cycle),
      leaseMs: LEASE_MS,
    });

    // Act
    const { summary } = await runZoneBatch(deps, { concurrency: 2, retries: 0 });

    // Assess: two released, two failed in the run's own summary.
    expect(summary).toMatchObject({ total: ZONES, rendered: 2, failed: 2 });
    const healthy = t.publishDeps({ reference, renderer: tiny, leaseMs: LEASE_MS });
    const cycle = cycleOf(healthy);
    const batchRuns = async () =>
      (await listRuns(cycle, { limit: 100 })).filter((r) => r.trigger === 'all-zones batch');
    const stateOf = async () =>
      Object.fromEntries((await batchRuns()).map((r) => [r.params['zone'], r.state]));
    // The run cut off shows as 已中断 once its lease is over (its process left it running).
    const deadline = Date.now() + LEASE_MS * 20;
    while ((await stateOf())[dying] !== 'interrupted' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    const runs = await batchRuns();
    expect(Object.fromEntries(runs.map((r) => [r.params['zone'], r.state]))).toEqual({
      [zones[0]!]: 'released',
      [failing]: 'failed',
      [dying]: 'interrupted',
      [zones[3]!]: 'released',
    });
    // One batch: every zone's slot ends with the batch's run (运行记录 groups them by it).
    expect(new Set(runs.map((r) => r.slotKey.split('/').pop())).size).toBe(1);
    const failed = runs.find((r) => r.params['zone'] === failing)!;
    expect(failed.detail).toContain('打印机不可用');
    for (const r of runs.filter((x) => x.state === 'released'))
      expect(r.issueId, r.params['zone']).toMatch(new RegExp(`^${ZONE_PROFILE_SERIES}-`));
    // Each is read by its id alone (bulletin retry, the console's 重试 and drafts pages).
    for (const r of runs) {
      const { state: _state, ...run } = r;
      expect(await t.services.cycle.getRun(r.runId)).toEqual(run);
    }

    // Act: retry both, as `bulletin retry RUN` does (the cut-off release once its lease is over).
    const cut = runs.find((r) => r.params['zone'] === dying)!;
    const draft = await t.services.cycle.getDraft(draftIdFor(ZONE_PROFILE_SERIES, cut.slotKey));
    // Its number was written with the draft (no attempt of its own): the retry checks it first.
    expect(draft).toMatchObject({ status: 'releasing', attemptTotal: expect.any(Number) });
    while ((draft?.leaseUntil ?? 0) >= Date.now()) await new Promise((r) => setTimeout(r, 100));
    const retried = [await retryRun(cycle, failed.runId), await retryRun(cycle, cut.runId)];

    // Assess: both released; the batch's rows stay as they ended, each retried by a run of its
    // own; every zone has one issue and the numbers are 1…4, gapless and unique.
    expect(retried.map((r) => r.outcome)).toEqual(['released', 'released']);
    const after = await listRuns(cycle, { limit: 100 });
    for (const r of [failed, cut]) {
      expect(after.find((x) => x.runId === r.runId)?.state).toBe(r.state);
      expect(after.find((x) => x.trigger === `重试 ${r.runId}`)?.state).toBe('released');
    }
    const issues = (await t.services.catalog.list(ZONE_PROFILE_SERIES, { limit: 100 })).items;
    expect(issues.map((i) => i.total).sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
    expect(new Set(issues.map((i) => i.params?.['zone'])).size).toBe(ZONES);
  });
});
