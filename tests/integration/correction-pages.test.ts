/**
 * Issue 24.4: a 勘误说明's pages are computed, not typed. The real bulletin (the repository's
 * data, printed by Chromium) records where each record's figures landed (`recordPages`, from
 * the pages each block was measured on); the test checks that map against the PDF's own text,
 * page by page, then revises a record: `correctIssue` without pages names, for each changed
 * figure and in the 勘误说明's 原刊页码, the pages of the edition it corrects that print it — in the
 * PDF and in the web edition alike. An editor's pages still override.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../functions/app/ingest.ts';
import {
  correctIssue,
  releaseDraft,
  triggerReport,
  type LifecycleDeps,
} from '../../functions/app/lifecycle.ts';
import { editionLabelOf } from '../../functions/core/lifecycle.ts';
import { correctionQueue } from '../../functions/app/corrections.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import { startTestStack, type TestStack } from '#tests/support/stack.ts';
import { pdfText } from '#tests/support/pdf.ts';
import { storedPart } from '../../functions/app/release-parts.ts';

/** Whitespace and line breaks out: pdf.js splits a printed figure where the line wraps. */
const squeeze = (s: string) => s.replace(/\s+/g, '');

describe('the pages of a correction', { timeout: 600_000 }, () => {
  let t: TestStack;
  let deps: LifecycleDeps;

  beforeAll(async () => {
    t = await startTestStack();
    await t.ingestRepoData();
    deps = lifecycleDepsOf(t.publishDeps({ workDir: join(t.dir, 'work') }));
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('names the pages each changed figure is printed on, from the edition’s own map', async () => {
    const made = await triggerReport(
      deps,
      { kind: 'torch-bulletin' },
      { slotKey: 'pages-1', trigger: 'test', releaseWithoutReview: true, releasedBy: 'editor' },
    );
    const issue = made.issue!;
    const map = issue.recordPages!;
    expect(Object.keys(map).length).toBeGreaterThan(10);
    const pdf = await t.services.archive.get(issue.s3Key!);
    const pages = (await pdfText(pdf!)).map(squeeze);
    expect(pages.length).toBe(issue.pages);
    for (const on of Object.values(map))
      for (const p of on) expect(p >= 1 && p <= issue.pages!).toBe(true);

    // The map agrees with the PDF: each record printed as itself is found on its pages only.
    const printed = await deps.catalog.printedOf(issue.id);
    const checked = printed.filter((r) => r.text && r.text.length >= 6 && map[r.key]);
    expect(checked.length).toBeGreaterThan(5);
    for (const r of checked) {
      const found = pages.flatMap((text, i) => (text.includes(squeeze(r.text!)) ? [i + 1] : []));
      expect(found.length, `${r.key} ${r.text}`).toBeGreaterThan(0);
      for (const p of found) expect(map[r.key], `${r.key} ${r.text} on page ${p}`).toContain(p);
    }

    // A record the issue prints is revised after release.
    const gdp = printed.find((r) => r.key.startsWith('national-htz#gdp#') && r.text)!;
    const [zone, indicator, period] = gdp.key.split('#');
    const current = (await t.services.records.recordsOfPeriod(period!)).find(
      (r) => r.zone === zone && r.indicator === indicator,
    )!;
    const revised = Math.round((current.value + 123.4) * 10) / 10;
    const csv = `zone,indicator,period,value,unit,yoy,share,source\n${zone},${indicator},${period},${revised},亿元,${current.yoy ?? ''},${current.share ?? ''},国家统计局修订公报（测试）\n`;
    await ingestFiles({ records: t.services.records, reference: t.services.reference }, [
      { name: 'revision.csv', bytes: new TextEncoder().encode(csv) },
    ]);

    // The queue (one function with correct and the console) shows where each is printed.
    const [entry] = await correctionQueue(deps, ['torch-bulletin']);
    for (const line of entry!.changes)
      expect(line.pages, line.printedAs).toEqual(
        map[`${line.zone}#${line.indicator}#${line.period}`],
      );

    // The corrected edition, no pages typed: each line carries its pages, the label their union.
    const correction = await correctIssue(deps, issue.id, { by: 'editor' });
    const draft = correction.draft!;
    const lines = draft.corrections!;
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line.pages, line.printedAs).toEqual(
        map[`${line.zone}#${line.indicator}#${line.period}`],
      );
    const union = [...new Set(lines.flatMap((l) => l.pages!))].sort((a, b) => a - b);
    expect(draft.label!.pages).toEqual(union);
    expect(union).toEqual(expect.arrayContaining(map[gdp.key]!));

    // Printed in the 勘误说明: the PDF of the draft, and its web edition from the same partial.
    const draftPdf = await t.services.archive.get(draft.s3Key!);
    const draftText = squeeze((await pdfText(draftPdf!)).join(''));
    const pagesText = `第${union.join('、')}页`;
    expect(draftText).toContain(`原刊页码${pagesText}`);
    for (const line of lines) expect(draftText).toContain(`第${line.pages!.join('、')}页`);
    // Released: the web edition prints the same 勘误说明, with the pages.
    const corrected = await releaseDraft(deps, draft.id, { by: 'editor' });
    const web = await storedPart(
      t.services.archive,
      corrected.webKey!,
      'web',
      corrected.partsSha256?.web,
    );
    const erratum = /<section class="erratum"[\s\S]*?<\/section>/.exec(
      new TextDecoder().decode(web),
    )?.[0];
    expect(erratum).toContain(`<dt>原刊页码</dt><dd>${pagesText}</dd>`);
    expect(erratum).toContain('<th scope="col">原刊页码</th>');
    // The corrected edition keeps its own map, for the correction after it.
    expect(Object.keys(corrected.recordPages!).length).toBeGreaterThan(10);
    // An editor's pages still override the computed ones.
    expect(editionLabelOf(lines, { pages: [9] }).pages).toEqual([9]);
  });
});
