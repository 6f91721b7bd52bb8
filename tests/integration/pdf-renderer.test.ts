import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countPdfPages,
  createChromiumRenderer,
  RenderPageError,
  type ChromiumRenderer,
} from '#adapters/print/renderer.ts';
import { fontFamilies, fontFiles } from '#adapters/print/fonts.ts';
import {
  anchorPositions,
  chromiumDestinations,
  finishPdf,
  xmpPacket,
} from '#adapters/print/postprocess.ts';
import { RenderError } from '#errors';
import { pdfInfo, pdfPagePlaces, pdfText } from '#tests/support/pdf.ts';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream } from '@cantoo/pdf-lib';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'render');
const RADICALS = /[\u2E80-\u2FDF]/u;

/** PIDs of processes started from this test file's own Chromium binary. */
function chromiumProcesses(executable: string): { pid: number; args: string }[] {
  const out = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && !m[2]?.startsWith('Z'))
    .map((m) => ({ pid: Number(m[1]), args: m[3] as string }))
    .filter((p) => p.args.startsWith(executable));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Chromium PDF renderer', () => {
  const savedTmpdir = process.env['TMPDIR'];
  let tmp: string;
  let executable: string;
  let renderer: ChromiumRenderer;
  let server: Server;
  let serverHits: string[];
  let port: number;
  const logs: string[] = [];

  beforeAll(async () => {
    // Chromium unpacks into $TMPDIR/chromium and reuses any binary found there without a
    // version check: this file gets its own.
    tmp = await mkdtemp(join(tmpdir(), 'pdf-renderer-test-'));
    process.env['TMPDIR'] = tmp;
    executable = join(tmp, 'chromium');
    renderer = createChromiumRenderer({ log: (m) => logs.push(m) });
    serverHits = [];
    server = createServer((req, res) => {
      serverHits.push(req.url ?? '');
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await renderer?.close();
    await new Promise((r) => server?.close(r));
    if (savedTmpdir === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = savedTmpdir;
    await rm(tmp, { recursive: true, force: true });
  });

  const bulletin = {
    htmlPath: join(fixtures, 'bulletin.html'),
    allowedRoots: [fixtures],
  };

  it('prints Chinese with real embedded fonts, a footer, a title and an outline', async () => {
    // Prepare: the fixture has a title, bold headings, full-width punctuation, a table, 2 pages.
    // Act
    const result = await renderer.renderPdf(bulletin);

    // Assess
    const text = await pdfText(result.pdf);
    const info = await pdfInfo(result.pdf);
    expect(result.pages).toBe(2);
    expect(info.pages).toBe(2);
    expect(text).toHaveLength(2);
    expect(text[0]).toContain('国家高新区发展动态');
    expect(text[0]).toContain('“十四五”以来，高新区创新能力持续提升——研发投入强度达到7.1%。');
    expect(text[0]).toContain('营业收入 123,456.7 8.5');
    expect(text[0]).toContain('第1页 共2页');
    expect(text[1]).toContain('（见表1）');
    expect(text[1]).toContain('第2页 共2页');
    expect(text.join('')).not.toMatch(RADICALS); // 高 not ⾼, 页 not ⻚
    expect(info.title).toBe('火炬动态（测试样张）');
    expect(info.outline).toEqual(['国家高新区发展动态', '一、总体运行情况', '二、重点园区']);
    const names = info.fonts.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^[A-Z]{6}\+NotoSerifSC-Regular$/),
        expect.stringMatching(/^[A-Z]{6}\+NotoSerifSC-Bold$/),
        expect.stringMatching(/^[A-Z]{6}\+NotoSansSC-Bold$/),
      ]),
    );
    expect(info.fonts.filter((f) => f.type === 'Type3')).toEqual([]);
    expect(info.fonts.every((f) => f.embedded && f.subset)).toBe(true);
    expect(result.timings.loadMs).toBeGreaterThanOrEqual(0);
    expect(result.timings.pdfMs).toBeGreaterThan(0);
  });

  it('finishes the PDF in one update: Info, XMP and the attached files, as pdf-lib wrote them', async () => {
    // Prepare: two attachments, given out of name order (a name tree is sorted).
    const metadata = {
      title: '火炬动态（测试样张）(1)',
      author: '工业和信息化部火炬中心',
      subject: '测试',
      keywords: ['火炬', '高新区'],
      creator: 'Torch Bulletin',
    };
    const csv = new TextEncoder().encode('\uFEFF指标,值\n营业收入,123456.7\n');
    const attachments = [
      { name: 'z-data.csv', bytes: csv, mimeType: 'text/csv', description: '数据（每个刊印数字）' },
      { name: 'a-notes.txt', bytes: new Uint8Array([1, 2, 3]), mimeType: 'text/plain' },
    ];

    // Act
    const result = await renderer.renderPdf({ ...bulletin, metadata, attachments });

    // Assess: one incremental update after Chromium's bytes, read back by pdf-lib.
    const text = Buffer.from(result.pdf).toString('latin1');
    expect(text.match(/%%EOF/g)).toHaveLength(2);
    const doc = await PDFDocument.load(result.pdf, { updateMetadata: false });
    expect([doc.getTitle(), doc.getAuthor(), doc.getSubject(), doc.getCreator()]).toEqual([
      metadata.title,
      metadata.author,
      metadata.subject,
      metadata.creator,
    ]);
    expect(doc.getKeywords()).toBe('火炬 高新区');
    const created = doc.getCreationDate()!;
    const files = doc.getAttachments();
    expect(files.map((f) => f.name)).toEqual(['a-notes.txt', 'z-data.csv']);
    const data = files.find((f) => f.name === 'z-data.csv')!;
    expect(Buffer.from(data.data).equals(Buffer.from(csv))).toBe(true);
    expect([data.mimeType, data.afRelationship, data.description]).toEqual([
      'text/csv',
      'Data',
      '数据（每个刊印数字）',
    ]);
    expect(data.creationDate?.getTime()).toBe(created.getTime());
    expect(data.modificationDate?.getTime()).toBe(created.getTime());
    const af = doc.catalog.lookup(PDFName.of('AF'), PDFArray);
    expect(af.size()).toBe(2);
    // The XMP packet: the same facts as the Info dictionary, the language from <html lang>.
    const meta = doc.catalog.lookup(PDFName.of('Metadata')) as PDFRawStream;
    const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect(Buffer.from(meta.getContents()).toString('utf8')).toBe(
      xmpPacket({
        ...metadata,
        lang: 'zh-CN',
        producer: doc.getProducer()!,
        created: iso(created),
        modified: iso(doc.getModificationDate()!),
      }),
    );
    expect(doc.catalog.lookup(PDFName.of('MarkInfo'))).toBeInstanceOf(PDFDict); // Chromium's kept
    expect(chromiumDestinations(result.pdf)).toBeUndefined(); // a name tree now: pdf-lib reads it
    expect(await anchorPositions(result.pdf)).toBeInstanceOf(Map);

    // A PDF not as Chromium writes it (its catalog has /Metadata already) goes through pdf-lib.
    const again = await finishPdf(result.pdf, new Map(), metadata, attachments.slice(0, 1));
    const redone = await PDFDocument.load(again, { updateMetadata: false });
    expect(redone.getAttachments().map((f) => f.name)).toEqual([
      'a-notes.txt',
      'z-data.csv',
      'z-data.csv',
    ]);
    expect(redone.getTitle()).toBe(metadata.title);
  });

  it('counts pages like pdfjs and fills a custom footer template', async () => {
    // Prepare: 7 pages, page breaks forced.
    const htmlPath = join(tmp, 'long.html');
    const sections = Array.from(
      { length: 7 },
      (_, i) => `<h2 style="break-before:${i ? 'page' : 'auto'}">第${i + 1}节</h2><p>正文。</p>`,
    );
    await writeFile(
      htmlPath,
      `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>长文档</title>` +
        `<style>body{font-family:'${fontFamilies.serif}'}</style></head><body>${sections.join('')}</body></html>`,
    );

    // Act
    const result = await renderer.renderPdf({
      htmlPath,
      allowedRoots: [tmp],
      footer: { template: '火炬动态 <{page}/{total}>' },
    });

    // Assess
    expect(result.pages).toBe(7);
    expect(countPdfPages(result.pdf)).toBe((await pdfInfo(result.pdf)).pages);
    const text = await pdfText(result.pdf);
    expect(text[2]).toContain('第3节');
    expect(text[2]).toContain('火炬动态 <3/7>');
  });

  it('prints no footer when footer is false', async () => {
    const result = await renderer.renderPdf({ ...bulletin, footer: false });
    const text = await pdfText(result.pdf);
    expect(text[0]).toContain('国家高新区发展动态');
    expect(text.join('')).not.toContain('共2页');
  });

  /**
   * A document that breaks in every way the reports do: long paragraphs split across pages,
   * tables breaking between rows with repeated heads, blocks that must stay whole, headings
   * kept with what follows, and a contents whose links end in a fixed-width box printing `0`.
   */
  const contentsDocument = async (name: string, ids: string[], box = (_id: string) => '0') => {
    const para = (n: number) =>
      `<p>${'国家高新区园区生产总值同比增长，创新能力持续提升。'.repeat(n)}</p>`;
    const table = (rows: number) =>
      `<table><thead><tr><th>指标</th><th>数值</th></tr></thead><tbody>${Array.from(
        { length: rows },
        (_, i) => `<tr><th>第${i + 1}行</th><td>${i * 7}</td></tr>`,
      ).join('')}</tbody></table>`;
    const body = ids
      .map((id, i) => {
        const block =
          i % 4 === 0
            ? table(6 + ((i * 5) % 30))
            : i % 4 === 1
              ? `<div style="height:${60 + ((i * 37) % 200)}mm;break-inside:avoid;border:1px solid #999"></div>`
              : para(3 + ((i * 11) % 40));
        return `<h2 id="${id}" style="break-after:avoid">第${i + 1}节正文</h2>${block}`;
      })
      .join('\n');
    // Titles with digits of their own (第12节): the number is the text furthest right.
    const contents = ids
      .map(
        (id, i) =>
          `<a href="#${id}" style="display:flex"><span>第${i + 1}节</span><span style="flex:1"></span><span class="n" style="flex:0 0 2em;text-align:right">${box(id)}</span></a>`,
      )
      .join('');
    const htmlPath = join(tmp, `${name}.html`);
    await writeFile(
      htmlPath,
      `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 20mm 18mm 18mm 18mm; }
html { font-family: '${fontFamilies.serif}'; font-size: 10.5pt; line-height: 1.75; }
body { margin: 0; } h2 { font-family: '${fontFamilies.sans}'; margin: 4mm 0 2mm; }
table { border-collapse: collapse; width: 100%; } tr { break-inside: avoid; }
td, th { border: 0.6pt solid #999; } nav a { color: inherit; text-decoration: none; }
</style></head><body><nav>${contents}</nav>${body}<footer id="end">完</footer></body></html>`,
    );
    return htmlPath;
  };

  it('writes the contents page numbers into the printed PDF: the pages its destinations point at', async () => {
    const ids = Array.from({ length: 36 }, (_, i) => `s${i}`);
    const htmlPath = await contentsDocument('link-pages', ids);
    const result = await renderer.renderPdf({
      htmlPath,
      allowedRoots: [tmp],
      linkPages: { anchors: ids, fill: '.n', placeholder: '0' },
      cover: { width: 300 },
    });
    expect(result.pages).toBeGreaterThan(9);
    // The destinations as read from the bytes and by a PDF library agree …
    const fast = chromiumDestinations(result.pdf)!;
    const library = await anchorPositions(result.pdf);
    expect([...fast].map(([id, p]) => [id, p.page])).toEqual(
      [...library].map(([id, p]) => [id, p.page]),
    );
    // … and the number written for each entry is its destination's page (up to two digits) …
    expect(result.linkPages).toEqual({
      pages: Object.fromEntries(ids.map((id) => [id, library.get(id)!.page])),
    });
    expect(new Set(ids.map((id) => library.get(id)!.page)).size).toBeGreaterThan(5);
    // … the page where its heading is printed, as pdfjs extracts the text.
    const text = (await pdfText(result.pdf)).map((p) => p.replace(/\s+/g, ''));
    const contents = text.slice(0, 2).join('');
    for (const [i, id] of ids.entries()) {
      const page = library.get(id)!.page;
      const heading = text.findIndex((p) => p.includes(`第${i + 1}节正文`)) + 1;
      expect({ id, heading }).toEqual({ id, heading: page });
      expect(contents).toContain(`第${i + 1}节${page}`);
    }
    expect(contents).not.toMatch(/节0(?!\d)/);
    // The structure tags stay; the cover was made with the numbers.
    const raw = Buffer.from(result.pdf).toString('latin1');
    expect(raw).toContain('/StructTreeRoot');
    expect(result.cover?.png.byteLength).toBeGreaterThan(1000);
    // A cover made on its own (a released issue's first request) from the same HTML and the
    // numbers written is the same picture, to the byte; without the numbers it is not.
    const written = (result.linkPages as { pages: Record<string, number> }).pages;
    const alone = await renderer.renderCover({
      htmlPath,
      allowedRoots: [tmp],
      width: 300,
      fill: { selector: '.n', pages: written },
    });
    expect({ width: alone.width, height: alone.height }).toEqual({ width: 300, height: 424 });
    expect(Buffer.from(alone.png).equals(Buffer.from(result.cover!.png))).toBe(true);
    const unfilled = await renderer.renderCover({ htmlPath, allowedRoots: [tmp], width: 300 });
    expect(Buffer.from(unfilled.png).equals(Buffer.from(result.cover!.png))).toBe(false);
  });

  it('writes no number when a link lacks its placeholder, and says why', async () => {
    const ids = ['s0', 's1', 's2'];
    const htmlPath = await contentsDocument('link-pages-missing', ids, (id) =>
      id === 's1' ? '' : '0',
    );
    const result = await renderer.renderPdf({
      htmlPath,
      allowedRoots: [tmp],
      linkPages: { anchors: ids, fill: '.n', placeholder: '0' },
    });
    expect(result.linkPages).toMatchObject({ missed: expect.stringContaining('#s1') });
    // Printed as it was: the placeholders stand.
    expect((await pdfText(result.pdf))[0]!.replace(/\s+/g, '')).toContain('第1节0');
  });

  /**
   * A last page that a colophon opens (`lineOnLastPage`: after a line of text): written without
   * and with the class that puts it at the page's foot.
   */
  const colophonDocuments = async (name: string, lineOnLastPage: boolean) => {
    const html = (alone: boolean) =>
      `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 20mm 18mm 18mm 18mm; }
html { font-family: '${fontFamilies.serif}'; font-size: 10.5pt; line-height: 1.75; }
body { margin: 0; } p { margin: 0; }
.colophon { break-inside: avoid; margin-top: 8mm; border-top: 1.6pt solid #c00; }
.colophon.alone { height: 200mm; display: flex; flex-direction: column; justify-content: flex-end; margin-top: 0; }
.colophon a { color: inherit; text-decoration: none; }
</style></head><body><div style="height:${lineOnLastPage ? 257 : 248}mm;border:1px solid #999"></div>
<p>正文最后一行。</p>
<footer id="colophon" class="colophon${alone ? ' alone' : ''}"><p><a href="#colophon">编辑部</a></p><p>地址：北京市西城区</p><p>电话：(010)88656173</p></footer>
</body></html>`;
    const plain = join(tmp, `${name}.html`);
    const alone = join(tmp, `${name}-alone.html`);
    await writeFile(plain, html(false));
    await writeFile(alone, html(true));
    return { plain, alone };
  };

  it.each([
    ['opens the last page', false],
    ['follows a line on the last page', true],
  ])(
    'moves a colophon that %s to its foot in the printed PDF, as its class prints it',
    async (_, lineOnLastPage) => {
      const files = await colophonDocuments(`colophon-${lineOnLastPage}`, lineOnLastPage);
      const moved = await renderer.renderPdf({
        htmlPath: files.plain,
        allowedRoots: [tmp],
        footOfLastPage: { id: 'colophon', className: 'alone', withinPt: 90 },
      });
      const printed = await renderer.renderPdf({ htmlPath: files.alone, allowedRoots: [tmp] });
      expect(moved.footOfLastPage).toEqual({ moved: true });
      expect(moved.pages).toBe(2);
      expect(printed.pages).toBe(2);
      // Every line and link of the last page where the class prints them (the line above
      // stays), to a pixel (Chromium places text on whole pixels of its own).
      const at = await pdfPagePlaces(moved.pdf, 2);
      const want = await pdfPagePlaces(printed.pdf, 2);
      expect(at.text.map((t) => t.str)).toEqual(want.text.map((t) => t.str));
      const near = (a: number[], b: number[]) => a.every((x, i) => Math.abs(x - b[i]!) <= 0.75);
      for (const [i, t] of at.text.entries()) {
        const w = want.text[i]!;
        expect({ t, near: near([t.x, t.y], [w.x, w.y]) }).toEqual({ t, near: true });
      }
      expect(at.links).toHaveLength(1);
      expect(near(at.links[0]!, want.links[0]!)).toBe(true);
      expect(at.text.find((t) => t.str === '编辑部')!.y).toBeLessThan(300);
      // Its named destination moved with it.
      const [dest, destPrinted] = [moved, printed].map((r) =>
        Math.round(chromiumDestinations(r.pdf)!.get('colophon')!.fromTop),
      );
      expect(dest).toBe(destPrinted);
    },
  );

  it('leaves a colophon where the text ends when the class would cost a page', async () => {
    const files = await colophonDocuments('colophon-stays', true);
    const html = (await import('node:fs/promises')).readFile;
    await writeFile(
      files.plain,
      (await html(files.plain, 'utf8')).replace('height:257mm', 'height:200mm'),
    );
    const result = await renderer.renderPdf({
      htmlPath: files.plain,
      allowedRoots: [tmp],
      footOfLastPage: { id: 'colophon', className: 'alone', withinPt: 90 },
    });
    expect(result.pages).toBe(1);
    expect(result.footOfLastPage).toEqual({ moved: false });
  });

  it('blocks every request outside the allowed roots and names the URLs', async () => {
    // Prepare: an external image, a local HTTP server that counts requests, a file outside.
    const htmlPath = join(tmp, 'external.html');
    const local = `http://127.0.0.1:${port}/leak.png`;
    await writeFile(
      htmlPath,
      `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>外链</title></head>` +
        `<body><p>记录中的图片：</p><img src="http://example.invalid/x.png">` +
        `<img src="${local}"><img src="file:///etc/hostname"></body></html>`,
    );

    // Act
    const error = await renderer
      .renderPdf({ htmlPath, allowedRoots: [join(tmp, 'assets')] })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RenderError);
    expect(error).toBeInstanceOf(RenderPageError);
    const { message, blockedUrls } = error as RenderPageError;
    expect(message).toContain('http://example.invalid/x.png');
    expect(message).toContain(local);
    expect(blockedUrls).toEqual(
      expect.arrayContaining(['http://example.invalid/x.png', local, 'file:///etc/hostname']),
    );
    expect(serverHits).toEqual([]);
  });

  it('fails on a resource that cannot be loaded', async () => {
    const htmlPath = join(tmp, 'missing.html');
    await writeFile(
      htmlPath,
      `<!doctype html><html><head><meta charset="utf-8"><title>缺图</title></head>` +
        `<body><img src="missing.png"></body></html>`,
    );
    await expect(renderer.renderPdf({ htmlPath, allowedRoots: [tmp] })).rejects.toThrow(
      /无法加载 file:\/\/.*missing\.png：net::ERR_FILE_NOT_FOUND/,
    );
  });

  it('fails when a script writes console.error', async () => {
    await expect(
      renderer.renderPdf({ htmlPath: join(fixtures, 'console-error.html'), allowedRoots: [] }),
    ).rejects.toThrow(/console\.error: 图表数据缺失: series\[0\]/);
  });

  it('fails on an uncaught page error', async () => {
    const htmlPath = join(tmp, 'throws.html');
    await writeFile(
      htmlPath,
      `<!doctype html><html><head><meta charset="utf-8"><title>异常</title></head>` +
        `<body><script>null.x</script></body></html>`,
    );
    await expect(renderer.renderPdf({ htmlPath, allowedRoots: [] })).rejects.toThrow(
      /页面脚本出错 \(page error\)：.*null/,
    );
  });

  it('reuses one browser across renders, also concurrent ones', async () => {
    // Prepare
    await renderer.renderPdf(bulletin);
    const pid = renderer.browserPid();

    // Act
    const results = await Promise.all([1, 2, 3].map(() => renderer.renderPdf(bulletin)));

    // Assess
    expect(pid).toBeDefined();
    expect(renderer.browserPid()).toBe(pid);
    expect(results.map((r) => r.pages)).toEqual([2, 2, 2]);
    const browsers = chromiumProcesses(executable).filter((p) => !p.args.includes('--type='));
    expect(browsers.map((p) => p.pid)).toEqual([pid]);
  });

  it('gives up on a page that exceeds the deadline and keeps working', async () => {
    // Prepare: a script that never ends, so "load" never fires.
    const htmlPath = join(tmp, 'hangs.html');
    await writeFile(
      htmlPath,
      `<!doctype html><html><head><meta charset="utf-8"><title>死循环</title></head>` +
        `<body><script>for(;;){}</script></body></html>`,
    );

    // Act
    const started = Date.now();
    const error = await renderer
      .renderPdf({ htmlPath, allowedRoots: [], timeoutMs: 1_500 })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RenderError);
    expect((error as Error).message).toMatch(/超时：超过 1500ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await renderer.renderPdf(bulletin)).pages).toBe(2);
  });

  it('relaunches the browser after it crashed', async () => {
    // Prepare
    await renderer.renderPdf(bulletin);
    const pid = renderer.browserPid() as number;
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => renderer.browserPid()).toBeUndefined();

    // Act
    const result = await renderer.renderPdf(bulletin);

    // Assess
    expect(result.pages).toBe(2);
    expect(renderer.browserPid()).toBeDefined();
    expect(renderer.browserPid()).not.toBe(pid);
  });

  it('close() leaves no Chromium process behind', async () => {
    // Prepare
    await renderer.renderPdf(bulletin);
    const pid = renderer.browserPid() as number;
    expect(chromiumProcesses(executable).length).toBeGreaterThan(0);

    // Act
    await renderer.close();

    // Assess
    expect(isAlive(pid)).toBe(false);
    expect(renderer.browserPid()).toBeUndefined();
    await expect.poll(() => chromiumProcesses(executable)).toEqual([]);
  });

  it('ships every font weight it promises', () => {
    const files = fontFiles();
    expect(files.map((f) => `${f.family} ${f.weight}`)).toEqual([
      'Noto Serif SC 400',
      'Noto Serif SC 700',
      'Noto Sans SC 400',
      'Noto Sans SC 700',
    ]);
  });
});
