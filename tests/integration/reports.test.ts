/**
 * The three report kinds rendered for real (dynalite + s3rver + Chromium): what the PDFs say,
 * that the bulletin's contents page numbers are the pages the articles start on, that zone
 * profiles and regional reports print in one pass with contents linked but not numbered, one
 * bookmark per section, fonts, metadata, that every number printed in the bulletin is a traced figure,
 * and that zone profiles and regional reports are published in their own series.
 */
import { readFile } from 'node:fs/promises';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { publishReport, type RenderedReport } from '../../functions/app/publish.ts';
import { previewReport } from '../../functions/app/render-report.ts';
import { renderHtml } from '../../functions/app/templates.ts';
import { reportKind } from '../../functions/reports/registry.ts';
import { pdfFonts, pdfText } from '../support/pdf.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { syntheticZonesFile } from '../support/trace.ts';

const NOW = new Date('2026-11-20T01:00:00Z');
// Noto maps — and ― to one glyph: extraction gives ―, the source has —.
const flat = (s: string) => s.replace(/\s+/g, '').replace(/―/g, '—');
const decodeEntities = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** Top-level outline titles and the document information, through pdfjs. */
async function outlineAndInfo(pdf: Uint8Array) {
  const doc = await getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise;
  try {
    const outline = ((await doc.getOutline()) ?? []).map((o) => o.title);
    const info = (await doc.getMetadata()).info as Record<string, unknown>;
    return { outline, info };
  } finally {
    await doc.destroy();
  }
}

/** Each contents entry's link target: the page its named destination points at. */
async function contentsLinks(pdf: Uint8Array): Promise<Map<string, number>> {
  const doc = await getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise;
  try {
    const links = new Map<string, number>();
    const annotations = await (await doc.getPage(1)).getAnnotations();
    type Ref = { num: number; gen: number };
    for (const a of annotations as { subtype: string; dest?: string | [Ref]; url?: string }[]) {
      if (a.subtype !== 'Link' || !a.dest) continue;
      // Chromium names each destination after the element id the link points at.
      const dest = typeof a.dest === 'string' ? await doc.getDestination(a.dest) : a.dest;
      const name = typeof a.dest === 'string' ? a.dest : undefined;
      if (dest && name) links.set(name, (await doc.getPageIndex(dest[0] as Ref)) + 1);
    }
    return links;
  } finally {
    await doc.destroy();
  }
}

/**
 * The PDF's qualities every kind must have. `contents`: `numbered` (the bulletin: page numbers
 * after the titles) or `linked` (one pass: titles linking to their pages, no numbers).
 */
async function checkPdf(r: RenderedReport, contents: 'numbered' | 'linked') {
  const pages = (await pdfText(r.pdf)).map(flat);
  expect(pages).toHaveLength(r.pages);
  const links = contents === 'linked' ? await contentsLinks(r.pdf) : undefined;
  // Contents entries point at the pages where the titles are printed (page 1 also lists them).
  for (const entry of r.view.sections.flatMap((s) => s.entries)) {
    const title = flat(entry.title);
    const count = (page: string) => page.split(title).length - 1;
    const found = pages.findIndex((p, i) => count(p) - (i === 0 ? 1 : 0) > 0) + 1;
    if (links) {
      expect({ title, page: entry.page }).toEqual({ title, page: undefined });
      expect(pages[0]).toContain(title);
      expect({ title, link: links.get(entry.anchor) }).toEqual({ title, link: found });
    } else {
      expect({ title, page: entry.page }).toEqual({ title, page: found });
      expect(pages[0]).toContain(`${title}${entry.page}`);
    }
  }
  const { outline, info } = await outlineAndInfo(r.pdf);
  expect(outline).toEqual(r.view.sections.map((s) => s.name));
  expect(info).toMatchObject({
    Title: r.view.metadata.title,
    Author: r.view.metadata.author,
    Subject: r.view.metadata.subject,
    Keywords: r.view.metadata.keywords.join(' '),
  });
  const raw = Buffer.from(r.pdf).toString('latin1');
  expect([...raw.matchAll(/\/Lang\s*\(([^)]*)\)/g)].at(-1)?.[1]).toBe('zh-CN');
  expect(raw).toContain('/StructTreeRoot');
  expect(raw).toContain('/Outlines');
  // Fonts: embedded subsets of Noto, never Type 3 (synthesized or stroked glyphs).
  const fonts = pdfFonts(r.pdf);
  expect(fonts.filter((f) => f.type === 'Type3')).toEqual([]);
  expect(fonts.every((f) => f.embedded && f.subset && /Noto(Serif|Sans)SC/.test(f.name))).toBe(
    true,
  );
  // The radical fix survived the metadata update: 高 extracts as the ideograph.
  expect(pages.join('')).not.toMatch(/[\u2E80-\u2FDF]/u);
  return pages;
}

describe('report kinds rendered to PDF', () => {
  let t: TestStack;

  beforeAll(async () => {
    t = await startTestStack();
    await t.ingestRepoData();
    await ingestFiles({ records: t.services.records, reference: t.services.reference }, [
      { name: syntheticZonesFile, bytes: new Uint8Array(await readFile(syntheticZonesFile)) },
    ]);
  });
  afterAll(() => t?.stop());

  /** The HTML file beside the PDF is the view it was printed from (page numbers and all). */
  const expectHtmlPrinted = async (r: RenderedReport, kind: string) => {
    const html = await readFile(r.htmlPath, 'utf8');
    expect(html).toBe(await renderHtml(reportKind(kind).template, r.view));
  };

  it('bulletin: Torch layout, figures phrased by the rules, every number traced', async () => {
    const r = await previewReport(
      t.publishDeps(),
      { kind: 'torch-bulletin', period: '2024' },
      { issue: { year: 2026, number: 3, total: 553 }, date: NOW, fileStem: 'bulletin' },
    );
    // One print: the page numbers were written into the PDF over the placeholders.
    expect(r.passes).toBe(1);
    const pages = await checkPdf(r, 'numbered');
    // The HTML beside the PDF is the one printed, with the numbers the PDF shows.
    await expectHtmlPrinted(r, 'torch-bulletin');
    expect(r.view.sections.flatMap((s) => s.entries).every((e) => e.page! >= 1)).toBe(true);
    const text = pages.join('\n');
    expect(text).toContain('2026年第3期(总第553期)');
    expect(text).toContain('2026年11月20日');
    expect(text).toMatch(/园区生产总值突破19\.3万亿元，同比增长7\.6%，占全国比重为14\.3%/);
    expect(text).toContain('增速较全国平均水平高5.5个百分点');
    // Only the years with data (2012, 2021, 2024), never a 2012—2024 axis of empty slots.
    expect(text).toContain('图1国家高新区园区生产总值及占全国比重（2012、2021、2024年）');
    expect(text).toContain('国家高新区创新能力指数及分指数');
    expect(text).toContain('505.7点');
    expect(text).toMatch(/第1页共\d+页/);
    expect(text).toContain('编辑部地址：北京市西城区西直门外大街132号京鼎大厦八层');

    // Every number printed is in a traced figure, or is structure: years, page and issue
    // numbers, captions, the editors' own articles, the notes, sources and colophon.
    const v = r.view;
    const structural = [
      v.masthead.issueLine,
      v.masthead.dateZh,
      ...v.sources.map((s) => s.text),
      ...v.colophon.flatMap((b) => b.lines.map((l) => `${l.label}：${l.value}`)),
      ...v.dataQuality.notes,
      ...v.sections.flatMap((s) => s.entries.map((e) => `${e.title}${e.page}`)),
      ...v.sections.flatMap((s) =>
        s.blocks.flatMap((b) =>
          b.article?.html ? [decodeEntities(b.article.html.replace(/<[^>]+>/g, ''))] : [],
        ),
      ),
    ].map(flat);
    // Footers removed without a trace, so text running across a page break stays contiguous.
    let rest = pages.join('').replace(/第\d+页共\d+页/g, '');
    for (const s of structural.sort((a, b) => b.length - a.length)) {
      for (const part of s.split(/\n/)) if (part) rest = rest.split(flat(part)).join(' ');
    }
    rest = rest
      .replace(/(?:(?:19|20)\d\d){3,}/g, ' ') // a chart's year axis
      .replace(/(19|20)\d\d(?=年|—|\D|$)/g, ' ')
      .replace(/[表图]\d+/g, ' ')
      .replace(/前\d+[名位]/g, ' ');
    const traced = new Set(v.trace.flatMap((f) => f.text.match(/\d+(?:\.\d+)?/g) ?? []));
    // A chart prints its labels as numbers alone (the unit once, in its legend), each a text
    // item of its own: side by side, with the whitespace gone, two read as one (5.4 15 → 5.415).
    // Such a run is traced when it splits into labels that are items of their own (a qualifier
    // before the number: 突破19.3), each traced.
    const labels = new Set(
      (await pdfText(r.pdf, '\n'))
        .flatMap((p) => p.split('\n'))
        .map((s) => /^(?:约|超过|近|突破)?(\d+(?:\.\d+)?)$/.exec(s.trim())?.[1])
        .filter((s): s is string => s !== undefined && traced.has(s)),
    );
    const labelRun = (n: string): boolean =>
      labels.has(n) ||
      [...n].some((_, i) => i > 0 && labels.has(n.slice(0, i)) && labelRun(n.slice(i)));
    const untraced = (rest.match(/\d+(?:\.\d+)?/g) ?? []).filter(
      (n) => !traced.has(n) && !labelRun(n),
    );
    expect(untraced).toEqual([]);
  });

  it('bulletin: with a renderer that writes no page numbers, the PDF numbers print in a second pass', async () => {
    const real = t.publishDeps().renderer;
    // A renderer that prints the placeholders and writes nothing over them.
    const unnumbered: typeof real = {
      async renderPdf({ linkPages: _asked, ...req }) {
        return real.renderPdf(req);
      },
      close: () => real.close(),
    };
    const r = await previewReport(
      t.publishDeps({ renderer: unnumbered }),
      { kind: 'torch-bulletin', period: '2024' },
      { date: NOW, fileStem: 'bulletin-unnumbered' },
    );
    expect(r.passes).toBe(2);
    await checkPdf(r, 'numbered');
    await expectHtmlPrinted(r, 'torch-bulletin');
  });

  it('zone profile: released at once in its own series (no review), with ranks and growth against the nation', async () => {
    const result = await publishReport(t.publishDeps({ now: () => NOW }), {
      kind: 'zone-profile',
      zone: '东湖高新区',
      slotKey: 'test:zone',
    });
    expect(result.outcome).toBe('released');
    // What the CLI prints as 组稿 is the compose this release ran (its plan's), not only the
    // imprint of the number (well under 1 ms: it printed 组稿 0 ms).
    expect(result.timings.composeMs).toBeGreaterThan(1);
    const issue = result.issue!;
    expect(issue).toMatchObject({
      series: 'zone-profile',
      number: 1,
      total: 1,
      period: '2024',
    });
    expect(issue.s3Key).toMatch(/^issues\/zone-profile\/2026\//);
    expect(issue.fileName).toBe('国家高新区园区画像-东湖高新区-2024.pdf');
    const pdf = (await t.services.archive.get(issue.s3Key!))!;
    const r = await previewReport(
      t.publishDeps(),
      { kind: 'zone-profile', zone: 'wuhan-donghu' },
      { date: NOW, fileStem: 'zone' },
    );
    expect(r.passes).toBe(1);
    await expectHtmlPrinted(r, 'zone-profile');
    const pages = await checkPdf({ ...r, pdf, pages: issue.pages! }, 'linked');
    const text = pages.join('\n');
    expect(text).toContain('武汉东湖新技术开发区');
    expect(text).toContain('6000亿元');
    expect(text).toContain('173家');
    // GDP growth 5.1% against the national 7.6%: 2.5 points lower.
    expect(text).toContain('同比增速较全国国家高新区（7.6%）低2.5个百分点');
  });

  it('regional report: totals, shares, rank distribution and benchmark gaps of 长三角', async () => {
    const r = await previewReport(
      t.publishDeps(),
      { kind: 'regional-report', region: '长三角' },
      { date: NOW, fileStem: 'region' },
    );
    expect(r.passes).toBe(1);
    const pages = await checkPdf(r, 'linked');
    const text = pages.join('\n');
    const totals = r.view.sections[0]!.blocks[1]!.table!;
    const gdp = totals.rows.find((row) => row.cells[0]!.text === '园区生产总值')!;
    expect(text).toContain(`园区生产总值合计${gdp.cells[1]!.text}`);
    // 24 of 178 national zones report GDP: ranks say their base, no 前50名 bands.
    expect(text).toContain('不是全国排名');
    expect(text).toContain('报送园区中排名');
    expect(text).not.toContain('前50名');
    expect(text).toContain('标杆园区');
    const published = await publishReport(t.publishDeps({ now: () => NOW }), {
      kind: 'regional-report',
      region: '长三角',
      slotKey: 'test:region',
    });
    expect(published.outcome).toBe('released');
    expect(published.issue).toMatchObject({ series: 'regional-report', number: 1 });
    expect(published.issue!.s3Key).toMatch(/^issues\/regional-report\/2026\//);
    expect(published.issue!.fileName).toBe('国家高新区区域发展报告-长三角-2024.pdf');
  });
});
