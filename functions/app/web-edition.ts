/**
 * The web edition of an issue: the same composed view as the PDF, rendered as semantic HTML
 * that reads on a 390 px phone and a desktop (one compose, two renderings). Sections, tables
 * and server-rendered SVG charts are the print partials'; the layout, the 要目 and the links to
 * the PDF and the issue's data are the web's own. No script, no remote resource: the page is one
 * self-contained file stored beside the PDF.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { IssueContents } from '../core/model.ts';
import type { ReportView } from '../core/report-parts.ts';
import { templatesDir } from './templates.ts';

export interface WebEditionLinks {
  /** The series' archive page (a draft's: its page in the console). */
  archiveUrl: string;
  /** The words of the link to `archiveUrl` (default 往期查阅). */
  backLabel?: string;
  pdfUrl?: string;
  /** `356 KB` */
  pdfSize?: string;
  /** The issue's data downloads (CSV, Excel), when published. */
  dataLinks?: { label: string; url: string }[];
  feedUrl?: string;
  /** A line under the masthead, e.g. for a corrected edition. */
  correctionNote?: string;
  /** A corrected edition's earlier editions (`?edition=N` downloads), oldest first. */
  earlierEditions?: { label: string; url: string }[];
}

const compiled = new Map<string, Handlebars.TemplateDelegate>();

function webTemplate(dir: string): Handlebars.TemplateDelegate {
  const cached = compiled.get(dir);
  if (cached) return cached;
  const hbs = Handlebars.create();
  hbs.registerHelper('join', (list: unknown, sep: unknown) =>
    Array.isArray(list) ? list.map(String).join(typeof sep === 'string' ? sep : '、') : '',
  );
  const partials = join(dir, 'shared', 'partials');
  if (existsSync(partials))
    for (const name of readdirSync(partials).filter((f) => f.endsWith('.hbs')))
      hbs.registerPartial(name.slice(0, -4), readFileSync(join(partials, name), 'utf8'));
  hbs.registerPartial('webChart', readFileSync(join(dir, 'web', 'web-chart.hbs'), 'utf8'));
  const css = readFileSync(join(dir, 'web', 'web.css'), 'utf8');
  const page = hbs.compile(readFileSync(join(dir, 'web', 'web.hbs'), 'utf8'));
  const template: Handlebars.TemplateDelegate = (ctx: { web: object }) =>
    page({ ...ctx, web: { ...ctx.web, css } });
  compiled.set(dir, template);
  return template;
}

/** The complete HTML page of an issue's web edition. */
export function renderWebEdition(
  view: ReportView,
  links: WebEditionLinks,
  dir = templatesDir(),
): string {
  // No pages on the web: the print's block marks (core/printed-pages.ts) are left out.
  return webTemplate(dir)({ ...view, blockMarks: undefined, web: links });
}

/** The 要目 of a composed issue: each section with the titles printed under it. */
export function contentsOf(view: Pick<ReportView, 'sections'>): IssueContents {
  return view.sections.map((s) => ({
    section: s.name,
    titles: s.entries.map((e) => e.title),
  }));
}

/**
 * The text the archive searches for an issue: titles, 要目, article text (markup removed),
 * table and chart captions, zone names — one line per piece, for snippets.
 */
export function searchTextOf(
  view: Pick<ReportView, 'documentTitle' | 'masthead' | 'sections'>,
): string {
  const lines: string[] = [view.documentTitle, view.masthead.reportTitle ?? ''];
  const plain = (html: string) =>
    html
      .replace(/<[^>]*>/g, ' ')
      .replace(/&nbsp;/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ')
      .trim();
  for (const section of view.sections) {
    lines.push(section.name);
    for (const block of section.blocks) {
      if (block.article) {
        lines.push(block.article.title);
        for (const p of block.article.paragraphs ?? []) lines.push(`${p.lead ?? ''}${p.text}`);
        if (block.article.html) lines.push(plain(block.article.html));
      }
      if (block.table) lines.push(block.table.caption);
      if (block.chart) lines.push(block.chart.caption);
      if (block.zoneCards)
        lines.push(
          block.zoneCards.title,
          ...block.zoneCards.cards.map((c) => `${c.name} ${c.place}`),
        );
    }
  }
  return lines.filter(Boolean).join('\n');
}
