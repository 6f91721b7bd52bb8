/**
 * What readers see of revisions and withdrawals, over HTTP against the real API app on real
 * dynalite + s3rver: a 修订 then a 更正 of issue 551, each labelled with cause, effect and pages in
 * the PDF, the web edition (the same 勘误说明) and the feed; every earlier edition served by
 * `?edition=N`; every link the archive emits fetched (redirects followed to the bytes) and 2xx;
 * a withdrawn issue's address explaining itself (reason, date, replacement), its gap in the
 * archive and its feed entry; every HTML page with a Content-Security-Policy and frame-ancestors.
 */
import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  correctIssue,
  releaseDraft,
  withdrawIssue,
  type LifecycleDeps,
} from '../../functions/app/lifecycle.ts';
import type { Issue } from '../../functions/core/model.ts';
import { startReaderSite, type ReaderSite } from '#tests/support/reader-site.ts';
import type { TinyRenderer } from '#tests/support/tiny-renderer.ts';

/** The 勘误说明 section of a page, as printed. */
const erratumOf = (html: string) => /<section class="erratum"[\s\S]*?<\/section>/.exec(html)?.[0];

/** Every href and src of a page (anchors, images, the feed link), absolute. */
function linksOf(html: string, base: string): string[] {
  const out = new Set<string>();
  for (const m of html.matchAll(/\s(?:href|src)="([^"#][^"]*)"/g))
    out.add(new URL(m[1]!.replaceAll('&amp;', '&').replaceAll('&#x3D;', '='), base).href);
  return [...out];
}

describe('revisions and withdrawals as readers see them', () => {
  let site: ReaderSite;
  let deps: LifecycleDeps;
  let renderer: TinyRenderer;
  let url = '';
  let issue: Issue;
  let withdrawn: Issue;

  beforeAll(async () => {
    // As the servers wire it: the archive links the release calendar.
    site = await startReaderSite({ calendar: true });
    ({ deps, url, renderer } = site);
    const { release, reviseGdp, tick } = site;

    // 551, then a 修订 (a source revised GDP) and a 更正 (we printed it wrong), then 552 and 553;
    // 552 is withdrawn, replaced by 553.
    issue = await release();
    await reviseGdp(issue.period!, 123.4, '国家统计局修订公报（测试）');
    const revision = await correctIssue(deps, issue.id, { by: 'editor', pages: [1] });
    tick();
    await releaseDraft(deps, revision.draft!.id, { by: 'editor' });
    await reviseGdp(issue.period!, -20, '编辑部核对原始公报');
    await expect(correctIssue(deps, issue.id, { by: 'editor', kind: '更正' })).rejects.toThrow(
      /更正须说明原因/,
    );
    const correction = await correctIssue(deps, issue.id, {
      by: 'editor',
      kind: '更正',
      cause: '排版时误录了国家高新区地区生产总值',
      pages: [1, 2],
    });
    tick();
    issue = await releaseDraft(deps, correction.draft!.id, { by: 'editor' });
    const second = await release();
    const third = await release();
    tick();
    withdrawn = await withdrawIssue(deps, second.id, {
      by: 'editor',
      reason: '本期误用了未经审核的季度数据',
      replacedBy: third.id,
    });
  }, 240_000);

  afterAll(async () => {
    await site?.stop();
  });

  it('labels each corrected edition 修订 or 更正 with cause, effect and pages, in the PDF', () => {
    expect(issue.editions!.map((e) => [e.edition, e.label?.kind])).toEqual([
      [1, undefined],
      [2, '修订'],
      [3, '更正'],
    ]);
    expect(issue.editions![1]!.label).toMatchObject({
      cause: '国家统计局修订公报（测试）修订了本期所载数据',
      pages: [1],
    });
    expect(issue.editions![2]!.label).toMatchObject({
      cause: '排版时误录了国家高新区地区生产总值',
      effect: '1项数据：国家高新区 · 园区生产总值 · 2024',
      pages: [1, 2],
    });
    const printed = erratumOf(renderer.htmls.findLast((h) => h.includes('第2次更正版'))!)!;
    expect(printed).toContain('勘误说明（第2次更正版）');
    expect(printed).toContain('更正（本刊刊印有误）');
    expect(printed).toContain('排版时误录了国家高新区地区生产总值');
    expect(printed).toContain('第1、2页');
  });

  it('shows the same 勘误说明 in the web edition as in the PDF, with the earlier editions', async () => {
    const res = await fetch(`${url}/bulletins/${issue.id}/web`);
    expect(res.status).toBe(200);
    const web = await res.text();
    const printed = renderer.htmls.findLast((h) => h.includes('第2次更正版'))!;
    expect(erratumOf(web)).toBeDefined();
    expect(erratumOf(web)).toBe(erratumOf(printed));
    expect(linksOf(web, url)).toEqual(
      expect.arrayContaining([
        `${url}/bulletins/${issue.id}/download?edition=1`,
        `${url}/bulletins/${issue.id}/download?edition=2`,
      ]),
    );
  });

  it('serves every edition by ?edition=N, fetched to its bytes', async () => {
    for (const e of issue.editions!) {
      const res = await fetch(`${url}/bulletins/${issue.id}/download?edition=${e.edition}`);
      expect(res.status, `edition ${e.edition}`).toBe(200);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(e.sha256);
    }
    expect((await fetch(`${url}/bulletins/${issue.id}/download?edition=9`)).status).toBe(404);
    expect((await fetch(`${url}/bulletins/${issue.id}/download?edition=x`)).status).toBe(400);
    expect((await fetch(`${url}/bulletins/${issue.id}/download?other=1`)).status).toBe(400);
  });

  it("a browser gets the issue's page: every edition with its label, cause, effect, pages and changes", async () => {
    const res = await fetch(`${url}/bulletins/${issue.id}`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('第2次更正版');
    expect(page).toContain('<dt>原因</dt><dd>排版时误录了国家高新区地区生产总值</dd>');
    expect(page).toContain('<dt>原因</dt><dd>国家统计局修订公报（测试）修订了本期所载数据</dd>');
    expect(page).toContain('第1、2页');
    expect(page).toMatch(/园区生产总值 · 2024：193123\.4亿元 → 193103\.4亿元/);
    for (const n of [1, 2, 3])
      expect(linksOf(page, url)).toContain(`${url}/bulletins/${issue.id}/download?edition=${n}`);
    // A client without text/html still gets JSON, each change old → new as a number and as
    // printed (a planted swap of the JSON's numbers passed every test); a withdrawn issue's page
    // is its 撤回说明.
    const json = (await (await fetch(`${url}/bulletins/${issue.id}`)).json()) as {
      id: string;
      editions: { edition: number; corrections?: Record<string, unknown>[] }[];
    };
    expect(json.id).toBe(issue.id);
    expect(json.editions.find((e) => e.edition === 3)!.corrections).toEqual([
      expect.objectContaining({
        oldValue: 193123.4,
        newValue: 193103.4,
        old: '193123.4亿元',
        new: '193103.4亿元',
      }),
    ]);
    const gone = await fetch(`${url}/bulletins/${withdrawn.id}`, {
      headers: { accept: 'text/html' },
    });
    expect(await gone.text()).toContain('本期误用了未经审核的季度数据');
    // Its JSON offers nothing to read or download: no file, no web edition, no download link.
    const goneJson = (await (await fetch(`${url}/bulletins/${withdrawn.id}`)).json()) as {
      links: Record<string, string>;
      webUrl?: string;
      sha256?: string;
    };
    expect(goneJson.links.download).toBeUndefined();
    expect(goneJson.webUrl).toBeUndefined();
    expect(goneJson.sha256).toBeUndefined();
  });

  it('every link the archive and the web editions emit answers 2xx, editions included', async () => {
    const archive = await (await fetch(`${url}/series/torch-bulletin`)).text();
    const links = linksOf(archive, url);
    expect(links).toContain(`${url}/bulletins/${issue.id}/download?edition=1`);
    expect(links).toContain(`${url}/bulletins/${issue.id}/download?edition=2`);
    expect(links).toContain(`${url}/bulletins/${withdrawn.id}/web`);
    const web = await (await fetch(`${url}/bulletins/${issue.id}/web`)).text();
    const page = await (
      await fetch(`${url}/bulletins/${issue.id}`, { headers: { accept: 'text/html' } })
    ).text();
    const all = [...new Set([...links, ...linksOf(web, url), ...linksOf(page, url)])].filter((l) =>
      l.startsWith(url),
    );
    const failed: string[] = [];
    for (const link of all) {
      const res = await fetch(link);
      await res.arrayBuffer();
      if (res.status < 200 || res.status > 299) failed.push(`${res.status} ${link}`);
    }
    expect(failed).toEqual([]);
    expect(all.length).toBeGreaterThan(15);
  });

  it('a withdrawn issue keeps its address and explains itself: reason, date, replacement', async () => {
    const res = await fetch(`${url}/bulletins/${withdrawn.id}/web`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('撤回说明');
    expect(page).toContain('本期误用了未经审核的季度数据');
    expect(page).toContain('2026年12月6日');
    const replacedBy = withdrawn.withdrawn!.replacedBy!;
    expect(page).toContain(`href="/bulletins/${replacedBy}/web"`);
    expect(page).toMatch(/总第553期/);
    // The PDF is gone: 410 with the same note for a browser, JSON for a client.
    const pdf = await fetch(`${url}/bulletins/${withdrawn.id}/download`, {
      headers: { accept: 'text/html' },
    });
    expect(pdf.status).toBe(410);
    expect(await pdf.text()).toContain('本期误用了未经审核的季度数据');
    const json = await fetch(`${url}/bulletins/${withdrawn.id}/download`);
    expect(json.status).toBe(410);
    expect(await json.json()).toMatchObject({
      withdrawal: { reason: '本期误用了未经审核的季度数据', replacedBy: { id: replacedBy } },
    });
  });

  it('the archive shows the gap with the note; the feed carries the withdrawal and the corrections', async () => {
    const archive = await (await fetch(`${url}/series/torch-bulletin`)).text();
    const gap = /<li class="issue no-cover withdrawn">[\s\S]*?<\/li>/.exec(archive)?.[0];
    expect(gap).toContain('总第552期');
    expect(gap).toContain('已撤回');
    expect(gap).toContain('撤回原因：本期误用了未经审核的季度数据');
    expect(gap).toContain('总第553期');
    expect(gap).not.toContain('/download');
    expect(archive).toContain('共2期（另有1期已撤回）');

    const xml = await (await fetch(`${url}/feeds/torch-bulletin.atom`)).text();
    const feed = new XMLParser({ ignoreAttributes: false }).parse(xml) as {
      feed: { entry: { id: string; title: string; updated: string; summary: string }[] };
    };
    const entry = (id: string) => feed.feed.entry.find((e) => e.id.endsWith(`/bulletins/${id}`))!;
    const gone = entry(withdrawn.id);
    expect(gone.title).toContain('（已撤回）');
    expect(gone.updated).toBe(withdrawn.withdrawn!.at);
    expect(gone.summary).toContain('撤回原因：本期误用了未经审核的季度数据');
    expect(gone.summary).toContain('总第553期');
    const corrected = entry(issue.id);
    expect(corrected.title).toContain('第2次更正版');
    expect(corrected.updated).toBe(issue.editions![2]!.releasedAt);
    // Each corrected edition with its label, cause and changes, newest first.
    expect(corrected.summary).toContain(
      '第2次更正版：更正原因：排版时误录了国家高新区地区生产总值；影响：1项数据：国家高新区 · 园区生产总值 · 2024（原刊第1、2页）；国家高新区 · 园区生产总值 · 2024由193123.4亿元更正为193103.4亿元。',
    );
    expect(corrected.summary).toMatch(
      /修订版：修订原因：国家统计局修订公报（测试）修订了本期所载数据；影响：[^。]*（原刊第1页）；国家高新区 · 园区生产总值 · 2024由突破19\.3万亿元更正为193123\.4亿元。/,
    );
    expect(corrected.summary.indexOf('第2次更正版：')).toBeLessThan(
      corrected.summary.indexOf('修订版：'),
    );
  });

  it('sends a Content-Security-Policy with frame-ancestors on every HTML page', async () => {
    const pages = [
      '/',
      '/series/torch-bulletin',
      '/search?q=%E9%AB%98%E6%96%B0',
      `/bulletins/${issue.id}/web`,
      `/bulletins/${withdrawn.id}/web`,
      '/series/no-such-series',
    ];
    for (const path of pages) {
      const res = await fetch(`${url}${path}`, { headers: { accept: 'text/html' } });
      await res.arrayBuffer();
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/);
    }
  });
});
