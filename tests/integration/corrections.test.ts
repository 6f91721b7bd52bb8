/**
 * Corrections and embargo on the real bulletin (composed from `data/`, printed by the tiny
 * renderer) against real dynalite + s3rver: a record revised after release makes the issue a
 * correction candidate; its corrected edition keeps the number, prints the new value and a
 * 勘误说明 old → new with the source; the original stays downloadable; the feed shows the update;
 * each confirmed subscriber gets exactly one correction notice. An embargoed release is
 * invisible before its time and public after.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxNotifier } from '#adapters/ses/notifier.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import {
  correctIssue,
  releaseDraft,
  releaseDue,
  scheduleRelease,
  triggerReport,
  type LifecycleDeps,
} from '../../functions/app/lifecycle.ts';
import { atomFeed, issueView } from '../../functions/api/views.ts';
import { correctionQueue } from '../../functions/app/corrections.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import {
  publishDeps,
  seedRealData,
  startTestStores,
  type TestStores,
} from '#tests/support/stores.ts';
import { createTinyRenderer, type TinyRenderer } from '#tests/support/tiny-renderer.ts';
import { readOutbox } from '#tests/support/eml.ts';

const BASE = 'http://bulletin.test';

describe('corrections and embargo', () => {
  let stores: TestStores;
  let renderer: TinyRenderer;
  let deps: LifecycleDeps;
  let outbox: string;
  let clock = new Date();

  beforeAll(async () => {
    renderer = createTinyRenderer();
    stores = await startTestStores({ renderer });
    await seedRealData(stores.services);
    outbox = await mkdtemp(join(tmpdir(), 'corrections-outbox-'));
    const s = stores.services;
    deps = lifecycleDepsOf({
      ...publishDeps(s, renderer, join(stores.dir, 'work')),
      subscribers: s.subscribers,
      notifier: createOutboxNotifier(outbox),
      publicBaseUrl: BASE,
    });
    deps.now = () => clock;
    for (const email of ['a@example.com', 'b@example.com', 'pending@example.com']) {
      const { subscription } = await s.subscribers.subscribe('torch-bulletin', email);
      if (email !== 'pending@example.com') await s.subscribers.confirm(subscription.token);
    }
  }, 120_000);

  afterAll(async () => {
    await stores?.stop();
    await rm(outbox, { recursive: true, force: true });
  });

  it('corrects a released issue: same number, 修订版, 勘误说明 old → new, original kept, one notice each', async () => {
    // Prepare: issue 551 released, subscribers told once.
    const made = await triggerReport(
      deps,
      { kind: 'torch-bulletin' },
      { slotKey: 'c-1', trigger: 'test' },
    );
    const issue = await releaseDraft(deps, made.draft!.id, { by: 'editor' });
    expect(issue.id).toBe('torch-bulletin-551');
    expect((await readOutbox(outbox)).length).toBe(2);
    const period = issue.period!;
    const gdp = (await stores.services.records.recordsOfPeriod(period)).find(
      (r) => r.zone === 'national-htz' && r.indicator === 'gdp',
    )!;
    expect(await correctionQueue(deps, ['torch-bulletin'])).toEqual([]);

    // The issue as first printed (the last page the renderer printed).
    const originalHtml = renderer.htmls.at(-1)!;

    // Act: the national GDP figure is revised after release.
    const revised = Math.round((gdp.value + 123.4) * 10) / 10;
    // The revision keeps the reported growth and share the articles cite.
    const csv = `zone,indicator,period,value,unit,yoy,share,source\nnational-htz,gdp,${period},${revised},亿元,${gdp.yoy ?? ''},${gdp.share ?? ''},国家统计局修订公报（测试）\n`;
    await ingestFiles({ records: stores.services.records, reference: stores.services.reference }, [
      { name: 'revision.csv', bytes: new TextEncoder().encode(csv) },
    ]);

    // Assess: listed by catalog id with what changed.
    const candidates = await correctionQueue(deps, ['torch-bulletin']);
    expect(candidates.map((c) => c.issueId)).toEqual(['torch-bulletin-551']);
    const line = candidates[0]!.changes.find(
      (l) => l.indicator === 'gdp' && l.zone === 'national-htz',
    )!;
    expect(line).toMatchObject({
      oldValue: gdp.value,
      newValue: revised,
      source: '国家统计局修订公报（测试）',
    });

    // Act: the corrected edition, through review like any draft.
    const correction = await correctIssue(deps, issue.id, { by: 'editor' });
    expect(correction.outcome).toBe('drafted');
    const draftHtml = renderer.htmls.at(-1)!;
    expect(draftHtml).toContain('勘误说明');
    clock = new Date(clock.getTime() + 3_600_000);
    const corrected = await releaseDraft(deps, correction.draft!.id, { by: 'editor' });

    // Assess: same number, edition 2, the new value printed with old → new, both files kept.
    expect(corrected.id).toBe(issue.id);
    expect(corrected.total).toBe(issue.total);
    expect(corrected.edition).toBe(2);
    const html = renderer.htmls.at(-1)!;
    expect(html).toContain('2026年第1期(总第551期) 修订版'.slice(4));
    expect(html).toContain('勘误说明（修订版）');
    expect(html).toMatch(/国家统计局修订公报（测试）/);
    // 勘误说明: one row per changed figure (membership), 原刊 as first printed → 更正为 as now
    // printed (direction; issue 26.c: a swapped table passed).
    // Each row also names the pages of the original that print it (原刊页码).
    const rows = [
      ...html.matchAll(
        /<tr><td>([^<]*)<\/td><td>第[\d、]+页<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><td>国家统计局修订公报（测试）<\/td><\/tr>/g,
      ),
    ];
    expect(rows.length).toBe(candidates[0]!.changes.length);
    for (const [, , printedBefore, printedNow] of rows) {
      expect(printedBefore).not.toBe(printedNow);
      expect(originalHtml).toContain(printedBefore);
      expect(originalHtml).not.toContain(`>${printedNow}<`);
      expect(html).toContain(printedNow!);
    }
    expect(corrected.editions!.map((e) => e.edition)).toEqual([1, 2]);
    expect(await stores.services.archive.head(corrected.editions![0]!.s3Key)).toBeDefined();
    expect(await stores.services.archive.head(corrected.editions![1]!.s3Key)).toBeDefined();
    expect(corrected.editions![0]!.s3Key).not.toBe(corrected.s3Key);
    // No new number was taken.
    expect(await deps.catalog.lastNumbering('torch-bulletin')).toMatchObject({ total: 551 });

    // The API view and the feed show both editions and the update.
    const view = issueView(corrected, {
      baseUrl: BASE,
      timeZone: 'Asia/Shanghai',
      seriesTitle: '火炬动态',
    });
    expect(view.editionLabel).toBe('修订版');
    expect(view.editions!.map((e) => e.download)).toEqual([
      `${BASE}/bulletins/torch-bulletin-551/download?edition=1`,
      `${BASE}/bulletins/torch-bulletin-551/download?edition=2`,
    ]);
    const feed = atomFeed({
      series: 'torch-bulletin',
      seriesTitle: '火炬动态',
      author: 'x',
      baseUrl: BASE,
      issues: [view],
    });
    expect(feed).toContain(`<updated>${corrected.editions![1]!.releasedAt}</updated>`);
    expect(feed).toContain('修订版');

    // One correction notice per confirmed subscriber, even when notifying again.
    await deps.notify!(corrected, 'correction');
    const mails = await readOutbox(outbox);
    const notices = mails.filter((m) => m.subject.includes('修订版'));
    expect(notices.map((m) => m.to).sort()).toEqual(['a@example.com', 'b@example.com']);
    // Each changed figure old → new, in that direction (a planted swap passed with only '→').
    for (const notice of notices)
      expect(notice.text).toContain(
        `：${gdp.value} → ${revised}亿元（国家统计局修订公报（测试））`,
      );
    expect(mails.length).toBe(4);

    // Nothing more to correct.
    expect(await correctionQueue(deps, ['torch-bulletin'])).toEqual([]);
  }, 180_000);

  it('an embargoed release is invisible before its time and public after', async () => {
    // Prepare: a new draft (forced: the inputs equal the released issue's)
    const made = await triggerReport(
      deps,
      { kind: 'torch-bulletin' },
      { slotKey: 'embargo-1', trigger: 'test', force: true },
    );
    // A release time is whole seconds.
    const at = new Date(Math.ceil(clock.getTime() / 1000) * 1000 + 5_000);
    await scheduleRelease(deps, made.draft!.id, { at, by: 'editor' });

    // Act + Assess: before the time, the scheduler's tick releases nothing
    expect((await releaseDue(deps)).released).toEqual([]);
    expect((await deps.catalog.latestOfReport('torch-bulletin', 'torch-bulletin'))?.total).toBe(
      551,
    );
    expect((await deps.catalog.getDraft(made.draft!.id))?.status).toBe('scheduled');
    // after it, the tick publishes it
    clock = new Date(at.getTime() + 1);
    const due = await releaseDue(deps);
    expect(due.released.map((i) => i.id)).toEqual(['torch-bulletin-552']);
    expect((await deps.catalog.getDraft(made.draft!.id))?.status).toBe('published');
  }, 120_000);
});
