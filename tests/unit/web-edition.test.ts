/**
 * The web edition renders the composed view of an issue as one self-contained, script-free page
 * with the same sections, tables and charts as the PDF.
 */
import Handlebars from 'handlebars';
import { beforeAll, describe, expect, it } from 'vitest';
import { composeBulletin } from '../../functions/core/compose-bulletin.ts';
import type { Article, IndicatorRecord } from '../../functions/core/model.ts';
import type { Reference } from '../../functions/core/reference.ts';
import type { ReportView } from '../../functions/core/report-parts.ts';
import { referenceData } from '../../functions/app/reference-data.ts';
import { contentsOf, renderWebEdition } from '../../functions/app/web-edition.ts';
import articles from '../../data/articles.json' with { type: 'json' };
import { readRecords, repoRecordFiles, syntheticZonesFile } from '../support/trace.ts';

describe('web edition', () => {
  let ref: Reference;
  let view: ReportView;

  beforeAll(async () => {
    ref = referenceData();
    const records: IndicatorRecord[] = [
      ...(await readRecords(ref, repoRecordFiles)),
      ...(await readRecords(ref, [syntheticZonesFile])),
    ];
    view = composeBulletin({
      series: ref.seriesById('torch-bulletin')!,
      issue: { year: 2026, number: 1, total: 551 },
      date: new Date('2026-11-20T01:00:00Z'),
      period: '2024',
      records,
      articles: articles as Article[],
      reference: ref,
      expectedIndicators: ref.seriesById('torch-bulletin')!.keyIndicators,
    });
  });

  const render = () =>
    renderWebEdition(view, {
      archiveUrl: 'http://127.0.0.1:8787/',
      pdfUrl: 'http://127.0.0.1:8787/bulletins/torch-bulletin-551/download',
      pdfSize: '313 KB',
      dataLinks: [{ label: '数据（CSV）', url: 'http://127.0.0.1:8787/x.csv' }],
    });

  it('prints every section, article, table caption and chart of the composed view', () => {
    const html = render();
    for (const section of view.sections) {
      expect(html).toContain(`id="${section.anchor}"`);
      for (const block of section.blocks) {
        if (block.article) expect(html).toContain(`id="${block.article.anchor}"`);
        if (block.table)
          expect(html).toContain(
            `<caption>${Handlebars.escapeExpression(block.table.caption)}</caption>`,
          );
        if (block.chart) expect(html).toContain('<svg');
      }
    }
    expect(html).toContain('下载PDF（313 KB）');
    expect(html).toContain('数据（CSV）');
  });

  it('has no script, no event handler and no remote resource', () => {
    const html = render();
    expect(html).not.toMatch(/<script|\son[a-z]+=/i);
    expect(html).not.toMatch(/(?:src|href)="https?:\/\/(?!127\.0\.0\.1:8787)/);
  });

  it('gives no role to a figure with a caption (axe aria-allowed-role: only doc-example may)', () => {
    const html = render();
    const figures = [...html.matchAll(/<figure\b([^>]*)>([\s\S]*?)<\/figure>/g)];
    expect(figures.some(([, , body]) => body!.includes('<figcaption'))).toBe(true);
    for (const [tag, attrs, body] of figures)
      if (body!.includes('<figcaption'))
        expect(attrs, tag.slice(0, 120)).not.toMatch(/\brole="(?!doc-example")/);
  });

  it('lists the 要目 of the issue: every section with its titles', () => {
    const contents = contentsOf(view);
    expect(contents.map((c) => c.section)).toEqual(view.sections.map((s) => s.name));
    expect(contents.flatMap((c) => c.titles).length).toBeGreaterThan(3);
  });
});
