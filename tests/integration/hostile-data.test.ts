/**
 * Hostile data end to end: HTML, script, Handlebars and Markdown syntax inside records' sources,
 * articles and zone names is printed as text; references to external URLs never reach the network
 * (a loopback server counts every TCP connection); path traversal in ids, keys, series and kinds
 * is refused; presigned download URLs expire.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import zones from '../../data/zones.json' with { type: 'json' };
import indicators from '../../data/indicators.json' with { type: 'json' };
import torchBulletin from '../../data/series/torch-bulletin.json' with { type: 'json' };
import { assertSafeKey } from '#adapters/s3/archive.ts';
import { parseIssueId } from '#adapters/dynamodb/issue-catalog.ts';
import {
  createChromiumRenderer,
  RenderPageError,
  type ChromiumRenderer,
} from '#adapters/print/renderer.ts';
import { buildReference } from '#core/reference.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { publishReport, type PublishDeps } from '../../functions/app/publish.ts';
import type { Issue } from '../../functions/core/model.ts';
import { loadTemplate } from '../../functions/app/templates.ts';
import { pdfText } from '#tests/support/pdf.ts';
import { publishDeps, startTestStores, type TestStores } from '#tests/support/stores.ts';

const ZONE_NAME = '东湖<script>alert("zone")</script>{{masthead.seriesTitle}}';

/** A bulletin triggered and released at once, with the HTML it was printed from. */
async function publishBulletin(
  deps: PublishDeps,
  req: { slotKey: string; period: string; series?: string },
): Promise<{ issue: Issue; htmlPath?: string }> {
  const result = await publishReport(deps, {
    kind: 'torch-bulletin',
    ...req,
    releaseNow: { by: 'test' },
  });
  if (!result.issue) throw new Error(result.message);
  return {
    issue: result.issue,
    ...(result.rendered?.htmlPath ? { htmlPath: result.rendered.htmlPath } : {}),
  };
}

describe('hostile data and access', () => {
  const savedTmpdir = process.env['TMPDIR'];
  let stores: TestStores;
  let chromium: ChromiumRenderer;
  let tmp: string;
  let spy: Server;
  let origin: string;
  /** TCP connections and requests that reached the spy server. */
  const reached = { connections: 0, requests: [] as string[] };
  let result: { issue: Issue; htmlPath?: string };
  let html: string;
  let text: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'hostile-'));
    process.env['TMPDIR'] = tmp; // Chromium's own unpack folder (see pdf-renderer.test.ts)
    chromium = createChromiumRenderer();
    spy = createServer((req, res) => {
      reached.requests.push(req.url ?? '');
      res.end('leak');
    });
    spy.on('connection', () => (reached.connections += 1));
    spy.on('upgrade', (req, socket) => {
      reached.requests.push(`upgrade ${req.url}`);
      socket.destroy();
    });
    await new Promise<void>((r) => spy.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(spy.address() as AddressInfo).port}`;
    stores = await startTestStores({ renderer: chromium });

    // Prepare: a zone whose short name is markup, sources and articles full of markup and URLs.
    const hostileZones = zones.map((z) =>
      z.id === 'wuhan-donghu' ? { ...z, shortName: ZONE_NAME } : z,
    );
    const reference = buildReference({ zones: hostileZones, indicators, series: [torchBulletin] });
    const source = (tag: string) =>
      `"<img src=${origin}/${tag}.png onerror=alert(1)>{{#each this}}x{{/each}}<b>${tag}</b>"`;
    const csv = [
      'zone,indicator,period,value,unit,yoy,share,source',
      `national-htz,gdp,2024,19.3,万亿元,7.6,14.3,${source('national')}`,
      `national-htz,gdp,2023,17.9,万亿元,,,<iframe src=${origin}/frame></iframe>`,
      `wuhan-donghu,gdp,2024,3000,亿元,5.1,,"<link rel=stylesheet href=${origin}/s.css>"`,
    ].join('\n');
    const article = (id: string, title: string, body: string) => ({
      id,
      series: 'torch-bulletin',
      period: '2024',
      section: '研究报告',
      subtitle: null,
      title,
      byline: '<i>编辑部</i>{{@root.masthead.issueLine}}',
      body,
    });
    const articles = [
      article(
        'markup-title',
        '<script>document.title="x"</script>标题{{masthead.seriesTitle}}',
        '正文。',
      ),
      article(
        'external-refs',
        '外部引用',
        [
          `图片：![外图](${origin}/md-image.png)`,
          `链接：[外链](${origin}/md-link) 与 <${origin}/autolink>`,
          `<img src="${origin}/raw-img.png"><iframe src="${origin}/raw-iframe"></iframe>`,
          `<style>body{background:url(${origin}/css-bg.png)}@import url(${origin}/imp.css);</style>`,
          `<div style="background-image:url('${origin}/inline-css.png')">内联样式</div>`,
          '{{#with masthead}}{{seriesTitle}}{{/with}} 与 {{{masthead}}}',
        ].join('\n\n'),
      ),
    ];
    await ingestFiles({ records: stores.services.records, reference }, [
      { name: 'hostile.csv', bytes: new TextEncoder().encode(csv) },
      { name: 'hostile-articles.json', bytes: new TextEncoder().encode(JSON.stringify(articles)) },
    ]);

    // Act: publish it with the real Chromium (released at once: an editor's --release).
    result = await publishBulletin(
      { ...publishDeps(stores.services, chromium, join(tmp, 'work')), reference },
      { slotKey: 'hostile', period: '2024' },
    );
    html = await readFile(result.htmlPath!, 'utf8');
    const pdf = await stores.services.archive.get(result.issue.s3Key!);
    text = (await pdfText(pdf!)).join('').replace(/\s+/g, '');
  });

  afterAll(async () => {
    await stores?.stop();
    await chromium?.close();
    await new Promise((r) => spy?.close(r));
    if (savedTmpdir === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = savedTmpdir;
    await rm(tmp, { recursive: true, force: true });
  });

  it('publishes, and the printing page made no request at all', () => {
    expect(result.issue.status).toBe('published');
    expect(reached).toEqual({ connections: 0, requests: [] });
  });

  it('escapes markup from records, articles and zone names in the HTML', () => {
    // No element, attribute or style built from the data …
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<iframe/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<link rel=stylesheet href=http/i);
    expect(html).not.toMatch(/<style>body\{background/);
    expect(html).not.toMatch(/<div style=/);
    expect(html).not.toMatch(new RegExp(`(src|href)=["']?${origin}`));
    expect(html).not.toMatch(/<a [^>]*href="http/);
    // … but the same text, escaped.
    expect(html).toContain('&lt;script&gt;alert(&quot;zone&quot;)&lt;/script&gt;');
    expect(html).toContain(`&lt;img src&#x3D;${origin}/national.png onerror&#x3D;alert(1)&gt;`);
    expect(html).toContain('&lt;b&gt;national&lt;/b&gt;');
  });

  it('prints the markup, Handlebars and Markdown syntax as text in the PDF', () => {
    const printed = (s: string) => expect(text).toContain(s.replace(/\s+/g, ''));
    printed('东湖<script>alert("zone")</script>{{masthead.seriesTitle}}');
    printed('<b>national</b>');
    printed('{{#each this}}x{{/each}}');
    printed('<script>document.title="x"</script>标题{{masthead.seriesTitle}}');
    printed(`![外图](${origin}/md-image.png)`);
    printed(`[外链](${origin}/md-link)`);
    printed(`<img src="${origin}/raw-img.png">`);
    printed('{{#with masthead}}{{seriesTitle}}{{/with}}');
    printed('<i>编辑部</i>{{@root.masthead.issueLine}}');
  });

  it('blocks and names every external reference that does reach a page', async () => {
    // Prepare: what a broken template could let through: every way a page loads something.
    const htmlPath = join(tmp, 'leaky.html');
    await writeFile(
      htmlPath,
      `<!doctype html><html><head><meta charset="utf-8"><title>外链</title>
<link rel="stylesheet" href="${origin}/link.css"><link rel="prefetch" href="${origin}/prefetch">
<style>@import url(${origin}/import.css);@font-face{font-family:X;src:url(${origin}/font.woff2)}
body{font-family:X;background:url(${origin}/bg.png)}</style>
<script src="${origin}/script.js"></script></head><body>
<img src="${origin}/img.png"><img srcset="${origin}/srcset.png 2x"><iframe src="${origin}/iframe"></iframe>
<video poster="${origin}/poster.png"></video><object data="${origin}/object"></object>
<script>fetch('${origin}/fetch').catch(()=>{});navigator.sendBeacon('${origin}/beacon','x');
try{new EventSource('${origin}/sse')}catch(e){}try{new WebSocket('${origin.replace('http', 'ws')}/ws')}catch(e){}</script>
</body></html>`,
    );

    // Act
    const error = await chromium
      .renderPdf({ htmlPath, allowedRoots: [tmp], timeoutMs: 20_000 })
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300)); // anything late would arrive now

    // Assess
    expect(error).toBeInstanceOf(RenderPageError);
    const blocked = (error as RenderPageError).blockedUrls;
    for (const path of ['link.css', 'img.png', 'iframe', 'script.js', 'fetch'])
      expect(blocked).toContain(`${origin}/${path}`);
    // Named when the page opens it, whenever its connection fails (not a console line that
    // may come after the load).
    const ws = `${origin.replace('http', 'ws')}/ws`;
    expect(blocked).toContain(ws);
    expect((error as RenderPageError).message).toContain(`已拦截 WebSocket 连接 ${ws}`);
    expect(reached).toEqual({ connections: 0, requests: [] });
  });

  it('refuses path traversal in issue ids, object keys, series and report kinds', async () => {
    for (const id of ['../torch-bulletin-551', 'torch-bulletin-551/../../x', '..%2F551', 'a/b-1'])
      expect(parseIssueId(id), id).toBeUndefined();
    expect(await stores.services.catalog.get('../../etc/passwd-1')).toBeUndefined();
    for (const key of [
      '../secret.pdf',
      'issues/../../x.pdf',
      '/etc/passwd',
      'issues//x.pdf',
      'Issues/X.pdf',
      'issues/%2e%2e/x',
    ])
      expect(() => assertSafeKey(key), key).toThrow(/拒绝不安全的对象键/);
    await expect(stores.services.archive.get('../outside.pdf')).rejects.toThrow(/不安全的对象键/);
    await expect(
      stores.services.archive.presignDownload('issues/../../x.pdf', {
        fileName: 'x.pdf',
        ttlSeconds: 60,
      }),
    ).rejects.toThrow(/不安全的对象键/);
    await expect(
      publishBulletin(publishDeps(stores.services, chromium, join(tmp, 'work')), {
        slotKey: 'traversal',
        series: '../../etc',
        period: '2024',
      }),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      problems: [expect.objectContaining({ field: 'series' })],
    });
    await expect(loadTemplate('../../etc/passwd')).rejects.toThrow(/unknown template/);
    expect(result.issue.s3Key).toMatch(
      /^issues\/torch-bulletin\/\d{4}\/torch-bulletin-\d+-[0-9a-f]{16}\.pdf$/,
    );
  });

  it('presigned download URLs work at once and expire', async () => {
    // Prepare
    const key = result.issue.s3Key!;
    // X-Amz-Date has whole seconds: a URL signed at 10.9 s with 1 s to live dies at 11 s. Three
    // seconds leave the first fetch at least two, and the second comes after all three.
    const short = await stores.services.archive.presignDownload(key, {
      fileName: 'a.pdf',
      ttlSeconds: 3,
    });
    const long = await stores.services.archive.presignDownload(key, {
      fileName: 'a.pdf',
      ttlSeconds: 86_400,
    });

    // Act
    const now = await fetch(short);
    await now.arrayBuffer();
    await new Promise((r) => setTimeout(r, 4_100));
    const later = await fetch(short);
    await later.arrayBuffer();

    // Assess
    expect(now.status).toBe(200);
    expect(later.status).toBe(403);
    expect(new URL(long).searchParams.get('X-Amz-Expires')).toBe('900'); // capped at 15 minutes
    expect(new URL(short).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });
});
