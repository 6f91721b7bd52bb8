/**
 * Issue 24.2–3 against real dynalite and s3rver, with an injected clock (the `Clock` port):
 * the year of 年第N期 is the date of the planned release in the configured zone — at the last
 * second of 2026 and the first of 2027 Beijing time, for an embargo that fires late, and with
 * BULLETIN_TIME_ZONE=UTC; a release time in the past is refused unless "now" is asked; an
 * overdue embargo is released by the next process that can, and one that cannot be released
 * says how late it is. An embargo printed ahead is what its release second reveals, by one
 * catalog write at that second; one whose number was taken meanwhile is printed again with the
 * next (no gap), and printed files nobody names are swept.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '#errors';
import { loadConfig } from '#config';
import { createDynamoLifecycleCatalog } from '#adapters/dynamodb/issue-catalog.ts';
import type { Clock } from '../../functions/app/ports.ts';
import {
  discardDraft,
  listRuns,
  releaseDraft,
  releaseDue,
  sweepOrphans,
  triggerReport,
  type LifecycleDeps,
  type RenderOptions,
} from '../../functions/app/lifecycle.ts';
import {
  formatLateness,
  overdueNote,
  releaseOrSchedule,
  releaseOverdue,
  sealEmbargo,
} from '../../functions/app/embargo.ts';
import { startTestStores, type TestStores } from '#tests/support/stores.ts';
import { createTinyRenderer } from '#tests/support/tiny-renderer.ts';

/** A clock the test sets. */
function testClock(iso: string): Clock & { set(iso: string): void } {
  let at = new Date(iso);
  return {
    now: () => new Date(at),
    set(next: string) {
      at = new Date(next);
    },
  };
}

describe('the issue year and embargoes by an injected clock', () => {
  let stores: TestStores;
  const renderer = createTinyRenderer();
  /** What each render of a series was asked to print (numbering and masthead date). */
  const rendered: { series: string; opts: RenderOptions }[] = [];
  /** Bumped to change a report's inputs after its draft was made. */
  const inputVersion = new Map<string, number>();
  let slot = 0;

  const depsFor = (series: string, clock: Clock, timeZone = 'Asia/Shanghai'): LifecycleDeps => ({
    catalog: createDynamoLifecycleCatalog(
      stores.services.clients.documents,
      stores.services.config.tables.issues,
    ),
    archive: stores.services.archive,
    records: stores.services.records,
    timeZone,
    clock,
    async resolveJob() {
      return {
        series,
        kind: series,
        reportKey: series,
        period: '2026',
        title: '火炬动态',
        review: 'required',
        reference: { year: 2026, number: 20, total: 600 },
        async prepare() {
          return { inputHash: `${series}@${inputVersion.get(series) ?? 0}`, printed: [] };
        },
        async render(opts) {
          rendered.push({ series, opts });
          const dir = join(stores.dir, 'html');
          await mkdir(dir, { recursive: true });
          const htmlPath = join(dir, `${series}-${(slot += 1)}.html`);
          await writeFile(htmlPath, `<p>${series} ${JSON.stringify(opts.numbering ?? null)}</p>`);
          const out = await renderer.renderPdf({ htmlPath, allowedRoots: [dir] });
          return { pdf: out.pdf, pages: out.pages, fileName: `${series}.pdf` };
        },
      };
    },
  });

  const draftOf = async (deps: LifecycleDeps) => {
    const made = await triggerReport(
      deps,
      {},
      { slotKey: `s${(slot += 1)}`, trigger: 'test', force: true },
    );
    expect(made.outcome).toBe('drafted');
    return made.draft!;
  };

  beforeAll(async () => {
    stores = await startTestStores({ renderer });
  });
  afterAll(async () => {
    await stores?.stop();
  });

  it('numbers at 2026-12-31T23:59:59+08:00 in 2026 and one second later in 2027 (第1期)', async () => {
    const clock = testClock('2026-12-31T23:59:59+08:00');
    const deps = depsFor('clock-boundary', clock);
    const last2026 = await releaseDraft(deps, (await draftOf(deps)).id, { by: 'editor' });
    expect([last2026.year, last2026.number, last2026.total]).toEqual([2026, 21, 601]);
    expect(last2026.publishedAt).toBe('2026-12-31T15:59:59.000Z');

    clock.set('2027-01-01T00:00:00+08:00');
    const first2027 = await releaseDraft(deps, (await draftOf(deps)).id, { by: 'editor' });
    expect([first2027.year, first2027.number, first2027.total]).toEqual([2027, 1, 602]);
    expect(first2027.plannedAt).toBeUndefined();
  });

  it('numbers an embargo of 23:59:50 that fires 15 s late in its planned year, dated so', async () => {
    const clock = testClock('2026-12-31T23:00:00+08:00');
    const deps = depsFor('clock-late', clock);
    const draft = await draftOf(deps);
    const scheduled = await releaseOrSchedule(deps, draft.id, {
      by: 'editor',
      at: new Date('2026-12-31T23:59:50+08:00'),
    });
    expect(scheduled.action).toBe('scheduled');

    // Before its second nothing is released; 15 s after it, the next process releases it.
    clock.set('2026-12-31T23:59:49+08:00');
    expect(await releaseOverdue(deps)).toEqual([]);
    clock.set('2027-01-01T00:00:05+08:00');
    const lines = await releaseOverdue(deps);
    expect(lines).toEqual([
      '定时发布已到期，已先行发布 clock-late-601（2026年第21期，总第601期）：比预定时间晚 15秒',
    ]);
    const issue = (await deps.catalog.issueByTotal('clock-late', 601))!;
    expect([issue.year, issue.number]).toEqual([2026, 21]);
    expect(issue.plannedAt).toBe('2026-12-31T15:59:50.000Z');
    expect(issue.publishedAt).toBe('2026-12-31T16:00:05.000Z');
    expect(issue.s3Key).toMatch(/^issues\/clock-late\/2026\//);
    // The masthead prints the planned date, not the late one.
    const release = rendered.filter((r) => r.series === 'clock-late' && r.opts.numbering);
    expect(release.map((r) => r.opts.date.toISOString())).toEqual(['2026-12-31T15:59:50.000Z']);
  });

  it('takes the year in BULLETIN_TIME_ZONE: UTC numbers 07:00 Beijing on 1 January in the old year', async () => {
    const zone = loadConfig({ ...process.env, BULLETIN_TIME_ZONE: 'UTC' }).timeZone;
    expect(zone).toBe('UTC');
    const at = '2027-01-01T07:00:00+08:00'; // 2026-12-31T23:00:00Z
    const utc = depsFor('clock-utc', testClock(at), zone);
    const beijing = depsFor('clock-beijing', testClock(at));
    const inUtc = await releaseDraft(utc, (await draftOf(utc)).id, { by: 'editor' });
    const inBeijing = await releaseDraft(beijing, (await draftOf(beijing)).id, { by: 'editor' });
    expect([inUtc.year, inUtc.number]).toEqual([2026, 21]);
    expect([inBeijing.year, inBeijing.number]).toEqual([2027, 1]);
  });

  it('refuses a release time in the past (nothing changes) unless now is asked', async () => {
    const clock = testClock('2026-12-06T10:48:00+08:00');
    const deps = depsFor('clock-past', clock);
    const draft = await draftOf(deps);
    const typo = new Date('2025-12-06T11:00:00+08:00');
    const refused = await releaseOrSchedule(deps, draft.id, { by: 'editor', at: typo }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).problems[0]).toMatchObject({
      field: 'at',
      message: expect.stringContaining(
        '发布时间 2025-12-06 11:00:00 北京时间 已经过去（现在 2026-12-06 10:48:00 北京时间）',
      ),
    });
    expect((await deps.catalog.getDraft(draft.id))?.status).toBe('draft');
    expect(await deps.catalog.lastNumbering('clock-past')).toBeUndefined();

    const done = await releaseOrSchedule(deps, draft.id, {
      by: 'editor',
      at: typo,
      releaseNowIfPast: true,
    });
    expect(done.action).toBe('released');
    if (done.action === 'released') expect(done.issue.publishedAt).toBe('2026-12-06T02:48:00.000Z');
  });

  it('marks an embargo that could not be released with how late it is', async () => {
    const clock = testClock('2026-12-06T09:00:00+08:00');
    const deps = depsFor('clock-overdue', clock);
    const draft = await draftOf(deps);
    await releaseOrSchedule(deps, draft.id, {
      by: 'editor',
      at: new Date('2026-12-06T10:00:00+08:00'),
    });
    inputVersion.set('clock-overdue', 1); // a record revised after the draft: its release fails
    clock.set('2026-12-06T10:02:05+08:00');
    const lines = await releaseOverdue(deps);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^定时发布已到期，但稿件 clock-overdue-\S+ 发布失败：.*输入.*已变/);
    const still = (await deps.catalog.getDraft(draft.id))!;
    expect(still.status).toBe('scheduled');
    expect(overdueNote(still, clock.now(), deps.timeZone)).toMatch(
      /^逾期 2分5秒（应于 2026-12-06 10:00:00 北京时间 发布）；上次发布失败：稿件 clock-overdue-\S+ 生成后其输入.*已变/,
    );
    // Without a failed attempt, only how late.
    expect(overdueNote({ ...still, lastError: undefined }, clock.now(), deps.timeZone)).toBe(
      '逾期 2分5秒（应于 2026-12-06 10:00:00 北京时间 发布）',
    );
    expect(overdueNote(still, new Date('2026-12-06T09:59:59+08:00'), deps.timeZone)).toBe(
      undefined,
    );
    expect(
      [3_000, 61_000, 3_600_000 + 240_000, 2 * 86_400_000 + 3 * 3_600_000].map(formatLateness),
    ).toEqual(['3秒', '1分1秒', '1小时4分', '2天3小时']);
  });

  describe('printed ahead, revealed at the second', () => {
    const keysOf = async (series: string) => {
      const keys: string[] = [];
      for await (const o of stores.services.archive.list(`issues/${series}/`)) keys.push(o.key);
      return keys.sort();
    };
    const printsOf = (series: string) =>
      rendered.filter((r) => r.series === series && r.opts.numbering).length;

    it('reveals what it printed ahead at the second, by one catalog write, and nothing before', async () => {
      const series = 'seal-fit';
      const clock = testClock('2026-12-06T09:00:00+08:00');
      const deps = depsFor(series, clock);
      const draft = await draftOf(deps);
      const at = new Date('2026-12-06T10:00:00+08:00');
      await releaseOrSchedule(deps, draft.id, { by: 'editor', at });

      const sealed = await sealEmbargo(deps, draft.id);
      expect(sealed.action).toBe('sealed');
      const s = sealed.sealed!;
      expect(s.numbering).toEqual({ year: 2026, number: 21, total: 601 });
      // Stored, under a name that is not the issue's, and listed by no catalog item.
      expect(await keysOf(series)).toEqual([s.s3Key]);
      expect(s.s3Key).toMatch(/^issues\/seal-fit\/2026\/seal-fit-d[0-9a-f]{10}-s[0-9a-f]{16}-/);
      expect(s.s3Key).not.toContain(`${series}-601`);
      expect(await deps.catalog.issueByTotal(series, 601)).toBeUndefined();
      expect(await deps.catalog.lastNumbering(series)).toBeUndefined();
      // Asked again, it fits: nothing printed twice.
      expect((await sealEmbargo(deps, draft.id)).action).toBe('fits');
      const prints = printsOf(series);

      // Started 2 s ahead: the release takes the draft and the number, and waits for the second.
      clock.set('2026-12-06T09:59:58+08:00');
      const releasing = releaseDue(deps, { draftId: draft.id, aheadMs: 3000 });
      await vi.waitFor(
        async () => expect((await deps.catalog.getDraft(draft.id))?.status).toBe('releasing'),
        { timeout: 30_000, interval: 20 },
      );
      // Before the second: no catalog item, however long it waits.
      clock.set('2026-12-06T09:59:59.999+08:00');
      await new Promise((r) => setTimeout(r, 300));
      expect(await deps.catalog.issueByTotal(series, 601)).toBeUndefined();
      clock.set('2026-12-06T10:00:00+08:00');
      const { released, failed } = await releasing;
      expect(failed).toEqual([]);
      expect(released.map((i) => i.id)).toEqual([`${series}-601`]);
      const issue = (await deps.catalog.issueByTotal(series, 601))!;
      // The files printed ahead, not printed again; stamped at the second.
      expect([issue.s3Key, issue.sha256]).toEqual([s.s3Key, s.sha256]);
      expect(printsOf(series)).toBe(prints);
      expect(issue.publishedAt).toBe('2026-12-06T02:00:00.000Z');
      expect(issue.plannedAt).toBeUndefined();
      // The sweep keeps them: the issue names them now.
      // The sweep's grace counts from when the objects were stored (the bucket's time).
      clock.set(new Date(Date.now() + 60_000).toISOString());
      const { removed } = await sweepOrphans(deps, { graceMs: 0 });
      expect(removed.filter((k) => k.includes(series))).toEqual([]);
    });

    it('prints again with the next number when another release took it meanwhile: no gap', async () => {
      const series = 'seal-taken';
      const clock = testClock('2026-12-06T09:00:00+08:00');
      const deps = depsFor(series, clock);
      const embargoed = await draftOf(deps);
      await releaseOrSchedule(deps, embargoed.id, {
        by: 'editor',
        at: new Date('2026-12-06T10:00:00+08:00'),
      });
      const s = (await sealEmbargo(deps, embargoed.id)).sealed!;
      expect(s.numbering.total).toBe(601);
      // Another report of the series is released first, and takes 601.
      const otherDeps: LifecycleDeps = {
        ...deps,
        resolveJob: async (params) => ({
          ...(await deps.resolveJob(params)),
          reportKey: `${series}:other`,
        }),
      };
      const other = await releaseDraft(otherDeps, (await draftOf(otherDeps)).id, { by: 'editor' });
      expect(other.total).toBe(601);

      clock.set('2026-12-06T10:00:00+08:00');
      const { released } = await releaseDue(deps, { draftId: embargoed.id });
      expect(released.map((i) => [i.total, i.number])).toEqual([[602, 22]]);
      expect(released[0]!.s3Key).not.toBe(s.s3Key);
      // The edition printed for 601 is no one's: swept; everything else stays.
      const before = await keysOf(series);
      expect(before).toContain(s.s3Key);
      // The sweep's grace counts from when the objects were stored (the bucket's time).
      clock.set(new Date(Date.now() + 60_000).toISOString());
      const { removed } = await sweepOrphans(deps, { graceMs: 0 });
      expect(removed.filter((k) => k.includes(series))).toEqual([s.s3Key]);
      expect(await keysOf(series)).toEqual(before.filter((k) => k !== s.s3Key));
    });

    it('leaves a discarded embargo nothing, and prints nothing for a draft that is not scheduled', async () => {
      const series = 'seal-discard';
      const clock = testClock('2026-12-06T09:00:00+08:00');
      const deps = depsFor(series, clock);
      const draft = await draftOf(deps);
      expect(await sealEmbargo(deps, draft.id)).toMatchObject({ action: 'skipped' });
      await releaseOrSchedule(deps, draft.id, {
        by: 'editor',
        at: new Date('2026-12-06T10:00:00+08:00'),
      });
      const s = (await sealEmbargo(deps, draft.id)).sealed!;
      await discardDraft(deps, draft.id, { by: 'editor', reason: 'test' });
      // The sweep's grace counts from when the objects were stored (the bucket's time).
      clock.set(new Date(Date.now() + 60_000).toISOString());
      const { removed } = await sweepOrphans(deps, { graceMs: 0 });
      expect(removed.filter((k) => k.includes(series))).toEqual([s.s3Key]);
      expect(await keysOf(series)).toEqual([]);
      expect(await deps.catalog.lastNumbering(series)).toBeUndefined();
    });
  });

  it("times a run's lease by the Clock: interrupted once the Clock passes it", async () => {
    const series = 'clock-lease';
    const clock = testClock('2026-12-06T09:00:00+08:00');
    const base = depsFor(series, clock);
    let finish: (() => void) | undefined;
    const held = new Promise<void>((resolve) => (finish = resolve));
    const deps: LifecycleDeps = {
      ...base,
      leaseMs: 60_000,
      // The run stops in the middle of loading its inputs until the test lets it go on.
      resolveJob: async (params) => {
        const job = await base.resolveJob(params);
        return {
          ...job,
          prepare: async () => {
            await held;
            return { ...(await job.prepare()), empty: 'test' };
          },
        };
      },
    };
    const running = triggerReport(deps, {}, { slotKey: 'lease', trigger: 'test' });
    const stateOf = async () =>
      (await listRuns(deps)).find((r) => r.slotKey === 'lease' && r.series === series)?.state;
    await vi.waitFor(async () => expect(await stateOf()).toBe('running'), {
      timeout: 30_000,
      interval: 20,
    });
    clock.set('2026-12-06T09:00:59+08:00');
    expect(await stateOf()).toBe('running');
    clock.set('2026-12-06T09:01:01+08:00');
    expect(await stateOf()).toBe('interrupted');
    finish!();
    expect((await running).outcome).toBe('empty');
  });
});
