/**
 * A correction that loses a race to a withdraw (issue 26 item 6) leaves no draft open, against
 * real dynalite + s3rver through the real SDK. The withdraw is made to land at the worst moment
 * by the lifecycle's own hooks, from a second set of services (its own SDK clients, as another
 * Lambda or CLI would): while the correction is being drafted (after its check that the issue
 * is published), and while its draft is being released (before the corrected edition is
 * applied). And a correction drafted before a withdraw is closed by the withdraw.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../functions/app/ingest.ts';
import {
  correctIssue,
  releaseDraft,
  triggerReport,
  withdrawIssue,
  type LifecycleDeps,
} from '../../functions/app/lifecycle.ts';
import type { Draft } from '../../functions/core/lifecycle.ts';
import type { Issue } from '../../functions/core/model.ts';
import { createServices, type Services } from '../../functions/wiring/services.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import {
  publishDeps,
  seedRealData,
  startTestStores,
  type TestStores,
} from '#tests/support/stores.ts';
import { createTinyRenderer, type TinyRenderer } from '#tests/support/tiny-renderer.ts';

describe('a correction racing a withdraw', () => {
  let stores: TestStores;
  let renderer: TinyRenderer;
  let other: Services;
  let slots = 0;
  let revisions = 0;

  const depsOf = (s: Services): LifecycleDeps =>
    lifecycleDepsOf(publishDeps(s, renderer, join(stores.dir, 'work', `w-${(slots += 1)}`)));

  /** A released issue whose national GDP was revised since: a correction candidate. */
  async function releasedAndRevised(deps: LifecycleDeps): Promise<Issue> {
    const made = await triggerReport(
      deps,
      { kind: 'torch-bulletin' },
      { slotKey: `race-${(slots += 1)}`, trigger: 'test', force: true },
    );
    const issue = await releaseDraft(deps, made.draft!.id, { by: 'editor' });
    const gdp = (await stores.services.records.recordsOfPeriod(issue.period!)).find(
      (r) => r.zone === 'national-htz' && r.indicator === 'gdp',
    )!;
    const value = Math.round((gdp.value + 100 + (revisions += 1)) * 10) / 10;
    const csv = `zone,indicator,period,value,unit,yoy,share,source\nnational-htz,gdp,${issue.period},${value},亿元,${gdp.yoy ?? ''},${gdp.share ?? ''},修订公报（测试）\n`;
    await ingestFiles({ records: stores.services.records, reference: stores.services.reference }, [
      { name: 'revision.csv', bytes: new TextEncoder().encode(csv) },
    ]);
    return issue;
  }

  /** Drafts of corrections of this issue still open (listed for review, releasable). */
  const openCorrections = async (issueId: string): Promise<Draft[]> =>
    (await stores.services.cycle.openDrafts()).filter((d) => d.correctionOf === issueId);

  const withdrawFrom = (s: Services, issueId: string) =>
    withdrawIssue(depsOf(s), issueId, { by: 'other-editor', reason: '数据有误（测试）' });

  beforeAll(async () => {
    renderer = createTinyRenderer();
    stores = await startTestStores({ renderer });
    await seedRealData(stores.services);
    other = createServices(stores.config, { renderer });
  }, 120_000);

  afterAll(async () => {
    await other?.close();
    await stores?.stop();
  });

  it('the withdraw lands while the correction is being drafted: its draft is closed, the correction refused', async () => {
    // Prepare: the withdraw lands once correctIssue has found the issue published.
    const deps = depsOf(stores.services);
    const issue = await releasedAndRevised(deps);
    const resolveJob = deps.resolveJob.bind(deps);
    let withdrawn: Issue | undefined;
    deps.resolveJob = async (params) => {
      withdrawn ??= await withdrawFrom(other, issue.id);
      return resolveJob(params);
    };

    // Act
    const error = await correctIssue(deps, issue.id, { by: 'editor' }).catch((e: unknown) => e);

    // Assess
    expect(withdrawn?.status).toBe('withdrawn');
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/已撤回/);
    expect(await openCorrections(issue.id)).toEqual([]);
    const run = (await stores.services.cycle.listRuns({ limit: 20 })).find(
      (r) => r.trigger === `correct ${issue.id}`,
    );
    expect(run?.outcome).toBe('discarded');
  });

  it('the withdraw lands while the correction draft is being released: the draft is closed', async () => {
    // Prepare: a correction draft; the withdraw lands inside its release, before the new
    // edition is applied.
    const deps = depsOf(stores.services);
    const issue = await releasedAndRevised(deps);
    const correction = await correctIssue(deps, issue.id, { by: 'editor' });
    expect(correction.outcome).toBe('drafted');
    let withdrawn: Issue | undefined;
    deps.checkBeforeRelease = async () => {
      withdrawn ??= await withdrawFrom(other, issue.id);
    };

    // Act
    const error = await releaseDraft(deps, correction.draft!.id, { by: 'editor' }).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(withdrawn?.status).toBe('withdrawn');
    expect(error).toBeInstanceOf(Error);
    expect(await openCorrections(issue.id)).toEqual([]);
    const draft = await stores.services.cycle.getDraft(correction.draft!.id);
    expect(draft).toMatchObject({ status: 'discarded' });
    expect(draft?.reason).toMatch(/已撤回/);
    const after = await stores.services.catalog.get(issue.id);
    expect(after).toMatchObject({ status: 'withdrawn', edition: issue.edition ?? 1 });
  });

  it('a withdraw closes the corrections drafted before it', async () => {
    const deps = depsOf(stores.services);
    const issue = await releasedAndRevised(deps);
    const correction = await correctIssue(deps, issue.id, { by: 'editor' });
    expect(await openCorrections(issue.id)).toHaveLength(1);

    await withdrawFrom(other, issue.id);

    expect(await openCorrections(issue.id)).toEqual([]);
    expect(await stores.services.cycle.getDraft(correction.draft!.id)).toMatchObject({
      status: 'discarded',
    });
  });
});
