/**
 * The console's 勘误 page over HTTP against the real API app on real dynalite + s3rver:
 * it lists what the one corrections function finds (the same lines as the queue), makes a
 * labelled corrected edition (更正 with its cause and pages) and keeps a dismissal with its reason.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../../functions/api/app.ts';
import { correctionQueue } from '../../functions/app/corrections.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import {
  discardDraft,
  releaseDraft,
  triggerReport,
  type LifecycleDeps,
} from '../../functions/app/lifecycle.ts';
import { correctionValues } from '../../functions/core/lifecycle.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import {
  publishDeps,
  seedRealData,
  startTestStores,
  type TestStores,
} from '#tests/support/stores.ts';
import { createTinyRenderer } from '#tests/support/tiny-renderer.ts';
import { consoleClient, type ConsoleClient } from '#tests/support/console.ts';
import { addAccount } from '../../functions/app/desk.ts';

const TOKEN = 'operator-corrections-token';

describe("the console's corrections page", () => {
  let stores: TestStores;
  let lifecycle: LifecycleDeps;
  let server: Server;
  let url = '';
  let editor: ConsoleClient;
  let firstDraftId = '';
  const series = ['torch-bulletin'];

  const get = async (path: string) => (await editor.get(path)).html;
  const post = (path: string, form: Record<string, string>) => editor.post(path, form);

  beforeAll(async () => {
    const renderer = createTinyRenderer();
    stores = await startTestStores({ renderer });
    await seedRealData(stores.services);
    const s = stores.services;
    lifecycle = lifecycleDepsOf(publishDeps(s, renderer, join(stores.dir, 'work')));
    const app = createApiApp({
      catalog: s.catalog,
      archive: s.archive,
      subscribers: s.subscribers,
      notifier: s.notifier,
      reference: s.reference,
      config: s.config,
      authenticate: async () => undefined,
      async requestReport() {
        throw new Error('not used here');
      },
      operator: {
        lifecycle,
        authenticate: async (req) =>
          req.headers.get('authorization') === `Bearer ${TOKEN}` ? 'editor' : undefined,
        series,
        presignTtlSeconds: 60,
        timeZone: s.config.timeZone,
      },
      console: {
        lifecycle,
        desk: s.desk,
        subscribers: s.subscribers,
        notifier: s.notifier,
        reference: s.reference,
        series,
        timeZone: s.config.timeZone,
        presignTtlSeconds: 60,
      },
    });
    server = createAdaptorServer({ hostname: '127.0.0.1', fetch: app.fetch }) as Server;
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await addAccount(s.desk, {
      name: 'editor',
      role: 'editor',
      password: 'editor-pass-1',
      by: 'test',
    });
    editor = consoleClient(url);
    await editor.login('editor', 'editor-pass-1');

    // Issue 551, then its national GDP growth revised.
    const made = await triggerReport(
      lifecycle,
      { kind: 'torch-bulletin' },
      { slotKey: 'oc-1', trigger: 'test' },
    );
    const issue = await releaseDraft(lifecycle, made.draft!.id, { by: 'editor' });
    firstDraftId = made.draft!.id;
    const gdp = (
      await s.records.currentValues([
        { zone: 'national-htz', indicator: 'gdp', period: issue.period! },
      ])
    ).get(`national-htz#gdp#${issue.period}`)!;
    const csv = `zone,indicator,period,value,unit,yoy,share,qualifier,source\nnational-htz,gdp,${issue.period},${gdp.reportedValue},${gdp.reportedUnit},${gdp.yoy! + 0.1},${gdp.share ?? ''},${gdp.qualifier ?? ''},工业和信息化部修订数据\n`;
    await ingestFiles({ records: s.records, reference: s.reference }, [
      { name: 'revision.csv', bytes: new TextEncoder().encode(csv) },
    ]);
  }, 120_000);

  afterAll(async () => {
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    await stores?.stop();
  });

  it('lists the queue, makes a labelled 更正 draft, and keeps a dismissal with its reason', async () => {
    // The page lists the queue's lines.
    const queue = await correctionQueue(lifecycle, series);
    expect(queue.map((e) => e.issueId)).toEqual(['torch-bulletin-551']);
    const page = await get('/console/corrections');
    expect(page).toContain('torch-bulletin-551');
    for (const l of queue[0]!.changes) {
      expect(page).toContain(l.printedAs);
      expect(page).toContain(`${correctionValues(l).old}</td>`);
      expect(page).toContain(`${correctionValues(l).new}</td>`);
    }
    expect(await get('/console/drafts')).toContain('href="/console/corrections"');

    // A 更正 without its cause is refused (the error summary names the field); with it, the
    // draft carries the label.
    const refused = await post('/console/issues/torch-bulletin-551/correct', { kind: '更正' });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('href="#cause"');
    const made = await post('/console/issues/torch-bulletin-551/correct', {
      kind: '更正',
      cause: '原版误印了同比增速',
      pages: '2, 3',
    });
    expect(made.status).toBe(303);
    const [draft] = (await lifecycle.catalog.openDrafts()).filter((d) => d.correctionOf);
    expect(draft!.label).toEqual({
      kind: '更正',
      cause: '原版误印了同比增速',
      effect: `1项数据：${queue[0]!.changes[0]!.printedAs}`,
      pages: [2, 3],
    });
    expect(draft!.corrections).toEqual(queue[0]!.changes);
    // Its check page says what releasing a 修订版 does: the number stays, the edition is new.
    const check = await post(`/console/drafts/${draft!.id}/release/check`, { when: 'now' });
    expect(check.status).toBe(200);
    expect(check.html).toContain('发布后成为 torch-bulletin-551 的第 2 版（修订版，期号不变');
    expect(check.html).not.toContain('发布后分配期号');
    await discardDraft(lifecycle, draft!.id, { by: 'editor' });

    // Dismissed with a reason: kept and shown, no form any more.
    const dismissed = await post('/console/corrections/torch-bulletin-551/dismiss', {
      reason: '增速修订幅度在四舍五入范围内，不出更正版',
    });
    expect(dismissed.status).toBe(303);
    const after = await get('/console/corrections');
    expect(after).toContain('已驳回：增速修订幅度在四舍五入范围内，不出更正版（editor，');
    expect(after).not.toContain('action="/console/corrections/torch-bulletin-551/dismiss"');
    expect((await correctionQueue(lifecycle, series))[0]!.dismissed?.reason).toBe(
      '增速修订幅度在四舍五入范围内，不出更正版',
    );
    // The JSON API shows the same entry.
    const api = await fetch(`${url}/operator/api/corrections`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect((await api.json()).corrections).toEqual(await correctionQueue(lifecycle, series));
  }, 120_000);
  it("a released draft's page links its issue and compares it with nothing of its own; the 已发布 banner names the issue", async () => {
    const page = await get(`/console/drafts/${firstDraftId}`);
    expect(page).toMatch(
      /id="draft-status">已发布：<a href="\/console\/issues\/torch-bulletin-551">/,
    );
    // It is its report's latest issue: no 与上一期相比 against itself.
    expect(page).not.toContain('与上一期相比');
    // Nor once a later issue of the same report is out (that one is no 上一期 of it).
    const later = await triggerReport(
      lifecycle,
      { kind: 'torch-bulletin' },
      { slotKey: 'oc-later', trigger: 'test', force: true },
    );
    await releaseDraft(lifecycle, later.draft!.id, { by: 'editor' });
    expect(await get(`/console/drafts/${firstDraftId}`)).not.toContain('与上一期相比');
    const banner = await get('/console/drafts?issue=torch-bulletin-551&done=released');
    expect(banner).toContain('已发布：');
    expect(banner).toMatch(/已发布：[^<]*年第\d+期\(总第551期\)/);
  }, 60_000);

  it('a series without review releases its 修订版 at once, and the console says so', async () => {
    const s = stores.services;
    const made = await triggerReport(
      lifecycle,
      { kind: 'regional-report', region: '长三角' },
      { slotKey: 'oc-regional', trigger: 'test' },
    );
    const issue = made.issue!;
    const printed = (await lifecycle.catalog.printedOf(issue.id)).find(
      (r) => r.text && !r.key.startsWith('national-htz#') && !r.key.startsWith('china#'),
    )!;
    const [zone, indicator, period] = printed.key.split('#') as [string, string, string];
    const rec = (await s.records.currentValues([{ zone, indicator, period }])).get(printed.key)!;
    const csv = `zone,indicator,period,value,unit,yoy,share,qualifier,source\n${zone},${indicator},${period},${Number(rec.reportedValue) * 2},${rec.reportedUnit},${rec.yoy ?? ''},${rec.share ?? ''},${rec.qualifier ?? ''},长三角修订数据\n`;
    await ingestFiles({ records: s.records, reference: s.reference }, [
      { name: 'regional-revision.csv', bytes: new TextEncoder().encode(csv) },
    ]);

    const view = await get(`/console/issues/${issue.id}/correct`);
    expect(view).toContain('该刊无需审核');
    expect(view).toContain('生成并发布修订版');
    const done = await post(`/console/issues/${issue.id}/correct`, { kind: '修订' });
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/console/issues/${issue.id}?done=corrected`);
    expect(await get(done.location!)).toContain('修订版已发布：该刊无需审核');
    expect((await lifecycle.catalog.issueByTotal('regional-report', issue.total))?.edition).toBe(2);
  }, 120_000);
});
