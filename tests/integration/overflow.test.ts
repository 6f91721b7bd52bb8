/**
 * Nothing clipped at the margin (issue 17.8), with hostile articles: an unbroken
 * 49,000-character paragraph wraps (every character reaches the PDF), a table wider than the
 * text block is tightened until it fits (every cell reaches the PDF), and a table that cannot
 * fit even then is reported by the render as a warning naming its article.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { previewReport, type RenderedReport } from '../../functions/app/render-report.ts';
import { pdfText } from '../support/pdf.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const LONG = `Q${'x'.repeat(48_998)}Z`;
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
const markdownTable = (columns: number, cell: (c: number, r: number) => string) =>
  [
    row(Array.from({ length: columns }, (_, c) => `H${c}`)),
    row(Array.from({ length: columns }, () => '---')),
    ...[0, 1].map((r) => row(Array.from({ length: columns }, (_, c) => cell(c, r)))),
  ].join('\n');
// 16 columns of long unbroken tokens: about three text blocks wide at 9.5 pt.
const WIDE = markdownTable(16, (c, r) => `W${r}C${c}ABCDEFGH`);
// 240 columns: narrower than the text block at no type size.
const HUGE = markdownTable(240, (c) => `h${c}`);

const article = (id: string, title: string, body: string) => ({
  id,
  series: 'torch-bulletin',
  period: '2024',
  section: '研究报告',
  subtitle: null,
  title,
  byline: '测试',
  body,
  order: 90,
});

describe('nothing clipped at the margin', () => {
  let t: TestStack;
  let r: RenderedReport;
  let text: string;

  beforeAll(async () => {
    t = await startTestStack();
    await t.ingestRepoData();
    const articles = [
      article('long-token', '一个很长的词', LONG),
      article('wide-table', '一张很宽的表', WIDE),
      article('huge-table', '一张排不下的表', HUGE),
    ];
    await ingestFiles({ records: t.services.records, reference: t.services.reference }, [
      { name: 'hostile.json', bytes: new TextEncoder().encode(JSON.stringify(articles)) },
    ]);
    r = await previewReport(
      t.publishDeps(),
      { kind: 'torch-bulletin', series: 'torch-bulletin', period: '2024' },
      { date: new Date('2026-11-20T01:00:00Z'), fileStem: 'clip' },
    );
    // The page footers (第2页 共9页) come between the lines of a paragraph that spans pages.
    text = (await pdfText(r.pdf))
      .join('')
      .replace(/\s+/g, '')
      .replace(/第\d+页共\d+页/g, '');
  }, 300_000);
  afterAll(() => t?.stop());

  it('wraps an unbroken 49,000-character paragraph: every character is printed', () => {
    expect(LONG.length).toBe(49_000);
    const start = text.indexOf('Qxxx');
    expect(start).toBeGreaterThan(-1);
    expect(text.slice(start, start + LONG.length)).toBe(LONG);
    expect(r.warnings.join('\n')).not.toContain('一个很长的词');
  });

  it('fits a table wider than the text block: every cell is printed, no warning', () => {
    for (let c = 0; c < 16; c += 1) {
      expect(text, `W0C${c}`).toContain(`W0C${c}ABCDEFGH`);
      expect(text, `W1C${c}`).toContain(`W1C${c}ABCDEFGH`);
    }
    expect(r.warnings.join('\n')).not.toContain('一张很宽的表');
  });

  it('reports what still overflows, naming the article', () => {
    expect(r.warnings).toEqual([
      expect.stringMatching(/^文章《一张排不下的表》的表格超出版心\d+px/),
    ]);
  });
});
