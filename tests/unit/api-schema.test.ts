import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { reportRequestSchema } from '../../functions/app/requests.ts';
import { formatSize } from '../../functions/core/display.ts';
import { atomFeed, issueView } from '../../functions/api/views.ts';
import type { Issue } from '#core/model.ts';

describe('POST /reports body', () => {
  it('accepts each report kind with what it needs', () => {
    for (const body of [
      { kind: 'torch-bulletin' },
      { kind: 'torch-bulletin', period: '2024-Q3', requestId: 'ops-2026-01-15' },
      { kind: 'zone-profile', zone: 'zhongguancun', period: '2024' },
      { kind: 'regional-report', region: '长三角' },
    ])
      expect(reportRequestSchema.safeParse(body).success).toBe(true);
  });

  it('rejects unknown kinds, bad periods, missing zone/region and unknown fields', () => {
    const fields = (body: unknown) => {
      const r = reportRequestSchema.safeParse(body);
      return r.success ? [] : r.error.issues.map((i) => i.path.join('.') || i.code);
    };
    expect(fields({ kind: 'newsletter' })).toEqual(['kind']);
    expect(fields({ kind: 'torch-bulletin', period: '2024-13' })).toEqual(['period']);
    expect(fields({ kind: 'zone-profile' })).toEqual(['zone']);
    expect(fields({ kind: 'regional-report' })).toEqual(['region']);
    expect(fields({ kind: 'torch-bulletin', requestId: 'a b' })).toEqual(['requestId']);
    expect(fields({ kind: 'torch-bulletin', force: true })).toEqual(['unrecognized_keys']);
    expect(fields([])).not.toEqual([]);
  });
});

describe('issue views and the Atom feed', () => {
  const base = 'https://bulletin.example.cn';
  const issue = (total: number, publishedAt: string): Issue => ({
    id: `torch-bulletin-${total}`,
    series: 'torch-bulletin',
    kind: 'torch-bulletin',
    year: 2026,
    number: total - 550,
    total,
    slotKey: 'schedule:monthly-bulletin:2026-01-15T01:00:00.000Z',
    status: 'published',
    title: '火炬动态',
    s3Key: `issues/torch-bulletin/2026/torch-bulletin-${total}.pdf`,
    fileName: `火炬动态-2026-第${total - 550}期.pdf`,
    bytes: 316_745,
    pages: 6,
    inputHash: 'secret-ish',
    createdAt: publishedAt,
    publishedAt,
  });
  const view = (i: Issue) =>
    issueView(i, { baseUrl: base, timeZone: 'Asia/Shanghai', seriesTitle: '火炬动态' });

  it('shows the issue line, the Chinese date and size, and hides internal keys', () => {
    const v = view(issue(551, '2026-01-15T01:02:03.000Z'));
    expect(v).toMatchObject({
      issueLine: '2026年第1期(总第551期)',
      date: '2026年1月15日',
      size: '317 KB',
      links: { download: `${base}/bulletins/torch-bulletin-551/download` },
    });
    expect(JSON.stringify(v)).not.toMatch(/s3Key|slotKey|inputHash|secret-ish/);
    expect(formatSize(999)).toBe('999 B');
    expect(formatSize(1_234_567)).toBe('1.2 MB');
  });

  it('never writes a character XML cannot hold into the feed (U+0001, U+FFFE, a lone surrogate)', () => {
    const xml = atomFeed({
      series: 'torch-bulletin',
      seriesTitle: '火炬\u0001动态\uFFFE\uD800',
      author: '火炬中心\u001F',
      baseUrl: base,
      issues: [issue(552, '2026-02-15T01:00:09.000Z')].map(view),
    });
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/);
    expect(new XMLParser().parse(xml).feed.title).toBe('火炬动态');
  });

  it('writes an Atom 1.0 feed with one entry per issue, escaped, newest first', () => {
    const xml = atomFeed({
      series: 'torch-bulletin',
      seriesTitle: '火炬动态 <&>',
      author: '工业和信息化部火炬高技术产业开发中心',
      baseUrl: base,
      issues: [issue(552, '2026-02-15T01:00:09.000Z'), issue(551, '2026-01-15T01:00:07.000Z')].map(
        view,
      ),
    });
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(xml);
    const feed = parsed.feed;
    expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect(feed.title).toBe('火炬动态 <&>');
    expect(feed.updated).toBe('2026-02-15T01:00:09.000Z');
    expect(feed.link.find((l: Record<string, string>) => l['@rel'] === 'self')['@href']).toBe(
      `${base}/feeds/torch-bulletin.atom`,
    );
    expect(feed.entry).toHaveLength(2);
    expect(feed.entry[0].link['@href']).toBe(`${base}/bulletins/torch-bulletin-552/download`);
    expect(feed.entry[0].id).toBe(`${base}/bulletins/torch-bulletin-552`);
  });
});
