/**
 * Issue 24.2: an embargo nothing can leak, and equal access at the release second. The local
 * server (its real once-a-second tick, the real report over the repository's data, printed by
 * Chromium) holds an embargoed bulletin. Its edition is printed ahead — under names that are
 * not the issue's, listed by no catalog entry — and revealed at the second by one catalog write.
 * The test polls every reader route — the issue's JSON, PDF download, web edition, cover, data
 * CSV and XLSX, `/bulletins/latest`, the listing, the archive pages, search, the Atom feed —
 * plus the subscribers' outbox and the bucket's keys, timing each request by the server's Clock:
 * - no request answers with the issue before the release second, and no object in the bucket
 *   is ever named by the issue;
 * - every request that starts after the release second has ended answers with it: all of it
 *   appears within that second;
 * - each round of polls is all-or-nothing by the catalog: everything appears together.
 * The Clock is the system's, shifted by the test: once the edition is printed ahead (however
 * long Chromium takes on a loaded machine), the release second is brought a few seconds near.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishReport } from '../../functions/app/publish.ts';
import { releaseOrSchedule } from '../../functions/app/embargo.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import type { Clock } from '../../functions/app/ports.ts';
import type { SealedRelease } from '../../functions/core/lifecycle.ts';
import { startLocalServer, type LocalServer } from '#local/server.ts';
import { startTestStack, type TestStack } from '#tests/support/stack.ts';

const SERIES = 'torch-bulletin';

/** The system clock, shifted by the test (`jumpTo` brings an instant near). */
function shiftedClock(): Clock & { jumpTo(at: Date): void } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    jumpTo(at: Date) {
      offset = at.getTime() - Date.now();
    },
  };
}

/** Waits until `check` holds (a condition, never a fixed time). */
async function until<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 3000; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never came: ${what}`);
}

describe('an embargoed issue', { timeout: 600_000 }, () => {
  let t: TestStack;
  let server: LocalServer;
  let outbox: string;
  const clock = shiftedClock();

  beforeAll(async () => {
    t = await startTestStack({ services: { clock } });
    await t.ingestRepoData();
    outbox = join(t.dir, 'outbox');
    await mkdir(outbox, { recursive: true });
    server = await startLocalServer({
      services: t.services,
      loadData: false,
      schedules: false,
      outboxDir: outbox,
      workDir: join(t.dir, 'work'),
      token: 'embargo-test-token',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await t?.stop();
  });

  it('exists nowhere for a reader before its second, and everywhere within it', async () => {
    // A confirmed subscriber, to be told of the release (and of nothing before it).
    const s = t.services.subscribers;
    const { subscription } = await s.subscribe(SERIES, 'reader@example.org');
    await s.confirm(subscription.token);
    const made = await publishReport(server.publishDeps, {
      kind: 'torch-bulletin',
      slotKey: 'embargo-leak',
      trigger: 'test',
    });
    expect(made.outcome).toBe('drafted');
    const draftId = made.draft!.id;
    const mailsBefore = (await readdir(outbox)).length;

    // The issue it will be: the next number of the series.
    const last = await t.services.cycle.lastNumbering(SERIES);
    const reference = t.services.reference.seriesById(SERIES)!.numbering.reference;
    const total = (last ?? reference).total + 1;
    const id = `${SERIES}-${total}`;
    const title = made.draft!.title;

    const at = new Date(Math.ceil((clock.now().getTime() + 120_000) / 1000) * 1000);
    const lifecycle = lifecycleDepsOf(server.publishDeps);
    expect((await releaseOrSchedule(lifecycle, draftId, { by: '编辑甲', at })).action).toBe(
      'scheduled',
    );

    const url = (path: string) => `${server.url}${path}`;
    /** Every reader route: whether it shows the issue. */
    const probes: Record<string, () => Promise<boolean>> = {
      json: async () => (await fetch(url(`/bulletins/${id}`))).status === 200,
      download: async () =>
        (await fetch(url(`/bulletins/${id}/download`), { redirect: 'manual' })).status === 302,
      web: async () => (await fetch(url(`/bulletins/${id}/web`))).status === 200,
      cover: async () => (await fetch(url(`/bulletins/${id}/cover`))).status === 200,
      csv: async () => (await fetch(url(`/bulletins/${id}/data.csv`))).status === 200,
      xlsx: async () => (await fetch(url(`/bulletins/${id}/data.xlsx`))).status === 200,
      latest: async () => {
        const r = await fetch(url(`/bulletins/latest?series=${SERIES}`));
        return r.status === 200 && ((await r.json()) as { id?: string }).id === id;
      },
      listing: async () =>
        (await (await fetch(url(`/bulletins?series=${SERIES}`))).text()).includes(id),
      archive: async () =>
        (await (await fetch(url(`/series/${SERIES}`))).text()).includes(`/bulletins/${id}`),
      landing: async () => (await (await fetch(url('/'))).text()).includes(`/bulletins/${id}`),
      search: async () =>
        (await (await fetch(url(`/search?q=${encodeURIComponent(title)}`))).text()).includes(
          `/bulletins/${id}`,
        ),
      feed: async () => (await (await fetch(url(`/feeds/${SERIES}.atom`))).text()).includes(id),
      mail: async () => (await readdir(outbox)).length > mailsBefore,
    };
    const names = Object.keys(probes);
    /** The mail follows the catalog write; the readers' routes are gated by it. */
    const gated = names.filter((n) => n !== 'mail');
    /** Objects named by the issue id (a name a reader could guess): none, ever. */
    const namedKeys = async () => {
      const found: string[] = [];
      for await (const o of t.services.archive.list(`issues/${SERIES}/`))
        if (o.key.includes(`/${id}-`)) found.push(o.key);
      return found;
    };
    /** Every request, timed by the server's Clock. */
    const requests: { probe: string; start: number; end: number; seen: boolean }[] = [];
    const inCatalog = async () => (await t.services.catalog.get(id)) !== undefined;
    const round = async () => {
      const before = await inCatalog();
      const seen = Object.fromEntries(
        await Promise.all(
          names.map(async (n) => {
            const start = clock.now().getTime();
            const ok = await probes[n]!();
            requests.push({ probe: n, start, end: clock.now().getTime(), seen: ok });
            return [n, ok] as const;
          }),
        ),
      ) as Record<string, boolean>;
      return { before, seen, after: await inCatalog(), started: clock.now().getTime() };
    };
    const nothing = Object.fromEntries(names.map((n) => [n, false]));

    // Printed ahead: the edition's files are stored, under names that are not the issue's.
    const sealed = await until<SealedRelease>(
      async () => (await t.services.cycle.getDraft(draftId))?.sealed,
      `the edition of ${draftId} printed ahead`,
    );
    expect(sealed.numbering.total).toBe(total);
    const stored: string[] = [];
    for await (const o of t.services.archive.list(`issues/${SERIES}/`)) stored.push(o.key);
    for (const key of [sealed.s3Key, ...sealed.otherKeys]) {
      expect(stored).toContain(key);
      expect(key).not.toContain(id);
    }
    expect((await round()).seen).toEqual(nothing);
    // An editor sees that it was printed ahead, with its number, but not where its files are.
    const operator = await fetch(url(`/operator/api/drafts/${draftId}`), {
      headers: { authorization: 'Bearer embargo-test-token' },
    });
    const shown = await operator.text();
    expect(operator.status).toBe(200);
    expect(JSON.parse(shown)).toMatchObject({
      printedAhead: { total, plannedAt: at.toISOString() },
    });
    expect(shown).not.toContain(sealed.s3Key);

    // The release second, brought near.
    clock.jumpTo(new Date(at.getTime() - 5000));

    // Before the release second: nothing, round after round.
    let rounds = 0;
    while (clock.now().getTime() < at.getTime() - 1500) {
      const r = await round();
      if (clock.now().getTime() >= at.getTime()) break;
      expect(r.seen, `round ${rounds} before ${at.toISOString()}`).toEqual(nothing);
      rounds += 1;
    }
    expect(rounds).toBeGreaterThan(0);
    expect(await namedKeys()).toEqual([]);

    // From the release second: each round is all-or-nothing by the catalog; then all of it,
    // and rounds that start after the second has ended.
    let all: Record<string, boolean> | undefined;
    for (let i = 0; i < 2000 && !all; i++) {
      const r = await round();
      if (!r.after) expect(gated.filter((n) => r.seen[n])).toEqual([]);
      if (r.before) expect(gated.filter((n) => !r.seen[n])).toEqual([]);
      if (r.before && r.seen.mail && r.started >= at.getTime() + 1000) all = r.seen;
    }
    expect(all).toEqual(Object.fromEntries(names.map((n) => [n, true])));

    // Nowhere before the second: no request that ended before it saw the issue.
    const early = requests.filter((q) => q.seen && q.end < at.getTime());
    expect(early, 'seen before the release second').toEqual([]);
    // Everywhere within the second: every request that started after it had ended saw it.
    const late = requests.filter(
      (q) => q.probe !== 'mail' && !q.seen && q.start >= at.getTime() + 1000,
    );
    expect(late, 'still missing after the release second').toEqual([]);
    // No object named by the issue, after the release either: its files keep their sealed names.
    expect(await namedKeys()).toEqual([]);

    const issue = (await t.services.catalog.get(id))!;
    // What was printed ahead is what was released, and its catalog entry is stamped by the
    // Clock in the release second.
    expect(issue.s3Key).toBe(sealed.s3Key);
    expect(issue.sha256).toBe(sealed.sha256);
    const stamp = Date.parse(issue.publishedAt!);
    expect(stamp).toBeGreaterThanOrEqual(at.getTime());
    expect(stamp).toBeLessThan(at.getTime() + 1000);
  });
});
