/**
 * The fidelity check, end to end: every report kind is rendered from data/ and the synthetic
 * zone set through the real stores; every figure it prints is recomputed from the stored
 * records it names (tests/support/fidelity.ts) and found in the PDF's extracted text; no
 * article figure contradicts a record; and the reads of every kind are counted on the wire —
 * Query, GetItem and BatchGetItem only, never a Scan.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { previewReport, type RenderedReport } from '../../functions/app/render-report.ts';
import { checkArticles } from '../../functions/core/articles.ts';
import type { IndicatorRecord } from '../../functions/core/model.ts';
import { countDynamoRequests } from '../../bench/dynamo-counter.ts';
import { fidelityProblems, unprintedFigures } from '../support/fidelity.ts';
import { pdfText } from '../support/pdf.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { readRecords, repoRecordFiles, syntheticZonesFile } from '../support/trace.ts';

const NOW = new Date('2026-11-20T01:00:00Z');
const READS = ['QueryCommand', 'GetItemCommand', 'BatchGetItemCommand'];

describe('fidelity: every printed figure equals its record', () => {
  let t: TestStack;
  let stored: IndicatorRecord[];

  beforeAll(async () => {
    t = await startTestStack();
    await t.ingestRepoData();
    await ingestFiles({ records: t.services.records, reference: t.services.reference }, [
      { name: syntheticZonesFile, bytes: new Uint8Array(await readFile(syntheticZonesFile)) },
    ]);
    stored = await readRecords(t.services.reference, [...repoRecordFiles, syntheticZonesFile]);
  });
  afterAll(() => t?.stop());

  it('renders every kind, recomputes every figure, finds it in the PDF, reads without Scan', async () => {
    const ref = t.services.reference;
    const deps = t.publishDeps();
    const counter = countDynamoRequests(t.services.clients.dynamodb);
    const jobs: [string, () => Promise<RenderedReport>][] = [
      [
        'torch-bulletin 2024',
        () =>
          previewReport(
            deps,
            { kind: 'torch-bulletin', series: 'torch-bulletin', period: '2024' },
            { date: NOW, fileStem: 'b' },
          ),
      ],
      [
        'indicator-flash 2024',
        () =>
          previewReport(
            deps,
            { kind: 'indicator-flash', period: '2024' },
            { date: NOW, fileStem: 'f' },
          ),
      ],
    ];
    // Zone profiles of data/'s named zones (real and synthetic figures), and three alliances.
    for (const zone of ['wuhan-donghu', 'chengdu', 'kunshan', 'zhongguancun'])
      jobs.push([
        `zone-profile ${zone}`,
        () =>
          previewReport(deps, { kind: 'zone-profile', zone }, { date: NOW, fileStem: `z-${zone}` }),
      ]);
    for (const region of ['长三角', '京津冀', '东北'])
      jobs.push([
        `regional-report ${region}`,
        () =>
          previewReport(
            deps,
            { kind: 'regional-report', region },
            { date: NOW, fileStem: `r-${region}` },
          ),
      ]);

    let compared = 0;
    const problems: string[] = [];
    for (const [name, job] of jobs) {
      const { counts, result: r } = await counter.measure(job);
      const commands = Object.keys(counts.byCommand);
      if (commands.some((c) => !READS.includes(c)))
        problems.push(`${name}: reads with ${commands.join(', ')} (only ${READS.join(', ')})`);
      if (!commands.length) problems.push(`${name}: no read counted on the wire`);
      const fidelity = fidelityProblems(r.view.trace, stored, ref);
      compared += fidelity.compared;
      problems.push(...fidelity.problems.map((p) => `${name}: ${p}`));
      const text = (await pdfText(r.pdf)).join('\n');
      problems.push(
        ...unprintedFigures(r.view.trace, text, r.view).map(
          (f) => `${name}: “${f}” is not in the PDF`,
        ),
      );
      if (/seeds\//.test(text)) problems.push(`${name}: an internal source id is printed`);
      problems.push(
        ...checkArticles(r.view).errors.map((e) => `${name}: article ${e.article}: ${e.message}`),
      );
    }
    counter.detach();
    console.log(`fidelity: ${compared} figures compared in ${jobs.length} reports`);
    expect(problems).toEqual([]);
    expect(compared).toBeGreaterThan(500);
  }, 400_000);
});
