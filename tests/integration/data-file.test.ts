/**
 * The data behind a released issue, end to end through the real stores and Chromium: the
 * CSV attached inside the PDF is the one the API serves (made from the stored data file on
 * download, checked against the sha256 recorded at release; an issue released with a stored
 * CSV is served from it); every figure the PDF prints (a number
 * with a unit) is a row of it; the workbook has the 「数据」 sheet and one sheet per table, and is
 * made on the first download and recorded once; the PDF carries XMP metadata consistent with its Info.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFRawStream,
  PDFStream,
  type PDFHexString,
  type PDFString,
} from '@cantoo/pdf-lib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiApp } from '../../functions/api/app.ts';
import { createDynamoLifecycleCatalog } from '#adapters/dynamodb/issue-catalog.ts';
import { archiveKeyOwner, RELEASE_PARTS } from '../../functions/app/archive-keys.ts';
import { sweepOrphans, type LifecycleDeps } from '../../functions/app/lifecycle.ts';
import { awsApiDeps } from '#handlers/api.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { publishReport } from '../../functions/app/publish.ts';
import { DATA_COLUMNS } from '../../functions/core/data-file.ts';
import { sha256Hex } from '../../functions/core/digest.ts';
import { dataXlsx } from '../../functions/app/data-export.ts';
import { issueDataBytes, workbookKey } from '../../functions/app/data-download.ts';
import { packJson } from '../../functions/app/packed-json.ts';
import {
  PART_NAMES,
  packParts,
  partBytes,
  storedPart,
  type PartName,
} from '../../functions/app/release-parts.ts';
import { coverKey, issueCoverBytes, localCoverMaker } from '../../functions/app/issue-cover.ts';
import type { ChromiumRenderer } from '#adapters/print/renderer.ts';
import type { Issue } from '../../functions/core/model.ts';
import { pdfText } from '../support/pdf.ts';
import { REPO_ROOT, startTestStack, type TestStack } from '../support/stack.ts';
import { syntheticZonesFile } from '../support/trace.ts';

vi.hoisted(() => {
  process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
});

const BIN = join(REPO_ROOT, 'bin', 'bulletin.mjs');

const noQueue = {
  send: async () => {
    throw new Error('no report is requested in this test');
  },
};

/** Figures as a reader sees them: a number and the unit it is counted in. */
const FIGURE =
  /(?:约|超过|近|突破)?-?\d+(?:\.\d+)?(?:万亿元|亿元|亿美元|万元|个百分点|%|万户|户|万家|家|万件|件|万项|项|万人次|人次|万人|人|个|台套|吨标准煤\/万元)/g;

describe('the data file of a released issue', () => {
  let t: TestStack;
  const published: Issue[] = [];
  const pdfs = new Map<string, Uint8Array>();

  beforeAll(async () => {
    t = await startTestStack();
    await t.ingestRepoData();
    await ingestFiles({ records: t.services.records, reference: t.services.reference }, [
      { name: syntheticZonesFile, bytes: new Uint8Array(await readFile(syntheticZonesFile)) },
    ]);
    const deps = t.publishDeps({ now: () => new Date('2026-11-20T01:00:00Z') });
    for (const req of [
      { kind: 'torch-bulletin' as const, period: '2024', slotKey: 'test/data-bulletin' },
      { kind: 'regional-report' as const, region: '长三角', slotKey: 'test/data-region' },
      { kind: 'zone-profile' as const, zone: 'wuhan-donghu', slotKey: 'test/data-zone' },
    ]) {
      // Released at once (the bulletin's review waived by its editor).
      const r = await publishReport(deps, { ...req, releaseNow: { by: 'test' } });
      const issue = r.issue!;
      published.push(issue);
      pdfs.set(issue.id, new Uint8Array(await readFile(r.pdfPath!)));
    }
  }, 400_000);
  afterAll(() => t?.stop());

  const api = () =>
    createApiApp(awsApiDeps({ ...t.services, config: t.services.config }, noQueue as never));

  it('attaches the CSV the API serves, and it lists every figure the PDF prints', async () => {
    const app = api();
    let figures = 0;
    for (const issue of published) {
      expect(issue.dataKeys, issue.id).toBeDefined();
      const pdf = pdfs.get(issue.id)!;
      const doc = await PDFDocument.load(pdf);
      const attached = doc.getAttachments();
      expect(attached.map((a) => [a.mimeType, a.afRelationship])).toEqual([['text/csv', 'Data']]);
      expect(String(doc.catalog.lookup(PDFName.of('AF')))).toMatch(/\d+ 0 R/);

      const res = await app.request(`/bulletins/${issue.id}/data.csv`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toMatch(/filename\*=UTF-8''.*csv/);
      const served = new Uint8Array(await res.arrayBuffer());
      expect(Buffer.from(attached[0]!.data).equals(Buffer.from(served)), issue.id).toBe(true);

      const rows = parse(Buffer.from(served), { bom: true }) as string[][];
      expect(rows[0]).toEqual([...DATA_COLUMNS]);
      const printed = new Set(
        rows.slice(1).flatMap((r) => {
          const text = r[DATA_COLUMNS.indexOf('刊印值')]!;
          // 高2.5个百分点 prints as 较全国…高2.5个百分点; a qualifier may stand apart in prose.
          const bare = text.replace(/^(高|低)/, '').replace(/^(约|超过|近|突破)/, '');
          return [text, bare, bare.replace(/^-/, '')];
        }),
      );
      // Every number with a unit on the page is a figure of the data file.
      // Text items kept apart (a chart's axis years and its labels are separate items).
      const text = (await pdfText(pdf, '\u0001')).join('\n').replace(/[ \t]+/g, '');
      const onPage = [...text.matchAll(FIGURE)].map((m) => m[0]);
      // The data note's unit rule is a rule, not a figure.
      const rule = (m: string) => m === '1万亿元';
      const missing = onPage.filter(
        (m) => !rule(m) && !printed.has(m) && !printed.has(m.replace(/^(约|超过|近|突破)/, '')),
      );
      expect([...new Set(missing)], issue.id).toEqual([]);
      figures += onPage.length;
    }
    expect(figures).toBeGreaterThan(200);
  });

  it('serves the workbook, made on the first download and kept: 数据 and one sheet per table', async () => {
    const app = api();
    const issue = published[0]!;
    // Released without a workbook: the data file as JSON (its sha256 recorded) instead.
    const before = await t.services.catalog.get(issue.id);
    expect(before?.dataKeys?.csv).toBeUndefined();
    expect(before?.dataKeys?.json).toMatch(/^issues\/.*-parts\.bin$/);
    expect(before?.dataKeys?.sha256?.json).toMatch(/^[0-9a-f]{64}$/);
    expect(before?.dataKeys?.xlsx).toBeUndefined();
    const res = await app.request(`/bulletins/${issue.id}/data.xlsx`);
    expect(res.status).toBe(200);
    const body = new Uint8Array(await res.arrayBuffer());
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(body) as never);
    expect(book.worksheets[0]!.name).toBe('数据');
    expect(book.worksheets.length).toBeGreaterThan(2);
    // The same rows as the CSV the PDF carries.
    const csv = parse(
      (await (await app.request(`/bulletins/${issue.id}/data.csv`)).text()).replace(/^\uFEFF/, ''),
    ) as string[][];
    expect(book.worksheets[0]!.rowCount).toBe(csv.length);
    // Recorded once, under workbooks/, with the sha256 of what was served …
    const after = await t.services.catalog.get(issue.id);
    expect(after?.dataKeys?.xlsx).toMatch(/^workbooks\/.*-data-[0-9a-f]{16}\.xlsx$/);
    expect(after?.dataKeys?.sha256?.xlsx).toBe(sha256Hex(body));
    // … and served as recorded from then on: nothing is made or stored again.
    const puts: string[] = [];
    const archive = t.services.archive;
    const watched = createApiApp(
      awsApiDeps(
        {
          ...t.services,
          config: t.services.config,
          archive: {
            ...archive,
            put: (key, ...rest) => (puts.push(key), archive.put(key, ...rest)),
          },
        },
        noQueue as never,
      ),
    );
    const again = new Uint8Array(
      await (await watched.request(`/bulletins/${issue.id}/data.xlsx`)).arrayBuffer(),
    );
    expect(sha256Hex(again)).toBe(sha256Hex(body));
    expect(puts).toEqual([]);
    expect((await app.request('/bulletins/torch-bulletin-9999/data.csv')).status).toBe(404);
  });

  it('serves the workbook another download recorded first, not its own', async () => {
    const issue = published[1]!;
    const stale = (await t.services.catalog.get(issue.id))!;
    expect(stale.dataKeys?.xlsx).toBeUndefined();
    // Another download made and recorded its workbook meanwhile (different bytes).
    const theirs = await dataXlsx({ title: 'x', columns: ['序号'], rows: [[1]], tables: [] });
    const theirKey = workbookKey(stale.dataKeys!.json!, sha256Hex(theirs));
    await t.services.archive.put(theirKey, theirs, { fileName: 'x.xlsx' });
    await t.services.catalog.recordWorkbook(issue.id, {
      json: stale.dataKeys!.json!,
      xlsx: theirKey,
      sha256: sha256Hex(theirs),
    });
    const served = await issueDataBytes(t.services, stale, 'xlsx');
    expect(sha256Hex(served)).toBe(sha256Hex(theirs));
    const now = await t.services.catalog.get(issue.id);
    expect(now?.dataKeys?.xlsx).toBe(theirKey);
  });

  it('makes the cover (page 1, 300 px wide) on its first request, kept and shown on the series page', async () => {
    // Released without a cover: what it is made from (the HTML as printed, its sha256 recorded).
    for (const issue of published) {
      expect(issue.coverKey, issue.id).toBeUndefined();
      expect(issue.coverKeys?.source, issue.id).toMatch(/^issues\/.*-parts\.bin$/);
      expect(issue.coverKeys?.sha256.source, issue.id).toMatch(/^[0-9a-f]{64}$/);
      expect(issue.coverKeys?.png, issue.id).toBeUndefined();
    }
    const app = api();
    // Shown on the series page before it is made (A4's size).
    const page = async () =>
      (await app.request('/series/torch-bulletin', { headers: { accept: 'text/html' } })).text();
    const img =
      /<img src="[^"]*\/bulletins\/torch-bulletin-551\/cover" alt="[^"]*第1页）" width="300" height="424"/;
    expect(await page()).toMatch(img);
    const first = published[0]!;
    const res = await app.request(`/bulletins/${first.id}/cover`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await res.arrayBuffer());
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // IHDR: width and height, big-endian, at bytes 16 and 20.
    expect(png.readUInt32BE(16)).toBe(300);
    expect(png.readUInt32BE(20)).toBe(424);
    // Not a blank page: a white 300×424 PNG is about 1 KB.
    expect(png.byteLength).toBeGreaterThan(8_000);
    // Recorded once, under covers/, with the sha256 of what was served …
    const after = (await t.services.catalog.get(first.id))!;
    expect(after.coverKeys?.png).toMatch(/^covers\/.*-cover-[0-9a-f]{16}\.png$/);
    expect(after.coverKeys?.sha256.png).toBe(sha256Hex(png));
    expect(after.coverKeys?.size).toEqual({ width: 300, height: 424 });
    // … and served as recorded from then on: nothing is made or stored again.
    const puts: string[] = [];
    const archive = t.services.archive;
    const watched = createApiApp({
      ...awsApiDeps({ ...t.services, config: t.services.config }, noQueue as never),
      archive: { ...archive, put: (key, ...rest) => (puts.push(key), archive.put(key, ...rest)) },
      makeCover: () => Promise.reject(new Error('made again')),
    });
    const again = Buffer.from(
      await (await watched.request(`/bulletins/${first.id}/cover`)).arrayBuffer(),
    );
    expect(again.equals(png)).toBe(true);
    expect(puts).toEqual([]);
    expect(await page()).toMatch(img);
    expect((await app.request('/bulletins/torch-bulletin-9999/cover')).status).toBe(404);
  });

  it('serves the cover another request recorded first, not its own', async () => {
    const issue = published[1]!;
    const stale = (await t.services.catalog.get(issue.id))!;
    expect(stale.coverKeys?.png).toBeUndefined();
    // Another request made and recorded its cover meanwhile (other bytes).
    const theirs = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const theirKey = coverKey(stale.coverKeys!.source, sha256Hex(theirs));
    await t.services.archive.put(theirKey, theirs, { fileName: 'x.png' });
    await t.services.catalog.recordCover(issue.id, {
      source: stale.coverKeys!.source,
      png: theirKey,
      sha256: sha256Hex(theirs),
      size: { width: 1, height: 1 },
    });
    const made: string[] = [];
    const maker = localCoverMaker({
      archive: t.services.archive,
      catalog: t.services.catalog,
      renderer: t.services.renderer as ChromiumRenderer,
      workDir: join(t.dir, 'work'),
    });
    const served = await issueCoverBytes(
      { archive: t.services.archive, make: (i) => (made.push(i.id), maker(i)) },
      stale,
    );
    expect(made).toEqual([issue.id]);
    expect(sha256Hex(served)).toBe(sha256Hex(theirs));
    expect((await t.services.catalog.get(issue.id))?.coverKeys?.png).toBe(theirKey);
  });

  it('never makes a cover from a source whose bytes differ from the catalog', async () => {
    const app = api();
    const issue = published[2]!;
    const stored = (await t.services.catalog.get(issue.id))!;
    // The cover's part cut short in the object it shares with the web edition and the data.
    const putBack = await alterPart(stored.coverKeys!.source, 'cover', (b) => b.subarray(0, 100));
    const res = await app.request(`/bulletins/${issue.id}/cover`);
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/封面与目录记录 \(catalog, sha256\) 不符/);
    expect((await t.services.catalog.get(issue.id))?.coverKeys?.png).toBeUndefined();
    // Each part is checked on its own: the others, unaltered, are served.
    expect((await app.request(`/bulletins/${issue.id}/web`)).status).toBe(200);
    expect((await app.request(`/bulletins/${issue.id}/data.csv`)).status).toBe(200);
    // Put back: the sweep below finds every part of it.
    await putBack();
  });

  it('makes the cover from a source stored as plain JSON (released before); stores it compressed', async () => {
    const app = api();
    const issue = published[2]!;
    const stored = (await t.services.catalog.get(issue.id))!;
    const keys = stored.coverKeys!;
    expect(keys.png).toBeUndefined();
    const { plain } = await storePlainJson(stored, 'coverKeys', 'source', 3);
    const res = await app.request(`/bulletins/${issue.id}/cover`);
    expect(res.status).toBe(200);
    expect(
      Buffer.from(await res.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    const made = (await t.services.catalog.get(issue.id))!.coverKeys!;
    expect(made.png).toMatch(/^covers\/.*-[0-9a-f]{16}-cover-[0-9a-f]{16}\.png$/);
    // As it was: its cover not made, from the compressed source.
    await updateIssue(stored, 'SET coverKeys = :c', { ':c': keys });
    await t.services.archive.delete(plain);
    await t.services.archive.delete(made.png!);
  });

  it('stores the web edition compressed and serves it as the page; one stored before as it is', async () => {
    const app = api();
    const issue = published[1]!;
    const stored = (await t.services.catalog.get(issue.id))!;
    const packed = stored.webKey!;
    expect(packed).toMatch(/-parts\.bin$/);
    const res = await app.request(`/bulletins/${issue.id}/web`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = new Uint8Array(await res.arrayBuffer());
    expect(new TextDecoder().decode(page)).toMatch(/^<!DOCTYPE html>/i);
    expect(new TextDecoder().decode(page)).toContain(issue.title!);
    const source = partBytes(packed, (await t.services.archive.get(packed))!, 'web')!;
    expect(source.byteLength * 3).toBeLessThan(page.byteLength);
    // Stored before the web edition was compressed: `.html`, served as stored.
    const plain = stored.s3Key!.replace(/\.pdf$/, '.html');
    const old = new TextEncoder().encode('<!DOCTYPE html><title>旧版网页版</title>');
    await t.services.archive.put(plain, old, { fileName: 'x.html' });
    await updateIssue(stored, 'SET webKey = :k, partsSha256.web = :h', {
      ':k': plain,
      ':h': sha256Hex(old),
    });
    const before = await app.request(`/bulletins/${issue.id}/web`);
    expect(before.status).toBe(200);
    expect(Buffer.from(await before.arrayBuffer()).equals(Buffer.from(old))).toBe(true);
    await updateIssue(stored, 'SET webKey = :k, partsSha256.web = :h', {
      ':k': packed,
      ':h': stored.partsSha256!.web!,
    });
    await t.services.archive.delete(plain);
  });

  it('tags every chart as a Figure whose /Alt names its figures', async () => {
    const altsOf = async (pdf: Uint8Array) => {
      const doc = await PDFDocument.load(pdf, { updateMetadata: false });
      const figures: (string | undefined)[] = [];
      const walk = (node: unknown, depth: number): void => {
        if (!(node instanceof PDFDict) || depth > 64) return;
        if (String(node.lookup(PDFName.of('S'))) === '/Figure') {
          const alt = node.lookup(PDFName.of('Alt')) as PDFString | PDFHexString | undefined;
          figures.push(alt?.decodeText());
        }
        const kids = node.lookup(PDFName.of('K'));
        if (kids instanceof PDFArray)
          for (let i = 0; i < kids.size(); i += 1) walk(kids.lookup(i), depth + 1);
        else walk(kids, depth + 1);
      };
      walk(doc.catalog.lookup(PDFName.of('StructTreeRoot')), 0);
      return figures;
    };
    const bulletin = await altsOf(pdfs.get(published[0]!.id)!);
    // 图1 GDP and its share, 图2 the innovation index, 图3 the zones: one Figure each, all with /Alt.
    expect(bulletin.length).toBeGreaterThanOrEqual(3);
    expect(bulletin.every((a) => a && a.length > 10)).toBe(true);
    expect(bulletin[0]).toMatch(
      /^国家高新区园区生产总值及占全国比重.*：2012年 园区生产总值 .*万亿元；/,
    );
    expect(bulletin[0]).toContain('2024年 园区生产总值 突破19.3万亿元');
    expect(bulletin[0]).toContain('2024年 占全国比重 14.3%');
    for (const issue of published.slice(1)) {
      const alts = await altsOf(pdfs.get(issue.id)!);
      expect(alts.length, issue.id).toBeGreaterThan(0);
      expect(
        alts.every((a) => a && /\d/.test(a)),
        issue.id,
      ).toBe(true);
    }
  });

  it('writes XMP metadata consistent with the Info dictionary', async () => {
    const pdf = pdfs.get(published[0]!.id)!;
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    const meta = doc.catalog.lookup(PDFName.of('Metadata'));
    expect(meta).toBeInstanceOf(PDFStream);
    const xmp = Buffer.from((meta as PDFRawStream).getContents()).toString('utf8');
    expect(xmp).toContain(`<rdf:li xml:lang="x-default">${doc.getTitle()}</rdf:li>`);
    expect(xmp).toContain(`<rdf:li>${doc.getAuthor()}</rdf:li>`);
    expect(xmp).toContain(
      `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${doc.getSubject()}`,
    );
    expect(xmp).toContain(`<pdf:Keywords>${doc.getKeywords()}</pdf:Keywords>`);
    expect(xmp).toContain('<dc:language><rdf:Bag><rdf:li>zh-CN</rdf:li></rdf:Bag></dc:language>');
    const created = doc
      .getCreationDate()!
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    expect(xmp).toContain(`<xmp:CreateDate>${created}</xmp:CreateDate>`);
    expect(xmp).toContain('<xmp:CreatorTool>Torch Bulletin</xmp:CreatorTool>');
  });

  it('never makes a workbook from a data file whose bytes differ from the catalog', async () => {
    const app = api();
    const issue = published[2]!;
    const stored = (await t.services.catalog.get(issue.id))!;
    expect(stored.dataKeys?.xlsx).toBeUndefined();
    const putBack = await alterPart(stored.dataKeys!.json!, 'data', () => packJson({}));
    const res = await app.request(`/bulletins/${issue.id}/data.xlsx`);
    expect(res.status).toBe(502);
    expect((await t.services.catalog.get(issue.id))?.dataKeys?.xlsx).toBeUndefined();
    expect((await app.request(`/bulletins/${issue.id}/web`)).status).toBe(200);
    await putBack();
  });

  it('reads an issue stored before its parts shared one object: each under its own key, as then', async () => {
    const app = api();
    const issue = published[2]!;
    const stored = (await t.services.catalog.get(issue.id))!;
    const partsKey = stored.webKey!;
    expect(partsKey).toMatch(/^issues\/.*-parts\.bin$/);
    expect([stored.coverKeys?.source, stored.dataKeys?.json]).toEqual([partsKey, partsKey]);
    expect([stored.coverKeys?.png, stored.dataKeys?.xlsx]).toEqual([undefined, undefined]);
    const page = Buffer.from(await (await app.request(`/bulletins/${issue.id}/web`)).arrayBuffer());
    // What a release of session 13 stored: each part in an object of its own beside the PDF —
    // the same compressed bytes, so the same sha256 in the catalog — and no parts object.
    const whole = (await t.services.archive.get(partsKey))!;
    const own = (suffix: string) => stored.s3Key!.replace(/\.pdf$/, suffix);
    const old = { web: own('.html.br'), cover: own('-cover.json.br'), data: own('-data.json.br') };
    for (const name of PART_NAMES)
      await t.services.archive.put(old[name], partBytes(partsKey, whole, name)!, {
        fileName: 'x.br',
      });
    // The catalog as it recorded them: each key, the same sha256s, the edition's other keys.
    await updateIssue(
      stored,
      'SET webKey = :w, coverKeys.#src = :c, dataKeys.#json = :d, editions[0].otherKeys = :o',
      { ':w': old.web, ':c': old.cover, ':d': old.data, ':o': [old.data, old.cover, old.web] },
      { '#src': 'source', '#json': 'json' },
    );
    await t.services.archive.delete(partsKey);
    const before = (await t.services.catalog.get(issue.id))!;
    expect(before.partsSha256?.web).toBe(stored.partsSha256?.web);
    // The web edition, the CSV the PDF carries, the workbook and the cover, as they were.
    const web = await app.request(`/bulletins/${issue.id}/web`);
    expect(web.status).toBe(200);
    expect(Buffer.from(await web.arrayBuffer()).equals(page)).toBe(true);
    const csv = await app.request(`/bulletins/${issue.id}/data.csv`);
    const attached = (await PDFDocument.load(pdfs.get(issue.id)!)).getAttachments()[0]!;
    expect(Buffer.from(await csv.arrayBuffer()).equals(Buffer.from(attached.data))).toBe(true);
    const xlsx = await app.request(`/bulletins/${issue.id}/data.xlsx`);
    expect(xlsx.status).toBe(200);
    const book = new Uint8Array(await xlsx.arrayBuffer());
    const cover = await app.request(`/bulletins/${issue.id}/cover`);
    expect(cover.status).toBe(200);
    const png = new Uint8Array(await cover.arrayBuffer());
    const made = (await t.services.catalog.get(issue.id))!;
    // Named from the parts' own keys as before.
    expect(made.dataKeys?.xlsx).toBe(workbookKey(old.data, sha256Hex(book)));
    expect(made.dataKeys?.xlsx).toMatch(/^workbooks\/.*-[0-9a-f]{16}-data-[0-9a-f]{16}\.xlsx$/);
    expect(made.coverKeys?.png).toBe(coverKey(old.cover, sha256Hex(png)));
    expect(made.coverKeys?.png).toMatch(/^covers\/.*-[0-9a-f]{16}-cover-[0-9a-f]{16}\.png$/);
    // An old part that differs from its record is refused, as before.
    const html = (await t.services.archive.get(old.web))!;
    await t.services.archive.put(old.web, html.subarray(1), { fileName: 'x.br' });
    expect((await app.request(`/bulletins/${issue.id}/web`)).status).toBe(502);
    await t.services.archive.put(old.web, html, { fileName: 'x.br' });
    expect((await app.request(`/bulletins/${issue.id}/web`)).status).toBe(200);
    // Left stored so (the sweep below keeps its parts), its cover and workbook not made yet.
    await updateIssue(
      stored,
      'REMOVE coverKeys.png, coverKeys.sha256.png, coverKeys.#size, dataKeys.xlsx, dataKeys.sha256.xlsx',
      undefined,
      { '#size': 'size' },
    );
    await t.services.archive.delete(made.coverKeys!.png!);
    await t.services.archive.delete(made.dataKeys!.xlsx!);
  });

  /** Sets fields of an issue's catalog item directly (what an earlier release wrote, a fault). */
  const updateIssue = (
    issue: Issue,
    expression: string,
    values: Record<string, unknown> | undefined,
    names?: Record<string, string>,
  ) =>
    t.services.clients.documents.send(
      new UpdateCommand({
        TableName: t.services.config.tables.issues,
        Key: { pk: `SERIES#${issue.series}`, sk: `N#${String(issue.total).padStart(8, '0')}` },
        UpdateExpression: expression,
        ...(values ? { ExpressionAttributeValues: values } : {}),
        ...(names ? { ExpressionAttributeNames: names } : {}),
      }),
    );

  /**
   * The parts object `key` stored again with its part `name` altered (the others as they are);
   * returns what puts it back as it was.
   */
  const alterPart = async (
    key: string,
    name: PartName,
    alter: (stored: Uint8Array) => Uint8Array,
  ) => {
    const whole = (await t.services.archive.get(key))!;
    const parts = Object.fromEntries(
      PART_NAMES.flatMap((n) => {
        const bytes = partBytes(key, whole, n);
        return bytes ? [[n, n === name ? alter(bytes) : bytes]] : [];
      }),
    );
    await t.services.archive.put(key, packParts(parts), { fileName: 'x.bin' });
    return () => t.services.archive.put(key, whole, { fileName: 'x.bin' });
  };

  /**
   * The packed JSON part `map.field` of `issue` stored again as plain JSON, as a release before
   * compression stored it (its own object beside the PDF), and the catalog pointed at it (key and
   * sha256); it must have been stored at least `ratio` times smaller than its JSON. `restore`
   * points the catalog back at the parts object and deletes the plain copy.
   */
  const storePlainJson = async (
    issue: Issue,
    map: 'coverKeys' | 'dataKeys',
    field: 'source' | 'json',
    ratio: number,
  ) => {
    const keys = issue[map] as unknown as Record<string, string> & {
      sha256: Record<string, string>;
    };
    const packed = keys[field]!;
    const packedSha = keys.sha256[field]!;
    expect(packed).toMatch(/-parts\.bin$/);
    const name = map === 'coverKeys' ? 'cover' : 'data';
    const source = partBytes(packed, (await t.services.archive.get(packed))!, name)!;
    const json = await storedPart(t.services.archive, packed, name, packedSha);
    const text = new TextEncoder().encode(JSON.stringify(JSON.parse(Buffer.from(json).toString())));
    expect(source.byteLength * ratio).toBeLessThan(text.byteLength);
    const plain = issue.s3Key!.replace(/\.pdf$/, `-${name}.json`);
    await t.services.archive.put(plain, text, { fileName: 'x.json' });
    const point = (key: string, sha256: string) =>
      updateIssue(
        issue,
        `SET ${map}.#f = :k, ${map}.sha256.#f = :h`,
        { ':k': key, ':h': sha256 },
        { '#f': field },
      );
    await point(plain, sha256Hex(text));
    return {
      plain,
      async restore() {
        await point(packed, packedSha);
        await t.services.archive.delete(plain);
      },
    };
  };

  it('stores no CSV: a download makes it from the data file, the one the PDF carries, byte for byte', async () => {
    for (const issue of published) {
      const stored = (await t.services.catalog.get(issue.id))!;
      expect(stored.dataKeys?.csv, issue.id).toBeUndefined();
      expect(stored.dataKeys?.sha256?.csv, issue.id).toMatch(/^[0-9a-f]{64}$/);
      expect(await t.services.archive.get(stored.s3Key!.replace(/\.pdf$/, '-data.csv'))).toBe(
        undefined,
      );
      const attached = (await PDFDocument.load(pdfs.get(issue.id)!)).getAttachments()[0]!;
      expect(stored.dataKeys?.sha256?.csv, issue.id).toBe(sha256Hex(attached.data));
    }
  });

  it("the CLI's bulletin data writes the CSV the PDF carries, made from the data file", async () => {
    const issue = published[0]!;
    const out = join(t.dir, 'cli-data.csv');
    const run = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = execFile(
        process.execPath,
        [BIN, '--target', 'aws', 'data', issue.id, '--out', out],
        { env: { ...process.env, ...t.stack.env }, encoding: 'utf8', timeout: 120_000 },
        (_err, _stdout, stderr) => done({ code: child.exitCode, stderr }),
      );
    });
    expect(run.code, run.stderr).toBe(0);
    const attached = (await PDFDocument.load(pdfs.get(issue.id)!)).getAttachments()[0]!;
    expect(Buffer.from(await readFile(out)).equals(Buffer.from(attached.data))).toBe(true);
  });

  it('never serves a CSV made from a data file that differs from the catalog (sha256)', async () => {
    const app = api();
    const issue = published[0]!;
    const stored = (await t.services.catalog.get(issue.id))!;
    const jsonKey = stored.dataKeys!.json!;
    // One stored value changed: still a data file, no longer the one released.
    const data = JSON.parse(
      Buffer.from(
        await storedPart(t.services.archive, jsonKey, 'data', stored.dataKeys!.sha256!.json),
      ).toString(),
    ) as { rows: unknown[][] };
    data.rows[0]![10] = '1';
    const putBack = await alterPart(jsonKey, 'data', () => packJson(data));
    const res = await app.request(`/bulletins/${issue.id}/data.csv`);
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/与目录记录 \(catalog, sha256\) 不符/);
    await expect(issueDataBytes(t.services, stored, 'csv')).rejects.toThrow(/sha256/);
    // The workbook was made before (above) and is checked on its own.
    expect((await app.request(`/bulletins/${issue.id}/data.xlsx`)).status).toBe(200);
    await putBack();
    expect((await app.request(`/bulletins/${issue.id}/data.csv`)).status).toBe(200);
  });

  it('never serves a CSV made otherwise than the one the PDF carries (its recorded sha256)', async () => {
    const app = api();
    const issue = published[0]!;
    const stored = (await t.services.catalog.get(issue.id))!;
    const recorded = stored.dataKeys!.sha256!.csv;
    // The data file as stored, but the CSV recorded at release is another one (as when the CSV
    // would be made differently from the same data file).
    await updateIssue(stored, 'SET dataKeys.sha256.csv = :h', {
      ':h': sha256Hex(new Uint8Array(1)),
    });
    const res = await app.request(`/bulletins/${issue.id}/data.csv`);
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/与目录记录 \(catalog, sha256\) 不符/);
    await updateIssue(stored, 'SET dataKeys.sha256.csv = :h', { ':h': recorded });
    expect((await app.request(`/bulletins/${issue.id}/data.csv`)).status).toBe(200);
  });

  it('makes the CSV of an issue whose data file was stored as plain JSON (released before)', async () => {
    const app = api();
    const issue = published[0]!;
    const stored = (await t.services.catalog.get(issue.id))!;
    // ≈ 1/20 of the JSON a zone profile's or a bulletin's data file is.
    const { restore } = await storePlainJson(stored, 'dataKeys', 'json', 5);
    const res = await app.request(`/bulletins/${issue.id}/data.csv`);
    expect(res.status).toBe(200);
    const attached = (await PDFDocument.load(pdfs.get(issue.id)!)).getAttachments()[0]!;
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(attached.data))).toBe(true);
    await restore();
  });

  it('serves the CSV of an issue released before as stored, never when it differs (sha256)', async () => {
    const app = api();
    const issue = published[1]!;
    const stored = (await t.services.catalog.get(issue.id))!;
    // Released when the CSV was stored beside the PDF: its key and sha256 in the catalog. Bytes
    // other than those the data file makes: what is served is the stored file.
    const csvKey = stored.s3Key!.replace(/\.pdf$/, '-data.csv');
    const csv = new TextEncoder().encode('\uFEFF序号,栏目\r\n1,旧版\r\n');
    await t.services.archive.put(csvKey, csv, { fileName: 'x.csv', contentType: 'text/csv' });
    await updateIssue(stored, 'SET dataKeys.csv = :k, dataKeys.sha256.csv = :h', {
      ':k': csvKey,
      ':h': sha256Hex(csv),
    });
    const res = await app.request(`/bulletins/${issue.id}/data.csv`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(csv))).toBe(true);
    const old = (await t.services.catalog.get(issue.id))!;
    expect(Buffer.from(await issueDataBytes(t.services, old, 'csv')).equals(Buffer.from(csv))).toBe(
      true,
    );
    // A stored CSV that differs from its record is refused.
    await t.services.archive.put(csvKey, new TextEncoder().encode('序号\n1\n'), {
      fileName: 'x.csv',
      contentType: 'text/csv',
    });
    const tampered = await app.request(`/bulletins/${issue.id}/data.csv`);
    expect(tampered.status).toBe(502);
    expect(await tampered.text()).toMatch(/与目录记录 \(catalog, sha256\) 不符/);
    await t.services.archive.put(csvKey, csv, { fileName: 'x.csv', contentType: 'text/csv' });
  });

  it('serves the cover of an issue released before as stored, never when it differs (sha256)', async () => {
    const app = api();
    const issue = published.at(-1)!;
    const stored = (await t.services.catalog.get(issue.id))!;
    expect(stored.partsSha256?.web).toMatch(/^[0-9a-f]{64}$/);
    // Released before covers were made on first request: a PNG beside the PDF, its sha256
    // recorded with the web edition's, no cover source.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const oldKey = stored.s3Key!.replace(/\.pdf$/, '-cover.png');
    await t.services.archive.put(oldKey, png, { fileName: 'x.png', contentType: 'image/png' });
    await t.services.clients.documents.send(
      new UpdateCommand({
        TableName: t.services.config.tables.issues,
        Key: { pk: `SERIES#${stored.series}`, sk: `N#${String(stored.total).padStart(8, '0')}` },
        UpdateExpression:
          'SET coverKey = :k, coverSize = :z, partsSha256.cover = :h REMOVE coverKeys',
        ExpressionAttributeValues: {
          ':k': oldKey,
          ':z': { width: 300, height: 424 },
          ':h': sha256Hex(png),
        },
      }),
    );
    const made = createApiApp({
      ...awsApiDeps({ ...t.services, config: t.services.config }, noQueue as never),
      makeCover: () => Promise.reject(new Error('an old cover is never made again')),
    });
    const res = await made.request(`/bulletins/${issue.id}/cover`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);
    expect((await app.request(`/bulletins/${issue.id}/web`)).status).toBe(200);
    // A web edition cut short, and an empty cover (what a failed copy leaves).
    const html = (await t.services.archive.get(stored.webKey!))!;
    await t.services.archive.put(stored.webKey!, html.subarray(0, html.byteLength >> 1), {
      fileName: 'x.html',
      contentType: 'text/html; charset=utf-8',
    });
    await t.services.archive.put(oldKey, new Uint8Array(0), {
      fileName: 'x.png',
      contentType: 'image/png',
    });
    for (const part of ['web', 'cover']) {
      const res = await app.request(`/bulletins/${issue.id}/${part}`);
      expect(res.status, part).toBe(502);
      expect(res.headers.get('Cache-Control') ?? '', part).not.toMatch(/max-age=300/);
      expect(await res.text()).toMatch(/与目录记录 \(catalog, sha256\) 不符/);
    }
  });

  it('sweep knows every name a release writes: the parts of an edition never released go', async () => {
    const keys: string[] = [];
    for await (const o of t.services.archive.list('issues/')) keys.push(o.key);
    // Every key the releases wrote: the PDF and each part beside it, for each issue.
    for (const issue of published) {
      const mine = keys.filter((k) => k.includes(`/${issue.id}-`));
      // The last one's parts (each in its own object), its cover and the second one's CSV are
      // as an earlier release stored them (above), beside the PDF.
      const parts = [
        ...(issue === published.at(-1)
          ? ['.pdf', '.html.br', '-cover.json.br', '-data.json.br', '-cover.png']
          : Object.values(RELEASE_PARTS)),
        ...(issue === published[1] ? ['-data.csv'] : []),
      ];
      expect(mine.map((k) => k.replace(/^.*-[0-9a-f]{16}/, '')).sort(), issue.id).toEqual(
        parts.sort(),
      );
    }
    for (const key of keys) expect(archiveKeyOwner(key), key).toBeDefined();
    // The same parts of an edition that was never released (its catalog write never came).
    const orphans = keys.map((k) => k.replace(/-[0-9a-f]{16}(?=[.-])/, '-e9-ffffffffffffffff'));
    for (const key of orphans)
      await t.services.archive.put(key, new TextEncoder().encode('orphan'), { fileName: 'x' });
    const deps: LifecycleDeps = {
      catalog: createDynamoLifecycleCatalog(
        t.services.clients.documents,
        t.services.config.tables.issues,
      ),
      archive: t.services.archive,
      records: t.services.records,
      timeZone: 'Asia/Shanghai',
      resolveJob: () => Promise.reject(new Error('not used')),
    };
    // Workbooks made on first downloads: the one a download that lost the race stored (above)
    // is no issue's; the recorded ones are.
    const workbooks: string[] = [];
    for await (const o of t.services.archive.list('workbooks/')) workbooks.push(o.key);
    const recorded: string[] = [];
    for (const issue of published) {
      const xlsx = (await t.services.catalog.get(issue.id))?.dataKeys?.xlsx;
      if (xlsx) recorded.push(xlsx);
    }
    const lost = workbooks.filter((k) => !recorded.includes(k));
    expect(lost).toHaveLength(1);
    for (const key of workbooks) expect(archiveKeyOwner(key), key).toBeDefined();
    // Covers made on first requests: the one a request that lost the race stored (above) is no
    // issue's; the recorded ones are.
    const covers: string[] = [];
    for await (const o of t.services.archive.list('covers/')) covers.push(o.key);
    const kept: string[] = [];
    for (const issue of published) {
      const png = (await t.services.catalog.get(issue.id))?.coverKeys?.png;
      if (png) kept.push(png);
    }
    const lostCovers = covers.filter((k) => !kept.includes(k));
    expect(kept).toHaveLength(2);
    expect(lostCovers).toHaveLength(1);
    for (const key of covers) expect(archiveKeyOwner(key), key).toBeDefined();
    const swept = await sweepOrphans(deps, { graceMs: 0 });
    expect(swept.removed.sort()).toEqual([...orphans, ...lost, ...lostCovers].sort());
    const left: string[] = [];
    for await (const o of t.services.archive.list('issues/')) left.push(o.key);
    expect(left.sort()).toEqual(keys.sort());
    const leftBooks: string[] = [];
    for await (const o of t.services.archive.list('workbooks/')) leftBooks.push(o.key);
    expect(leftBooks.sort()).toEqual(recorded.sort());
    const leftCovers: string[] = [];
    for await (const o of t.services.archive.list('covers/')) leftCovers.push(o.key);
    expect(leftCovers.sort()).toEqual(kept.sort());
  });
});
