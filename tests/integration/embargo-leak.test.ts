/**
 * Issue 24.2: an embargo nothing can leak. The local server (its real once-a-second tick, the
 * real report over the repository's data, printed by Chromium) holds an embargoed bulletin; the
 * test polls every reader route — the issue's JSON, PDF download, web edition, cover, data CSV
 * and XLSX, `/bulletins/latest`, the listing, the archive pages, search, the Atom feed — plus
 * the subscribers' outbox and the bucket's keys, before the release second and after it.
 * Before: nothing of the issue anywhere. From the release on, every route answers together:
 * each round of polls that starts after the issue is in the catalog finds all of it, and each
 * that ends before finds none. The embargo fires within 2 s of its time.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishReport } from '../../functions/app/publish.ts';
import { releaseOrSchedule } from '../../functions/app/embargo.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import { startLocalServer, type LocalServer } from '#local/server.ts';
import { startTestStack, type TestStack } from '#tests/support/stack.ts';

const SERIES = 'torch-bulletin';

describe('an embargoed issue', { timeout: 600_000 }, () => {
  let t: TestStack;
  let server: LocalServer;
  let outbox: string;

  beforeAll(async () => {
    t = await startTestStack();
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

  it('exists nowhere for a reader before its second, and everywhere together from it', async () => {
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

    const at = new Date(Math.ceil((Date.now() + 12_000) / 1000) * 1000);
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
      s3: async () => {
        for await (const o of t.services.archive.list(`issues/${SERIES}/`))
          if (o.key.includes(`/${id}-`)) return true;
        return false;
      },
    };
    const names = Object.keys(probes);
    /** The files and the mail follow the catalog write; the readers' routes are gated by it. */
    const gated = names.filter((n) => n !== 's3' && n !== 'mail');
    const inCatalog = async () => (await t.services.catalog.get(id)) !== undefined;
    const round = async () => {
      const before = await inCatalog();
      const seen = Object.fromEntries(
        await Promise.all(names.map(async (n) => [n, await probes[n]!()] as const)),
      ) as Record<string, boolean>;
      return { before, seen, after: await inCatalog(), ended: Date.now() };
    };

    // Before the release second: nothing, round after round.
    let rounds = 0;
    while (Date.now() < at.getTime() - 1500) {
      const r = await round();
      if (r.ended >= at.getTime()) break;
      expect(r.seen, `round ${rounds} before ${at.toISOString()}`).toEqual(
        Object.fromEntries(names.map((n) => [n, false])),
      );
      rounds += 1;
    }
    expect(rounds).toBeGreaterThan(0);

    // From the release second: each round is all-or-nothing by the catalog; then all of it.
    let all: Record<string, boolean> | undefined;
    for (let i = 0; i < 2000 && !all; i++) {
      const r = await round();
      if (!r.after) expect(gated.filter((n) => r.seen[n])).toEqual([]);
      if (r.before) {
        expect(gated.filter((n) => !r.seen[n])).toEqual([]);
        if (r.seen.mail && r.seen.s3) all = r.seen;
      }
    }
    expect(all).toEqual(Object.fromEntries(names.map((n) => [n, true])));

    const issue = (await t.services.catalog.get(id))!;
    // The embargo fired within 2 s of its time (the release is stamped when it starts to print).
    const late = Date.parse(issue.publishedAt!) - at.getTime();
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThanOrEqual(2000);
  });
});
