/**
 * The foundation end to end, against dynalite and s3rver through the real AWS SDK:
 * ingest data/ → trigger the bulletin (a draft for review) → release it (numbered then) → read
 * the PDF back from S3 and check what it says.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../functions/core/digest.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { releaseDraft } from '../../functions/app/lifecycle.ts';
import { cycleOf, publishReport } from '../../functions/app/publish.ts';
import { ValidationError } from '../../functions/errors.ts';
import { pdfFonts, pdfInfo, pdfText } from '../support/pdf.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const NOW = new Date('2026-11-20T01:00:00Z');
const HEADER = 'zone,indicator,period,value,unit,yoy,share,source';

describe('pipeline: ingest → compose → render → publish', () => {
  let t: TestStack;

  beforeAll(async () => {
    t = await startTestStack();
    const summary = await t.ingestRepoData();
    expect(summary.created).toBeGreaterThan(100);
  });
  afterAll(() => t?.stop());

  async function dumpTable(name: string) {
    const out = await t.services.clients.documents.send(
      new ScanCommand({ TableName: name, ConsistentRead: true }),
    );
    return JSON.stringify(
      (out.Items ?? []).sort((a, b) => `${a.pk}${a.sk}`.localeCompare(`${b.pk}${b.sk}`)),
    );
  }

  const trigger = (slotKey: string, force = false) =>
    publishReport(t.publishDeps({ now: () => NOW }), {
      kind: 'torch-bulletin',
      slotKey,
      ...(force ? { force } : {}),
    });
  const release = (draftId: string) =>
    releaseDraft(cycleOf(t.publishDeps({ now: () => NOW })), draftId, { by: 'test editor' });

  it('drafts the current bulletin, then releases it numbered with the real 2024 figures, traceable in S3 and the catalog', async () => {
    // Act: the trigger makes a draft (《火炬动态》 needs review): no number yet.
    const drafted = await trigger('test:first');
    expect(drafted.outcome).toBe('drafted');
    const draft = drafted.draft!;
    expect(draft).toMatchObject({ status: 'draft', period: '2024' });
    const draftText = (await pdfText((await t.services.archive.get(draft.s3Key!))!)).join('');
    expect(draftText.replace(/\s+/g, '')).toContain('样稿·期号于发布时确定');
    // Its title says 样稿 once, not 预览 as well (火炬动态 2026年（预览）（样稿） before).
    const { title } = await pdfInfo((await t.services.archive.get(draft.s3Key!))!);
    expect(title).toBe('火炬动态 2026年（样稿）');
    expect((await t.services.catalog.list('torch-bulletin')).items).toEqual([]);
    const issue = await release(draft.id);

    // Assess: the catalog entry
    expect(issue).toMatchObject({
      status: 'published',
      year: 2026,
      number: 1,
      total: 551,
      period: '2024',
    });
    const pdf = await t.services.archive.get(issue.s3Key!);
    expect(pdf).toBeDefined();
    expect(issue.sha256).toBe(sha256Hex(pdf!));
    expect(issue.bytes).toBe(pdf!.byteLength);
    const head = await t.services.archive.head(issue.s3Key!);
    expect(head?.contentType).toBe('application/pdf');
    expect(head?.contentDisposition).toContain("filename*=UTF-8''");
    expect(decodeURIComponent(head!.contentDisposition!.split("''")[1]!)).toBe(
      '火炬动态-2026-第1期.pdf',
    );

    // Assess: what the PDF says
    const text = (await pdfText(pdf!)).join('\n');
    const flat = text.replace(/\s+/g, '');
    expect(flat).toContain('火炬动态');
    expect(flat).toContain('工业和信息化部火炬高技术产业开发中心');
    expect(flat).toContain('2026年第1期(总第551期)');
    expect(flat).toContain('2026年11月20日');
    expect(flat).toContain('19.3万亿元');
    expect(flat).toMatch(/园区生产总值突破19\.3万亿元，同比增长7\.6%，占全国比重为14\.3%/);
    expect(flat).toContain('8921.9亿元');
    expect(flat).toContain('供稿');
    expect(flat).toMatch(/第1页共\d+页/);
    // Chinese printed with embedded, subset Noto fonts: never boxes, never Type 3.
    const fonts = await pdfFonts(pdf!);
    expect(fonts.some((f) => /NotoSerifSC/.test(f.name) && f.embedded && f.subset)).toBe(true);
    expect(fonts.filter((f) => /Type3/i.test(f.type))).toEqual([]);
  });

  it('numbers issues exactly once at release: unchanged data take no number; N+1 next; a retried slot keeps its issue', async () => {
    const unchanged = await trigger('test:unchanged');
    expect(unchanged.outcome).toBe('unchanged');
    expect(unchanged.issue?.id).toBe('torch-bulletin-551');
    expect(unchanged.printed).toBe(false);

    const second = await trigger('test:second', true);
    const issue = await release(second.draft!.id);
    const retried = await trigger('test:second', true);
    expect(issue).toMatchObject({ number: 2, total: 552, status: 'published' });
    expect(retried.printed).toBe(false);
    expect(retried.issue?.id).toBe(issue.id);
    const { items } = await t.services.catalog.list('torch-bulletin');
    expect(items.map((i) => i.total)).toEqual([552, 551]);
    expect((await t.services.catalog.latest('torch-bulletin'))?.id).toBe('torch-bulletin-552');
  });

  it('re-ingesting the same data changes nothing; a changed value becomes a new revision', async () => {
    const before = await dumpTable(t.services.config.tables.records);
    const again = await t.ingestRepoData();
    expect(again.created + again.revised).toBe(0);
    expect(await dumpTable(t.services.config.tables.records)).toBe(before);

    const csv = `${HEADER}\n国家高新区,税收收入,2024,2.1,万亿元,6.0,,修订测试[test]\n`;
    const deps = { records: t.services.records, reference: t.services.reference };
    const r = await ingestFiles(deps, [
      { name: 'revision.csv', bytes: new TextEncoder().encode(csv) },
    ]);
    expect(r).toMatchObject({ revised: 1, created: 0 });
    const revisions = await t.services.records.revisions({
      zone: 'national-htz',
      indicator: 'tax-revenue',
      period: '2024',
    });
    expect(revisions.map((x) => [x.revision, x.value])).toEqual([
      [1, 20_000],
      [2, 21_000],
    ]);
    const current = await t.services.records.currentValues([
      { zone: 'national-htz', indicator: 'tax-revenue', period: '2024' },
    ]);
    expect([...current.values()][0]).toMatchObject({ value: 21_000, revision: 2, yoy: 6 });
  });

  describe('bad input is refused whole, naming file, line and field, and nothing is stored', () => {
    const good = '国家高新区,gdp,2023,18,万亿元,,,ok[test]';
    const cases: { name: string; file: string; content: string | Uint8Array; expect: RegExp }[] = [
      {
        name: 'unknown zone',
        file: 'a.csv',
        content: `${HEADER}\n${good}\n火星高新区,gdp,2024,1,亿元,,,src\n`,
        expect: /文件 a\.csv 第 3 行 字段 zone：未知的园区 "火星高新区"/,
      },
      {
        name: 'unknown indicator',
        file: 'b.csv',
        content: `${HEADER}\nchengdu,幸福指数,2024,1,点,,,src\n`,
        expect: /文件 b\.csv 第 2 行 字段 indicator：未知的指标/,
      },
      {
        name: 'unknown unit',
        file: 'c.csv',
        content: `${HEADER}\nchengdu,gdp,2024,1,美元,,,src\n`,
        expect: /文件 c\.csv 第 2 行 字段 unit：未知的单位 "美元"/,
      },
      {
        name: 'unit of another dimension',
        file: 'c2.csv',
        content: `${HEADER}\nchengdu,gdp,2024,1,件,,,src\n`,
        expect: /文件 c2\.csv 第 2 行 字段 unit："件" 不适用于指标 gdp/,
      },
      {
        name: 'impossible month',
        file: 'd.csv',
        content: `${HEADER}\nchengdu,gdp,2024-13,1,亿元,,,src\n`,
        expect: /文件 d\.csv 第 2 行 字段 period："2024-13" 不是数据期/,
      },
      {
        name: 'impossible quarter',
        file: 'e.csv',
        content: `${HEADER}\nchengdu,gdp,2024-Q5,1,亿元,,,src\n`,
        expect: /文件 e\.csv 第 2 行 字段 period：/,
      },
      {
        name: 'non-numeric value',
        file: 'f.csv',
        content: `${HEADER}\nchengdu,gdp,2024,约一百,亿元,,,src\n`,
        expect: /文件 f\.csv 第 2 行 字段 value："约一百" 不是数字/,
      },
      {
        name: 'empty value',
        file: 'g.csv',
        content: `${HEADER}\nchengdu,gdp,2024,,亿元,,,src\n`,
        expect: /文件 g\.csv 第 2 行 字段 value：为空/,
      },
      {
        name: 'duplicate key in one batch',
        file: 'h.csv',
        content: `${HEADER}\nchengdu,gdp,2024,1,亿元,,,src\n成都高新区,园区生产总值,2024,2,亿元,,,src\n`,
        expect: /文件 h\.csv 第 3 行 字段 zone：与第 2 行重复/,
      },
      {
        name: 'missing column',
        file: 'i.csv',
        content: 'zone,indicator,period,value,yoy,share,source\nchengdu,gdp,2024,1,,,src\n',
        expect: /文件 i\.csv 第 1 行：表头（header）：缺少列 unit/,
      },
      { name: 'empty file', file: 'j.csv', content: '', expect: /文件 j\.csv 第 1 行：文件是空的/ },
      {
        // GBK is read as GBK (成都 + a comma): the row is then too short.
        name: 'GBK bytes',
        file: 'k.csv',
        content: new Uint8Array([
          ...new TextEncoder().encode(`${HEADER}\n`),
          0xb3,
          0xc9,
          0xb6,
          0xbc,
          0x2c,
          0x0a,
        ]),
        expect: /文件 k\.csv 第 2 行：有 2 个字段，应为 8 个/,
      },
      {
        name: 'negative count',
        file: 'l.csv',
        content: `${HEADER}\nchengdu,high-tech-enterprises,2024,-5,家,,,src\n`,
        expect: /文件 l\.csv 第 2 行 字段 value：计数（家）不能为负/,
      },
      {
        name: 'share out of range',
        file: 'm.csv',
        content: `${HEADER}\nchengdu,gdp,2024,1,亿元,,140,src\n`,
        expect: /文件 m\.csv 第 2 行 字段 share：140% 不是占比/,
      },
      {
        name: 'missing source',
        file: 'n.csv',
        content: `${HEADER}\nchengdu,gdp,2024,1,亿元,,,\n`,
        expect: /文件 n\.csv 第 2 行 字段 source：/,
      },
      {
        name: 'JSON of the wrong shape',
        file: 'o.json',
        content: '{"zone":"chengdu"}',
        expect: /文件 o\.json 位置 \$：应为由记录组成的 JSON 数组/,
      },
      {
        name: 'JSON bad field',
        file: 'p.json',
        content:
          '[{"zone":"chengdu","indicator":"gdp","period":"2024","value":"NaN","unit":"亿元","source":"src"}]',
        expect: /文件 p\.json 位置 \$\[0\]\.value 字段 value："NaN" 不是数字/,
      },
    ];

    it.each(cases)('$name', async (c) => {
      const before = await dumpTable(t.services.config.tables.records);
      const bytes = typeof c.content === 'string' ? new TextEncoder().encode(c.content) : c.content;
      const deps = { records: t.services.records, reference: t.services.reference };
      const err = await ingestFiles(deps, [{ name: c.file, bytes }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toMatch(c.expect);
      expect((err as Error).message).toContain('未存入任何内容');
      expect(await dumpTable(t.services.config.tables.records)).toBe(before);
    });

    it('a good file in the same batch as a bad one is not stored either', async () => {
      const before = await dumpTable(t.services.config.tables.records);
      const deps = { records: t.services.records, reference: t.services.reference };
      const enc = (s: string) => new TextEncoder().encode(s);
      const err = await ingestFiles(deps, [
        { name: 'good.csv', bytes: enc(`${HEADER}\nchengdu,gdp,2023,3000,亿元,,,src\n`) },
        { name: 'bad.csv', bytes: enc(`${HEADER}\nchengdu,gdp,2024,x,亿元,,,src\n`) },
      ]).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/文件 bad\.csv 第 2 行 字段 value：/);
      expect(await dumpTable(t.services.config.tables.records)).toBe(before);
    });
  });
});
