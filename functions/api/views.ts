/**
 * What the API shows of an issue (JSON), the archive page's view model, and the Atom feed.
 * Internal fields (S3 key, slot key, input hash, failure text) never leave the service.
 */
import { formatSize } from '../core/display.ts';
import { escapeXml } from '../core/escape.ts';
import { formatDateZh, formatIssueLine } from '../core/format.ts';
import { correctionValues, editionLabel } from '../core/lifecycle.ts';
import { issuerOn, type Issue, type Series } from '../core/model.ts';
import type { Reference } from '../core/reference.ts';
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
  /** 要目: each section with its titles. */
  contents?: { section: string; titles: string[] }[];
  /** The web edition, when the issue has one. */
  webUrl?: string;
  /** Page 1 as an image, when the issue has one, with its pixel size and its text. */
  coverUrl?: string;
  cover?: { width: number; height: number; alt: string };
  /** The issue's data (every printed figure) as CSV and Excel, when it has them. */
  dataLinks?: { label: string; url: string }[];
  /** Where a reader opens the issue: the web edition, else the PDF. */
  readUrl: string;
  /** The current file is a corrected edition (修订版). */
  corrected?: boolean;
  /** 2 and up: the current file is a corrected edition (修订版). */
  edition?: number;
  /** `修订版` when corrected. */
  editionLabel?: string;
  /** When the current edition was released (a correction), else absent. */
  correctedAt?: string;
  /** Every edition, oldest first, each downloadable (the original stays available). */
  editions?: {
    edition: number;
    label: string;
    date: string;
    releasedAt: string;
    /** 修订 or 更正, with cause, effect and pages (a corrected edition). */
    kind?: '修订' | '更正';
    cause?: string;
    effect?: string;
    pages?: number[];
    corrections?: {
      printedAs: string;
      oldValue: number | null;
      newValue: number | null;
      unit: string;
      /** The values as printed (`19.3万亿元 → 19.4万亿元`). */
      old: string;
      new: string;
      source: string;
    }[];
    download: string;
  }[];
  /** A withdrawn issue: why, when, and the issue that replaces it (the 撤回说明). */
  withdrawal?: WithdrawalView;
  links: { self: string; download?: string };
}

/** The 撤回说明 of a withdrawn issue, as the archive, the feed and the issue's page show it. */
export interface WithdrawalView {
  at: string;
  /** `2026年12月6日` */
  date: string;
  reason: string;
  /** Where the 撤回说明 is read: the issue's own address. */
  noticeUrl: string;
  replacedBy?: { id: string; url: string; issueLine?: string };
}

export function issueView(
  issue: Issue,
  opts: {
    baseUrl: string;
    timeZone: string;
    seriesTitle: string;
    /** The issue replacing a withdrawn one, when the caller has it (for its issue line). */
    replacement?: Issue;
  },
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
    ...(issue.contents?.length ? { contents: issue.contents } : {}),
    ...(published && issue.webKey ? { webUrl: links.web(opts.baseUrl, issue.id) } : {}),
    // A cover made on its first request (its size known once made: A4's until then), or at release.
    ...(published && (issue.coverKeys || issue.coverKey)
      ? {
          coverUrl: links.cover(opts.baseUrl, issue.id),
          cover: {
            width: (issue.coverKeys ? issue.coverKeys.size : issue.coverSize)?.width ?? 300,
            height: (issue.coverKeys ? issue.coverKeys.size : issue.coverSize)?.height ?? 424,
            alt: `${issue.title ?? opts.seriesTitle} ${formatIssueLine(issue.year, issue.number, issue.total)} 封面（第1页）`,
          },
        }
      : {}),
    ...(published && issue.dataKeys
      ? {
          dataLinks: [
            {
              label: '数据（CSV）',
              url: `${opts.baseUrl}/bulletins/${encodeURIComponent(issue.id)}/data.csv`,
            },
            {
              label: '数据（Excel）',
              url: `${opts.baseUrl}/bulletins/${encodeURIComponent(issue.id)}/data.xlsx`,
            },
          ],
        }
      : {}),
    readUrl: published
      ? issue.webKey
        ? links.web(opts.baseUrl, issue.id)
        : links.download(opts.baseUrl, issue.id)
      : issue.withdrawn
        ? links.web(opts.baseUrl, issue.id)
        : `${opts.baseUrl}/bulletins/${encodeURIComponent(issue.id)}`,
    ...(issue.status === 'withdrawn' && issue.withdrawn
      ? { withdrawal: withdrawalOf(issue, opts, opts.replacement) }
      : {}),
    ...(published && (issue.editions?.length ?? 0) > 1 ? editionsOf(issue, opts) : {}),
    links: {
      self: `${opts.baseUrl}/bulletins/${encodeURIComponent(issue.id)}`,
      ...(published ? { download: links.download(opts.baseUrl, issue.id) } : {}),
    },
  };
}

/** The 撤回说明 of a withdrawn issue; the replacement's line when the caller knows it. */
export function withdrawalOf(
  issue: Issue,
  opts: { baseUrl: string; timeZone: string },
  replacement?: Pick<Issue, 'year' | 'number' | 'total'>,
): WithdrawalView {
  const w = issue.withdrawn!;
  return {
    at: w.at,
    date: formatDateZh(new Date(w.at), opts.timeZone),
    reason: w.reason,
    noticeUrl: links.web(opts.baseUrl, issue.id),
    ...(w.replacedBy
      ? {
          replacedBy: {
            id: w.replacedBy,
            url: links.web(opts.baseUrl, w.replacedBy),
            ...(replacement
              ? {
                  issueLine: formatIssueLine(
                    replacement.year,
                    replacement.number,
                    replacement.total,
                  ),
                }
              : {}),
          },
        }
      : {}),
  };
}

/**
 * The issues an archive lists, newest first: the published ones and the withdrawn ones (shown
 * as a gap with their 撤回说明), at most `max`.
 */
export async function archivedIssues(
  catalog: IssueCatalog,
  series: string,
  max: number,
): Promise<Issue[]> {
  const issues: Issue[] = [];
  let cursor: string | undefined;
  do {
    const page = await catalog.list(series, {
      limit: Math.min(100, max - issues.length),
      ...(cursor ? { cursor } : {}),
    });
    issues.push(...page.items.filter((i) => i.status === 'published' || i.status === 'withdrawn'));
    cursor = page.cursor;
  } while (cursor && issues.length < max);
  return issues;
}

/** The issuer and contact lines of a series' colophon, for the foot of its pages. */
export function seriesFooter(series: Series | undefined, isoDate: string): string[] {
  if (!series) return [];
  const c = series.colophon;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const lines = [issuerOn(series, isoDate)];
  const address = str(c['address']);
  const postcode = str(c['postcode']);
  if (address) lines.push(`地址：${address}${postcode ? `\u3000邮编：${postcode}` : ''}`);
  const phone = str(c['phone']);
  const website = str(c['website']);
  if (phone || website)
    lines.push(
      [phone && `电话：${phone}`, website && `网址：${website}`].filter(Boolean).join('\u3000'),
    );
  return lines;
}

/** The series tabs of every archive page. */
export function seriesNav(reference: Reference, baseUrl: string, current?: string) {
  return reference.series.map((s) => ({
    id: s.id,
    title: s.title,
    url: `${baseUrl}/series/${s.id}`,
    current: s.id === current,
  }));
}

/** The landing page: every series with its latest issue. */
export function landingView(opts: {
  reference: Reference;
  baseUrl: string;
  now: Date;
  cards: { series: Series; latest?: IssueView; count: number }[];
}) {
  return {
    landing: true,
    pageTitle: '火炬动态 · 往期查阅',
    subtitle: '国家高新区统计与动态 · 往期查阅',
    baseUrl: opts.baseUrl,
    nav: seriesNav(opts.reference, opts.baseUrl),
    seriesCards: opts.cards.map(({ series, latest, count }) => ({
      id: series.id,
      title: series.title,
      issuer: issuerOn(series, opts.now.toISOString()),
      url: `${opts.baseUrl}/series/${series.id}`,
      latest,
      count,
    })),
    footer: seriesFooter(opts.reference.seriesById('torch-bulletin'), opts.now.toISOString()),
  };
}

/** A substring hit in an issue's text with some context either side. */
export function snippetOf(text: string, query: string, context = 40) {
  const at = text.toLowerCase().indexOf(query.toLowerCase());
  if (at < 0) return undefined;
  return {
    before: `${at > context ? '…' : ''}${text.slice(Math.max(0, at - context), at)}`,
    match: text.slice(at, at + query.length),
    after: `${text.slice(at + query.length, at + query.length + context)}${at + query.length + context < text.length ? '…' : ''}`,
  };
}

/** The editions of a corrected issue (the original stays downloadable with `?edition=1`). */
function editionsOf(
  issue: Issue,
  opts: { baseUrl: string; timeZone: string },
): Pick<IssueView, 'corrected' | 'edition' | 'editionLabel' | 'correctedAt' | 'editions'> {
  const all = issue.editions ?? [];
  const current = all.at(-1)!;
  const label = (e: (typeof all)[number]) => editionLabel(e.edition, e.label?.kind) ?? '原版';
  return {
    corrected: true,
    edition: current.edition,
    editionLabel: label(current),
    correctedAt: current.releasedAt,
    editions: all.map((e) => ({
      edition: e.edition,
      label: label(e),
      date: formatDateZh(new Date(e.releasedAt), opts.timeZone),
      releasedAt: e.releasedAt,
      ...(e.label
        ? {
            kind: e.label.kind,
            cause: e.label.cause,
            effect: e.label.effect,
            ...(e.label.pages.length ? { pages: e.label.pages } : {}),
          }
        : {}),
      ...(e.corrections?.length
        ? {
            corrections: e.corrections.map((c) => ({
              printedAs: c.printedAs,
              oldValue: c.oldValue,
              newValue: c.newValue,
              unit: c.unit,
              ...correctionValues(c),
              source: c.source,
            })),
          }
        : {}),
      download: `${links.download(opts.baseUrl, issue.id)}?edition=${e.edition}`,
    })),
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

/** A series' archive page: the latest issue, then every issue grouped by year. */
export function archiveView(
  issues: IssueView[],
  opts: {
    series: string;
    seriesTitle: string;
    baseUrl: string;
    truncated: boolean;
    reference?: Reference;
    now?: Date;
    subscriptionsOff?: boolean;
  },
) {
  const years = new Map<number, IssueView[]>();
  for (const issue of issues) years.set(issue.year, [...(years.get(issue.year) ?? []), issue]);
  const published = issues.filter((i) => !i.withdrawal);
  const withdrawn = issues.length - published.length;
  const definition = opts.reference?.seriesById(opts.series);
  const now = (opts.now ?? new Date()).toISOString();
  return {
    seriesPage: true,
    lang: 'zh-CN',
    pageTitle: `《${opts.seriesTitle}》往期`,
    subtitle: `往期查阅 · 共${published.length}期${withdrawn ? `（另有${withdrawn}期已撤回）` : ''}${opts.truncated ? '（仅列出最近的各期）' : ''}`,
    baseUrl: opts.baseUrl,
    nav: opts.reference ? seriesNav(opts.reference, opts.baseUrl, opts.series) : [],
    footer: seriesFooter(definition, now),
    subscriptionsOff: opts.subscriptionsOff ?? false,
    series: opts.series,
    seriesTitle: opts.seriesTitle,
    latest: published[0],
    years: [...years.entries()]
      .sort(([a], [b]) => b - a)
      .map(([year, list]) => ({ year, issues: list })),
    count: published.length,
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
  const changedAt = (i: IssueView) =>
    i.withdrawal?.at ?? i.correctedAt ?? i.publishedAt ?? i.createdAt;
  const updated = issues.map(changedAt).sort().at(-1) ?? new Date(0).toISOString();
  const entries = issues.map((i) => {
    if (i.withdrawal) return withdrawalEntry(opts.seriesTitle, i, i.withdrawal);
    const title = `${opts.seriesTitle} ${i.issueLine}${i.editionLabel ? ` ${i.editionLabel}` : ''}`;
    // Each corrected edition, newest first: its label, cause, effect, pages and changes.
    const corrected = (i.editions ?? [])
      .filter((e) => e.corrections?.length)
      .reverse()
      .map((e) => {
        const why = e.cause
          ? `${e.kind}原因：${e.cause}；影响：${e.effect}${e.pages ? `（原刊第${e.pages.join('、')}页）` : ''}；`
          : '';
        const changes = e.corrections!.map((c) => `${c.printedAs}由${c.old}更正为${c.new}`);
        return `${e.label}：${why}${changes.join('；')}。`;
      });
    const toc = (i.contents ?? []).map((c) => `【${c.section}】${c.titles.join('；')}`).join(' ');
    const summary =
      `《${opts.seriesTitle}》${i.issueLine}，${i.date}发布${i.pages ? `，共${i.pages}页` : ''}${i.size ? `，${i.size}` : ''}。` +
      (corrected.length ? `${corrected.join('')}原版仍可下载。` : '') +
      (toc ? `本期要目：${toc}` : '');
    return [
      '  <entry>',
      `    <id>${escapeXml(i.links.self)}</id>`,
      `    <title>${escapeXml(title)}</title>`,
      `    <updated>${escapeXml(changedAt(i))}</updated>`,
      `    <published>${escapeXml(i.publishedAt ?? i.createdAt)}</published>`,
      // The web edition is the entry's page; the PDF travels as its enclosure.
      ...(i.webUrl
        ? [
            `    <link rel="alternate" type="text/html" href="${escapeXml(i.webUrl)}"/>`,
            `    <link rel="enclosure" type="application/pdf" href="${escapeXml(i.links.download ?? i.links.self)}"${i.bytes ? ` length="${i.bytes}"` : ''}/>`,
          ]
        : [
            `    <link rel="alternate" type="application/pdf" href="${escapeXml(i.links.download ?? i.links.self)}"${i.bytes ? ` length="${i.bytes}"` : ''}/>`,
          ]),
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
    `  <link rel="alternate" type="text/html" href="${escapeXml(`${baseUrl}/series/${opts.series}`)}"/>`,
    // The release calendar (发布日程): when the next issues come out, as a page and as iCalendar.
    `  <link rel="related" type="text/html" title="发布日程" href="${escapeXml(`${baseUrl}/calendar`)}"/>`,
    `  <link rel="related" type="text/calendar" title="发布日程 (iCalendar)" href="${escapeXml(`${baseUrl}/calendar.ics`)}"/>`,
    `  <author><name>${escapeXml(opts.author)}</name></author>`,
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}

/** The feed entry of a withdrawn issue: its 撤回说明 in place of the issue (same entry id). */
function withdrawalEntry(seriesTitle: string, i: IssueView, w: WithdrawalView): string {
  const replaced = w.replacedBy
    ? `替代期：${w.replacedBy.issueLine ? `${seriesTitle} ${w.replacedBy.issueLine}` : w.replacedBy.id}（${w.replacedBy.url}）。`
    : '';
  const summary = `《${seriesTitle}》${i.issueLine}已于${w.date}撤回。撤回原因：${w.reason}。${replaced}`;
  return [
    '  <entry>',
    `    <id>${escapeXml(i.links.self)}</id>`,
    `    <title>${escapeXml(`${seriesTitle} ${i.issueLine}（已撤回）`)}</title>`,
    `    <updated>${escapeXml(w.at)}</updated>`,
    ...(i.publishedAt ? [`    <published>${escapeXml(i.publishedAt)}</published>`] : []),
    `    <link rel="alternate" type="text/html" href="${escapeXml(w.noticeUrl)}"/>`,
    `    <summary>${escapeXml(summary)}</summary>`,
    '  </entry>',
  ].join('\n');
}
