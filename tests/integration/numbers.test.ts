/**
 * Numbers as reported, end to end: values ingested with their unit and qualifier print in
 * the preview PDF exactly as given.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { previewReport } from '../../functions/app/render-report.ts';
import { pdfText } from '../support/pdf.ts';
import { REPO_ROOT, startTestStack, type TestStack } from '../support/stack.ts';

const NOW = new Date('2026-11-20T01:00:00Z');

describe('numbers as reported', () => {
  let t: TestStack;

  beforeAll(async () => {
    t = await startTestStack();
    await t.ingestRepoData();
  });
  afterAll(() => t?.stop());

  it('ingests 1.37万亿元 and 超过6.3万户 and the preview prints exactly that', async () => {
    const csv = [
      'zone,indicator,period,value,unit,qualifier,source',
      '国家高新区,企业R&D经费内部支出,2024,1.37万亿元,,,精度测试[test]',
      'national-htz,supply-chain-platform-users,2024,超过6.3万户,,,限定词测试[test]',
      'national-htz,supply-chain-matches,2024,1.2,万项,近,限定词列测试[test]',
    ].join('\n');
    const summary = await ingestFiles(
      { records: t.services.records, reference: t.services.reference },
      [{ name: 'numbers.csv', bytes: new TextEncoder().encode(csv) }],
    );
    expect(summary.created).toBe(3);
    const stored = await t.services.records.currentValues([
      { zone: 'national-htz', indicator: 'enterprise-rd-expenditure', period: '2024' },
      { zone: 'national-htz', indicator: 'supply-chain-platform-users', period: '2024' },
    ]);
    expect(
      [...stored.values()]
        .sort((a, b) => a.value - b.value)
        .map((r) => [r.value, r.reportedValue, r.reportedUnit, r.qualifier]),
    ).toEqual([
      [13_700, '1.37', '万亿元', undefined],
      [63_000, '6.3', '万户', '超过'],
    ]);

    const r = await previewReport(
      t.publishDeps(),
      { kind: 'torch-bulletin', series: 'torch-bulletin', period: '2024' },
      { date: NOW, fileStem: 'numbers' },
    );
    const flat = (await pdfText(r.pdf)).join('\n').replace(/\s+/g, '');
    expect(flat).toContain('1.37万亿元');
    expect(flat).toContain('超过6.3万户');
    expect(flat).toContain('近1.2万项');
    expect(flat).toContain('突破19.3万亿元');
    expect(flat).not.toContain('1.4万亿元');
    expect(flat).not.toContain('63000');
  });

  it('bulletin preview warns of typed figures and exits non-zero on a contradiction', async () => {
    await t.services.records.writeBatch({
      records: [],
      articles: [
        {
          id: 'contradiction',
          series: 'torch-bulletin',
          period: '2024',
          section: '研究报告',
          title: '研发投入观察',
          byline: '本刊编辑部',
          body: '2023年，企业R&D经费内部支出约1.3万亿元，同比增长4.3%。\n\n2024年，国家高新区税收收入2万亿元。',
        },
      ],
    });
    // Asynchronously: the stores run in this process and must keep answering.
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
      (done) => {
        const child = execFile(
          process.execPath,
          [
            join(REPO_ROOT, 'bin', 'bulletin.mjs'),
            '--target',
            'aws',
            'preview',
            '--period',
            '2024',
            '--out-dir',
            join(t.dir, 'preview'),
          ],
          {
            env: { ...process.env, ...t.stack.env, BULLETIN_KEEP_TMPDIR: '1' },
            encoding: 'utf8',
            timeout: 180_000,
          },
          (_err, stdout, stderr) => done({ status: child.exitCode, stdout, stderr }),
        );
      },
    );
    expect(run.status, run.stderr).toBe(1);
    // The error names the article, the sentence and the record; the typed tax figure warns.
    expect(run.stderr).toContain(
      '错误：文章 contradiction《研发投入观察》第 1 段：“2023年，企业R&D经费内部支出约1.3万亿元，同比增长4.3%。”中的 约1.3万亿元：与记录 national-htz/enterprise-rd-expenditure/2023（约1.2万亿元）不符：正文写作 约1.3万亿元',
    );
    expect(run.stderr).toMatch(
      /注意：文章 contradiction《研发投入观察》第 2 段：.*中的 2万亿元：手工输入的数字/,
    );
    expect(run.stderr).toContain('这样的稿件不能发布');
    expect(run.stdout).toContain('PDF：');
  });
});
