/**
 * The all-zones run on dynalite + s3rver with real Chromium, over 12 synthetic zones: every
 * zone rendered once; a re-run with no data change renders nothing; a revised record
 * re-renders only the zone whose report it changes; a zone that cannot render is reported
 * without stopping the others.
 */
import { readFile } from 'node:fs/promises';
import { pdfText } from '../support/pdf.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoverRenderer, PdfRenderer } from '../../functions/app/ports.ts';
import type { ChromiumRenderer } from '#adapters/print/renderer.ts';
import { RenderError } from '#errors';
import { planZoneBatch, renderZoneJob, runZoneBatch } from '../../functions/app/batch.ts';
import { parseOrReject } from '../../functions/app/requests.ts';
import { zoneJobSchema } from '../../functions/handlers/zone-batch-render.ts';
import { ZONE_PROFILE_SERIES } from '../../functions/contract/fanout.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { seedSynthetic, syntheticReference } from '../../functions/app/synthetic.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const ZONES = 12;
const SEED = 3;
const reference = syntheticReference(ZONES);
const zoneIds = reference.zones.filter((z) => z.level === 'national').map((z) => z.id);

describe('all-zones run', () => {
  let t: TestStack;
  /** HTML files printed, in order: which zones were rendered. */
  let printed: string[] = [];
  let failFor: string | undefined;

  beforeAll(async () => {
    t = await startTestStack();
    await seedSynthetic({ records: t.services.records }, { seed: SEED, zones: ZONES });
    // Seeding every zone through the stores takes minutes on a loaded 2-core machine.
  }, 300_000);
  afterAll(() => t?.stop());

  /** The services' Chromium renderer, watched (and made to fail for one zone's HTML). */
  function watchedRenderer(): PdfRenderer & CoverRenderer {
    const real = t.services.renderer as ChromiumRenderer;
    return {
      renderCover: (req) => real.renderCover(req),
      async renderPdf(req) {
        const html = await readFile(req.htmlPath, 'utf8');
        const zone = reference.zones.find((z) => z.level === 'national' && html.includes(z.name));
        printed.push(zone?.id ?? '?');
        if (failFor && zone?.id === failFor) throw new RenderError(`no printer for ${zone.id}`);
        return real.renderPdf(req);
      },
      close: () => real.close(),
    };
  }

  const run = (opts: { zones?: string[]; force?: boolean; retries?: number } = {}) =>
    runZoneBatch(t.publishDeps({ reference, renderer: watchedRenderer() }), {
      concurrency: 3,
      ...opts,
    });
  const renderedZones = () => [...new Set(printed)].sort();

  it('renders a profile for every zone with one shared browser', async () => {
    const progress: number[] = [];
    const requests: string[] = [];
    const name = 'countForZoneBatch';
    t.services.clients.dynamodb.middlewareStack.add(
      (next, context) => (args) => {
        requests.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name },
    );
    const { summary, outcomes } = await runZoneBatch(
      t.publishDeps({ reference, renderer: watchedRenderer() }),
      { concurrency: 3, onProgress: (p) => progress.push(p.done) },
    ).finally(() => t.services.clients.dynamodb.middlewareStack.remove(name));
    // DynamoDB requests of the run (plan reads + each release's cycle): a release reads the
    // open drafts of its own report only, and does not read back what it just wrote.
    const perProfile = requests.length / ZONES;
    console.log(
      `all-zones run: ${requests.length} DynamoDB requests, ${perProfile.toFixed(1)} per profile`,
    );
    expect(perProfile).toBeLessThanOrEqual(16);
    expect(summary).toMatchObject({ total: ZONES, rendered: ZONES, skipped: 0, failed: 0 });
    expect(renderedZones()).toEqual([...zoneIds].sort());
    // One print per profile: the releases running at once take consecutive numbers in this
    // process instead of racing for the same one and printing again (numbering-line.ts).
    expect(printed).toHaveLength(ZONES);
    expect(progress.at(-1)).toBe(ZONES);
    for (const o of outcomes) expect(o.pages).toBeGreaterThan(0);
    const { items } = await t.services.catalog.list(ZONE_PROFILE_SERIES, { limit: 100 });
    expect(items.filter((i) => i.status === 'published')).toHaveLength(ZONES);
    // Each release stored what its cover is made from on its first request, with its web edition
    // and its data file in one object beside the PDF (two puts a release).
    for (const i of items) {
      expect(i.coverKeys?.source, i.id).toMatch(/-parts\.bin$/);
      expect([i.webKey, i.dataKeys?.json, i.editions?.[0]?.otherKeys], i.id).toEqual([
        i.coverKeys!.source,
        i.coverKeys!.source,
        [i.coverKeys!.source],
      ]);
    }
  });

  it('renders nothing on a re-run after no data change, and reads no zone', async () => {
    printed = [];
    const requests: string[] = [];
    const name = 'countForRerun';
    t.services.clients.dynamodb.middlewareStack.add(
      (next, context) => (args) => {
        requests.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name },
    );
    const { summary, outcomes } = await run().finally(() =>
      t.services.clients.dynamodb.middlewareStack.remove(name),
    );
    expect(summary).toMatchObject({ total: ZONES, rendered: 0, skipped: ZONES, failed: 0 });
    expect(printed).toEqual([]);
    // Nothing written to the records since each latest release was read, same build: decided
    // by the data version (one GetItem) and the latest releases (one Query), no zone read.
    expect(outcomes.map((o) => o.skippedBy)).toEqual(outcomes.map(() => 'data'));
    expect(requests).toEqual(['GetItemCommand', 'QueryCommand']);
  });

  it('decides by each zone’s inputs when something else was written, composing nothing', async () => {
    // A bulletin article: the records store's version moves; no zone profile reads it.
    const article = {
      id: 'zone-batch-article',
      series: 'torch-bulletin',
      period: '2024',
      section: '工作动态',
      title: '园区画像不读的文章',
      byline: '测试',
      body: '正文。',
    };
    const ingest = await ingestFiles({ records: t.services.records, reference }, [
      { name: 'article.json', bytes: new TextEncoder().encode(JSON.stringify([article])) },
    ]);
    expect(ingest.articles.created).toBe(1);
    printed = [];
    const { summary, outcomes } = await run();
    expect(summary).toMatchObject({ total: ZONES, rendered: 0, skipped: ZONES, failed: 0 });
    expect(outcomes.map((o) => o.skippedBy)).toEqual(outcomes.map(() => 'inputs'));
  });

  it('composes every zone again when the code that composes changed, and prints none', async () => {
    const before = process.env.BULLETIN_CODE_STAMP;
    process.env.BULLETIN_CODE_STAMP = 'another-build';
    try {
      printed = [];
      const { summary, outcomes } = await run();
      expect(summary).toMatchObject({ total: ZONES, rendered: 0, skipped: ZONES, failed: 0 });
      // Another build may print differently: each profile is composed and compared as printed.
      expect(outcomes.map((o) => o.skippedBy)).toEqual(outcomes.map(() => 'printed'));
    } finally {
      if (before === undefined) delete process.env.BULLETIN_CODE_STAMP;
      else process.env.BULLETIN_CODE_STAMP = before;
    }
  });

  it('re-renders only the zone whose record was revised', async () => {
    // The zone with the highest R&D intensity gets a higher one: its rank and every other
    // zone's profile stay as they were (a % indicator is not in the ranking chart).
    const period = await t.services.records.recordsOfPeriod('2024');
    const top = period
      .filter((r) => r.indicator === 'rd-intensity' && zoneIds.includes(r.zone))
      .sort((a, b) => b.value - a.value)[0]!;
    const csv = [
      'zone,indicator,period,value,unit,yoy,share,source',
      `${top.zone},rd-intensity,2024,${(top.value + 0.5).toFixed(2)},%,,,${top.source}`,
    ].join('\n');
    const ingest = await ingestFiles({ records: t.services.records, reference }, [
      { name: 'revision.csv', bytes: new TextEncoder().encode(csv) },
    ]);
    expect(ingest.revised).toBe(1);

    printed = [];
    const { summary, outcomes } = await run();
    expect(summary).toMatchObject({ total: ZONES, rendered: 1, skipped: ZONES - 1, failed: 0 });
    expect(renderedZones()).toEqual([top.zone]);
    expect(outcomes.find((o) => o.status === 'rendered')?.zone).toBe(top.zone);
    // The period's records changed (they rank every zone): the others were composed, and print
    // what they printed.
    for (const o of outcomes.filter((x) => x.status === 'skipped'))
      expect(o.skippedBy).toBe('printed');

    // Reverted to the first value: the newest profile printed the revised one, so the zone is
    // printed again (compared with what the latest release printed, not with any earlier one).
    const revert = await ingestFiles({ records: t.services.records, reference }, [
      {
        name: 'revert.csv',
        bytes: new TextEncoder().encode(
          [
            'zone,indicator,period,value,unit,yoy,share,source',
            `${top.zone},rd-intensity,2024,${top.value},%,,,${top.source}`,
          ].join('\n'),
        ),
      },
    ]);
    expect(revert.revised).toBe(1);
    printed = [];
    const again = await run();
    expect(again.summary).toMatchObject({ rendered: 1, skipped: ZONES - 1, failed: 0 });
    expect(renderedZones()).toEqual([top.zone]);
    const latest = (
      await t.services.catalog.list(ZONE_PROFILE_SERIES, { limit: 100, status: 'published' })
    ).items.find((i) => i.reportKey === `zone-profile:${top.zone}`)!;
    const pdf = await t.services.archive.get(latest.s3Key!);
    expect((await pdfText(pdf!)).join('')).toContain(`${top.value}%`);
  });

  it('reports a zone that fails without stopping the others', async () => {
    const [broken, fine] = zoneIds;
    failFor = broken;
    printed = [];
    try {
      const { summary, outcomes } = await run({ zones: [broken!, fine!], force: true, retries: 1 });
      expect(summary).toMatchObject({ total: 2, rendered: 1, failed: 1 });
      expect(summary.failures).toEqual([
        { zone: broken, error: expect.stringContaining(`no printer for ${broken}`) },
      ]);
      expect(outcomes.find((o) => o.zone === broken)).toMatchObject({ status: 'failed' });
      // Retried once (two prints), then given up; the other zone was printed.
      expect(printed.filter((z) => z === broken)).toHaveLength(2);
      expect(printed).toContain(fine);
    } finally {
      failFor = undefined;
    }
  });

  it('keeps the plan’s data version through a map item rendered in another process', async () => {
    // As on AWS: the plan in one Lambda, each zone rendered by another from its JSON item.
    const deps = t.publishDeps({ reference, renderer: watchedRenderer() });
    const zones = zoneIds.slice(2, 4);
    const plan = await planZoneBatch(deps, { zones, force: true });
    expect(plan.jobs.map((j) => j.zone)).toEqual(zones);
    for (const job of plan.jobs) {
      const item = parseOrReject(zoneJobSchema, JSON.parse(JSON.stringify(job)), 'zone job');
      expect(item.dataVersion).toEqual(expect.any(String));
      expect(await renderZoneJob(deps, item)).toMatchObject({ status: 'rendered' });
    }
    // Nothing written since: the next plan reads neither zone.
    const again = await planZoneBatch(deps, { zones });
    expect(again.jobs).toEqual([]);
    expect(again.done.map((o) => o.skippedBy)).toEqual(['data', 'data']);
  });

  it('draws the charts of zones planned together as each zone’s alone: same SVGs, same hashes', async () => {
    const real = t.services.renderer as ChromiumRenderer;
    /** Every zone printed, forced, in groups of `planGroup`: its charts and its input hash. */
    const printedWith = async (planGroup: number) => {
      const charts = new Map<string, string[]>();
      const renderer: PdfRenderer & CoverRenderer = {
        renderCover: (req) => real.renderCover(req),
        async renderPdf(req) {
          const html = await readFile(req.htmlPath, 'utf8');
          const zone = reference.zones.find((z) => z.level === 'national' && html.includes(z.name));
          charts.set(zone?.id ?? '?', html.match(/<svg\b[\s\S]*?<\/svg>/g) ?? []);
          return real.renderPdf(req);
        },
        close: () => real.close(),
      };
      const { summary, outcomes } = await runZoneBatch(t.publishDeps({ reference, renderer }), {
        concurrency: 3,
        force: true,
        planGroup,
      });
      expect(summary).toMatchObject({ rendered: ZONES, failed: 0 });
      const hashes = new Map<string, string | undefined>();
      for (const o of outcomes)
        hashes.set(o.zone, (await t.services.catalog.get(o.issueId!))?.inputHash);
      return { charts, hashes };
    };
    const alone = await printedWith(1);
    const together = await printedWith(5);
    expect([...together.charts.keys()].sort()).toEqual([...zoneIds].sort());
    for (const zone of zoneIds) {
      // Three trend charts and the ranking chart, byte for byte.
      expect(alone.charts.get(zone), zone).toHaveLength(4);
      expect(together.charts.get(zone), zone).toEqual(alone.charts.get(zone));
      expect(together.hashes.get(zone), zone).toEqual(expect.any(String));
      expect(together.hashes.get(zone), zone).toBe(alone.hashes.get(zone));
    }
    // The AWS plan (one Lambda plans every zone): the same input hashes in groups as one by one.
    const deps = t.publishDeps({ reference, renderer: real });
    const planned = async (planGroup: number) =>
      new Map(
        (await planZoneBatch(deps, { force: true, planGroup })).jobs.map((j) => [
          j.zone,
          j.contentHash,
        ]),
      );
    expect(await planned(4)).toEqual(await planned(1));
    expect(await planned(8)).toEqual(together.hashes);
  });
});
