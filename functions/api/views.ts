/**
 * What the API shows of an issue (JSON), the archive page's view model, and the Atom feed.
 * Internal fields (S3 key, slot key, input hash, failure text) never leave the service.
 */
import { formatSize } from '../core/display.ts';
import { escapeXml } from '../core/escape.ts';
import { formatDateZh, formatIssueLine } from '../core/format.ts';
import type { Issue } from '../core/model.ts';
import type { IssueCatalog } from '../app/ports.ts';
import { links } from '../app/notify.ts';

export interface IssueView {
  id: string;
  series: string;
  kind: string;
  title: string;
  year: number;
  number: number;
  total: number;
  /** `2026年第1期(总第551期)` */
  issueLine: string;
  status: Issue['status'];
  period?: string;
  /** The publication date in Chinese (`2026年1月15日`), or the creation date while unpublished. */
  date: string;
  createdAt: string;
  publishedAt?: string;
  pages?: number;
  bytes?: number;
  /** `1.2 MB` */
  size?: string;
  sha256?: string;
  fileName?: string;
  links: { self: string; download?: string };
}

export function issueView(
  issue: Issue,
  opts: { baseUrl: string; timeZone: string; seriesTitle: string },
): IssueView {
  const published = issue.status === 'published';
  return {
    id: issue.id,
    series: issue.series,
    kind: issue.kind,
    title: issue.title ?? opts.seriesTitle,
    year: issue.year,
    number: issue.number,
    total: issue.total,
    issueLine: formatIssueLine(issue.year, issue.number, issue.total),
    status: issue.status,
    ...(issue.period ? { period: issue.period } : {}),
    date: formatDateZh(new Date(issue.publishedAt ?? issue.createdAt), opts.timeZone),
    createdAt: issue.createdAt,
    ...(published
      ? {
          publishedAt: issue.publishedAt,
          pages: issue.pages,
          bytes: issue.bytes,
          size: issue.bytes === undefined ? undefined : formatSize(issue.bytes),
          sha256: issue.sha256,
          fileName: issue.fileName,
        }
      : {}),
    links: {
      self: `${opts.baseUrl}/bulletins/${encodeURIComponent(issue.id)}`,
      ...(published ? { download: links.download(opts.baseUrl, issue.id) } : {}),
    },
  };
}

/** Published issues of a series, newest first, at most `max` (pages through the catalog). */
export async function publishedIssues(
  catalog: IssueCatalog,
  series: string,
  max: number,
): Promise<Issue[]> {
  const issues: Issue[] = [];
  let cursor: string | undefined;
  do {
    const page = await catalog.list(series, {
      limit: Math.min(100, max - issues.length),
      status: 'published',
      ...(cursor ? { cursor } : {}),
    });
    issues.push(...page.items);
    cursor = page.cursor;
  } while (cursor && issues.length < max);
  return issues;
}

/** The archive page's view model: the latest issue, then every issue grouped by year. */
export function archiveView(
  issues: IssueView[],
  opts: { series: string; seriesTitle: string; baseUrl: string; truncated: boolean },
) {
  const years = new Map<number, IssueView[]>();
  for (const issue of issues) years.set(issue.year, [...(years.get(issue.year) ?? []), issue]);
  return {
    lang: 'zh-CN',
    series: opts.series,
    seriesTitle: opts.seriesTitle,
    latest: issues[0],
    years: [...years.entries()]
      .sort(([a], [b]) => b - a)
      .map(([year, list]) => ({ year, issues: list })),
    count: issues.length,
    truncated: opts.truncated,
    feedUrl: `${opts.baseUrl}/feeds/${opts.series}.atom`,
    subscribeUrl: `${opts.baseUrl}/subscriptions`,
  };
}

/**
 * An Atom 1.0 feed (RFC 4287) of a series: one entry per published issue, linking to its
 * download. `updated` is the newest publication time, so readers see a change on publish.
 */
export function atomFeed(opts: {
  series: string;
  seriesTitle: string;
  author: string;
  baseUrl: string;
  issues: IssueView[];
}): string {
  const { baseUrl, issues } = opts;
  const self = `${baseUrl}/feeds/${opts.series}.atom`;
  const updated = issues[0]?.publishedAt ?? new Date(0).toISOString();
  const entries = issues.map((i) => {
    const title = `${opts.seriesTitle} ${i.issueLine}`;
    const summary = `《${opts.seriesTitle}》${i.issueLine}，${i.date}发布${i.pages ? `，共${i.pages}页` : ''}${i.size ? `，${i.size}` : ''}。`;
    return [
      '  <entry>',
      `    <id>${escapeXml(i.links.self)}</id>`,
      `    <title>${escapeXml(title)}</title>`,
      `    <updated>${escapeXml(i.publishedAt ?? i.createdAt)}</updated>`,
      `    <published>${escapeXml(i.publishedAt ?? i.createdAt)}</published>`,
      `    <link rel="alternate" type="application/pdf" href="${escapeXml(i.links.download ?? i.links.self)}"${i.bytes ? ` length="${i.bytes}"` : ''}/>`,
      `    <summary>${escapeXml(summary)}</summary>`,
      '  </entry>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
    `  <id>${escapeXml(self)}</id>`,
    `  <title>${escapeXml(opts.seriesTitle)}</title>`,
    `  <updated>${escapeXml(updated)}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(self)}"/>`,
    `  <link rel="alternate" type="text/html" href="${escapeXml(`${baseUrl}/?series=${opts.series}`)}"/>`,
    `  <author><name>${escapeXml(opts.author)}</name></author>`,
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}
