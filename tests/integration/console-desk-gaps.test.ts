/**
 * What a newcomer found missing on the editor's desk, over HTTP against the local server on the
 * embedded stores: the banner after 确认定时发布 names the Beijing time of the release; a run
 * retried says so and offers no second retry; the pre-release access record lists each reader
 * once (a reload is no new reading); a release whose process died shows as 发布中断 once its
 * lease ran out, and is resumed from the console.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '#local/server.ts';
import { addAccount, noteDraftAccess, READING_GAP_MS } from '../../functions/app/desk.ts';
import {
  discardDraft,
  releaseDraft,
  triggerReport,
  type LifecycleDeps,
} from '../../functions/app/lifecycle.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import { seedRealData, startTestStores, type TestStores } from '#tests/support/stores.ts';
import { createTinyRenderer, type TinyRenderer } from '#tests/support/tiny-renderer.ts';
import { consoleClient, type ConsoleClient } from '#tests/support/console.ts';

const EDITOR = { name: '王编辑', password: 'editor-pass-123' };
const REVIEWER = { name: '李审阅', password: 'reviewer-pass-123' };

describe('the editor’s desk, gaps a newcomer found', () => {
  let stores: TestStores;
  let server: LocalServer;
  let renderer: TinyRenderer;
  let cycle: LifecycleDeps;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'desk-gaps-'));
    renderer = createTinyRenderer();
    stores = await startTestStores({ renderer });
    await seedRealData(stores.services);
    server = await startLocalServer({
      services: stores.services,
      loadData: false,
      outboxDir: join(dir, 'outbox'),
      workDir: join(dir, 'work'),
      token: 'desk-gaps-token',
    });
    cycle = lifecycleDepsOf(server.publishDeps);
    await addAccount(stores.services.desk, { ...EDITOR, role: 'editor', by: 'test' });
    await addAccount(stores.services.desk, { ...REVIEWER, role: 'reviewer', by: 'test' });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await stores?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const signIn = async (who = EDITOR): Promise<ConsoleClient> => {
    const client = consoleClient(server.url);
    expect((await client.login(who.name, who.password)).status).toBe(303);
    return client;
  };
  const draftOf = async (slotKey: string) =>
    (
      await triggerReport(
        cycle,
        { kind: 'torch-bulletin' },
        { slotKey, trigger: 'test', force: true },
      )
    ).draft!;

  it('says after 确认定时发布 the Beijing time the draft will be published', async () => {
    const draft = await draftOf('gaps-embargo');
    const editor = await signIn();
    await editor.get(`/console/drafts/${draft.id}`);
    // Tomorrow at 09:30 Beijing time.
    const day = new Date(Date.now() + 8 * 3600_000 + 86_400_000).toISOString().slice(0, 10);
    const posted = await editor.post(`/console/drafts/${draft.id}/release`, {
      when: 'at',
      date: day,
      time: '09:30',
    });
    expect(posted.status).toBe(303);
    const page = await editor.get(posted.location!);
    const banner = /<div class="banner"[\s\S]*?<\/div>/.exec(page.html)?.[0] ?? '';
    expect(banner).toContain('已定时发布');
    expect(banner).toContain(`将于 ${day} 09:30 北京时间 自动发布`);
    await discardDraft(cycle, draft.id, { by: 'test', reason: 'test' });
  });

  it('shows a failed run retried with a link to its retry, and offers no second retry', async () => {
    renderer.failNextOf = { path: /regional-report/, error: new Error('注入的故障：渲染进程退出') };
    const failed = await triggerReport(
      cycle,
      { kind: 'regional-report', region: '长三角' },
      { slotKey: 'gaps-retry', trigger: 'test' },
    ).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(Error);
    const [run] = (await cycle.catalog.listRuns({ limit: 20 })).filter(
      (r) => r.slotKey === 'gaps-retry',
    );
    expect(run?.outcome).toBe('failed');
    const editor = await signIn();
    const rowOf = (html: string, id: string) =>
      new RegExp(`<tr class="run" data-run="${id}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
    const before = await editor.get('/console/runs');
    expect(rowOf(before.html, run!.runId)).toContain('class="secondary retry"');

    const retried = await editor.post(`/console/runs/${run!.runId}/retry`, {});
    expect(retried.status).toBe(303);
    const after = await editor.get(retried.location!);
    const retry = (await cycle.catalog.listRuns({ limit: 20 })).find(
      (r) => r.trigger === `重试 ${run!.runId}`,
    )!;
    expect(retry.outcome).toBe('released');
    const old = rowOf(after.html, run!.runId);
    expect(old).not.toContain('class="secondary retry"');
    expect(old).toContain(`已重试：见 <a href="#run-${retry.runId}">`);
    expect(rowOf(after.html, retry.runId)).toContain(`href="#run-${run!.runId}"`);
    // The old button, posted from a page left open: refused, nothing run again.
    const again = await editor.post(`/console/runs/${run!.runId}/retry`, {});
    expect(again.status).toBe(409);
    expect(again.html).toContain(`运行 ${retry.runId}`);
    expect(
      (await cycle.catalog.listRuns({ limit: 20 })).filter((r) => r.slotKey === 'gaps-retry'),
    ).toHaveLength(2);
  });

  it('lists each reader of a draft once, first and last time in Beijing time; a reload is no new reading', async () => {
    const draft = await draftOf('gaps-access');
    const editor = await signIn();
    const reviewer = await signIn(REVIEWER);
    for (let i = 0; i < 3; i++) await editor.get(`/console/drafts/${draft.id}`);
    expect((await editor.get(`/console/drafts/${draft.id}/pdf`)).status).toBe(200);
    await reviewer.get(`/console/drafts/${draft.id}/web`);
    const page = await editor.get(`/console/drafts/${draft.id}`);
    const rows = [...page.html.matchAll(/<tr><td class="access-who">[\s\S]*?<\/tr>/g)].map((m) =>
      m[0].replace(/<[^>]+>/g, '|').replace(/\|+/g, '|'),
    );
    const when = '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} 北京时间';
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.includes('王编辑'))).toMatch(
      new RegExp(`^\\|王编辑\\|${when}\\|${when}\\|1\\|$`),
    );
    expect(rows.find((r) => r.includes('李审阅'))).toMatch(/\|1\|$/);
    const access = await stores.services.desk.accessOf(draft.id);
    expect(access.map((a) => [a.who, a.count]).sort()).toEqual([
      ['李审阅', 1],
      ['王编辑', 1],
    ]);
    // Half an hour later, a new reading.
    const [first] = access.filter((a) => a.who === '王编辑');
    await noteDraftAccess(
      stores.services.desk,
      draft.id,
      '王编辑',
      new Date(Date.parse(first!.lastAt) + READING_GAP_MS + 1000),
    );
    const later = (await stores.services.desk.accessOf(draft.id)).find((a) => a.who === '王编辑')!;
    expect([later.count, later.firstAt]).toEqual([2, first!.firstAt]);
    await discardDraft(cycle, draft.id, { by: 'test', reason: 'test' });
  });

  it('shows a release whose process died as 发布中断 once its lease ran out, and resumes it', async () => {
    const editor = await signIn();
    // The process releasing it "dies" inside its render: the render never returns.
    const render = renderer.renderPdf;
    let died = false;
    renderer.renderPdf = () => {
      died = true;
      return new Promise(() => undefined);
    };
    // Another process: its own catalog object (a process's releases queue for their numbers).
    void triggerReport(
      { ...cycle, catalog: { ...cycle.catalog }, leaseMs: 3000 },
      { kind: 'regional-report', region: '长三角' },
      { slotKey: 'gaps-interrupt', trigger: 'cli', force: true },
    ).catch(() => undefined);
    while (!died) await new Promise((r) => setTimeout(r, 50));
    renderer.renderPdf = render;
    const held = (await cycle.catalog.openDrafts()).find((d) => d.slotKey === 'gaps-interrupt')!;
    expect(held.status).toBe('releasing');
    // While its lease runs: under way, nothing to press.
    const running = await editor.get(`/console/drafts/${held.id}`);
    expect(running.html).toContain('id="release-running"');
    expect(running.html).not.toContain('id="resume"');
    const [cut] = (await cycle.catalog.listRuns({ limit: 20 })).filter(
      (r) => r.slotKey === 'gaps-interrupt',
    );
    const runRow = async () =>
      new RegExp(`<tr class="run" data-run="${cut!.runId}"[\\s\\S]*?</tr>`).exec(
        (await editor.get('/console/runs')).html,
      )?.[0];
    expect(await runRow()).toContain('class="hint running-lease"');
    while (Date.now() <= held.leaseUntil!) await new Promise((r) => setTimeout(r, 100));

    const list = await editor.get('/console/drafts');
    const row = new RegExp(`href="/console/drafts/${held.id}"[\\s\\S]*?</tr>`).exec(list.html)?.[0];
    expect(row).toContain('发布中断');
    expect(row).toContain('未打印样稿');
    // 运行记录 says what became of it and links its draft.
    const cutRow = await runRow();
    expect(cutRow).toContain('运行它的进程已退出');
    expect(cutRow).toContain(`href="/console/drafts/${held.id}"`);
    const page = await editor.get(`/console/drafts/${held.id}`);
    expect(page.html).toContain('id="release-interrupted"');
    expect(page.html).toMatch(/<dt>页数<\/dt><dd>未打印样稿/);
    expect(page.html).toContain('id="resume"');

    const resumed = await editor.post(`/console/drafts/${held.id}/resume`, {});
    expect(resumed.status).toBe(303);
    const draft = await cycle.catalog.getDraft(held.id);
    expect(draft?.status).toBe('published');
    expect(resumed.location).toBe(`/console/drafts?issue=${draft!.issueId}&done=released`);
    const issue = (await cycle.catalog.allIssues(draft!.series)).find(
      (i) => i.id === draft!.issueId,
    );
    expect([issue?.status, issue?.draftId]).toEqual(['published', held.id]);
    // Resumed through its run: 运行记录 shows the interrupted run retried.
    const runs = await cycle.catalog.listRuns({ limit: 20 });
    const first = runs.find((r) => r.slotKey === 'gaps-interrupt' && r.trigger === 'cli')!;
    expect(runs.find((r) => r.trigger === `重试 ${first.runId}`)?.outcome).toBe('released');
    const retriedRow = await runRow();
    expect(retriedRow).toContain('已重试：见');
    expect(retriedRow).not.toContain('重试从中断处继续');
    expect(
      (await stores.services.desk.records({ target: held.id })).map((r) => [r.who, r.action]),
    ).toEqual([['王编辑', 'release']]);
  });

  it('says where the draft prints each changed figure: its page and the article', async () => {
    const first = await draftOf('gaps-places-0');
    const earlier = await releaseDraft(cycle, first.id, { by: '王编辑' });
    const csv = `zone,indicator,period,value,unit,yoy,share,qualifier,source\nnational-htz,gdp,${earlier.period},19.4,万亿元,7.6,14.3,突破,工业和信息化部修订数据\n`;
    await ingestFiles({ records: stores.services.records, reference: stores.services.reference }, [
      { name: 'revision.csv', bytes: new TextEncoder().encode(csv) },
    ]);
    const draft = await draftOf('gaps-places-1');
    const editor = await signIn();
    const page = await editor.get(`/console/drafts/${draft.id}`);
    const rows = [
      ...(
        /<table class="list stack" id="changes">[\s\S]*?<\/table>/.exec(page.html)?.[0] ?? ''
      ).matchAll(
        /<tr><td>([\s\S]*?)<\/td><td data-label="印于（本稿）" class="printed-at">([\s\S]*?)<\/td>/g,
      ),
    ].map((m) => [m[1]!.replace(/<[^>]+>/g, ' '), m[2]!.replace(/<br>/g, ' / ')]);
    const gdp = rows.find(([figure]) => figure!.includes(`园区生产总值 · ${earlier.period}`));
    // Not the figure's name again: the page (the test renderer prints one) and the articles.
    expect(gdp?.[1]).toMatch(/^第 1 页 《/);
    expect(gdp?.[1]).toContain('第 1 页 《2024年国家高新区主要经济指标发布》');
    expect(gdp?.[1]).not.toContain('国家高新区 · 园区生产总值');
    // 勘误 lists the released issue with the pages that print the revised figure.
    const queue = await editor.get('/console/corrections');
    expect(queue.html).toMatch(
      new RegExp(
        `id="correction-${earlier.id}"[\\s\\S]*?<td>国家高新区 · 园区生产总值 · ${earlier.period}<br><span class="hint">印于第 1 页</span>`,
      ),
    );
  });
});
