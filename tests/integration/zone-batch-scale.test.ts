/**
 * The all-zones run at the scale of its comparisons: 178 synthetic zones (their two latest years
 * only, so seeding takes seconds), three zones printed on a pool of one page, three in flight.
 *
 * A zone profile compares each figure with every zone's: its ranks and counts name every zone's
 * records. When its issue kept them all (`printed`, `recordPages`), at 178 zones the item passed
 * DynamoDB's 400 KB and every release was refused; in the numbering line each refused release
 * made the ones after it print again with the next number (up to 50 times, then 3 attempts
 * each), so the run printed on and finished nothing (`npm run bench` at 44f866d: `0/178` for 6
 * minutes). Here: the three profiles are released with one print each, keeping the records they
 * print (not those a rank or a count only names: a few hundred, whatever the number of zones);
 * the corrections queue lists a revision of a figure a profile prints, on its pages, and not one
 * of a record only counted; and a release the store refuses (an item padded past 400 KB on the
 * wire) fails at once, not retried, with its size, the prints made again bounded, and the
 * progress saying so while it happens.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correctionQueue } from '../../functions/app/corrections.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import type { IndicatorRecord } from '../../functions/core/model.ts';
import type { PdfRenderer } from '../../functions/app/ports.ts';
import { batchDetail, runZoneBatch, type BatchProgress } from '../../functions/app/batch.ts';
import { createChromiumRenderer } from '../../functions/adapters/print/renderer.ts';
import { loadPrintConfig } from '../../functions/config.ts';
import { ZONE_PROFILE_SERIES } from '../../functions/contract/fanout.ts';
import { seedSynthetic, syntheticReference } from '../../functions/app/synthetic.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const ZONES = 178;
const reference = syntheticReference(ZONES);
const zoneIds = reference.zones.filter((z) => z.level === 'national').map((z) => z.id);
const three = [zoneIds[0]!, zoneIds[77]!, zoneIds[177]!];

describe('all-zones run over 178 zones', () => {
  let t: TestStack;
  let prints = 0;

  beforeAll(async () => {
    // One page: more zones in flight than pages, as `bulletin generate --all` runs them.
    t = await startTestStack({
      services: { renderer: createChromiumRenderer({ ...loadPrintConfig(), pagePoolSize: 1 }) },
    });
    await seedSynthetic(
      { records: t.services.records },
      { seed: 7, zones: ZONES, firstYear: 2023 },
    );
  }, 300_000);
  afterAll(() => t?.stop());

  const counted = (): PdfRenderer => ({
    async renderPdf(req) {
      const out = await t.services.renderer.renderPdf(req);
      prints++;
      return out;
    },
    close: () => t.services.renderer.close(),
  });

  it('releases each profile with one print, keeping the records it prints and their pages', async () => {
    const progress: BatchProgress[] = [];
    const { summary } = await runZoneBatch(t.publishDeps({ reference, renderer: counted() }), {
      zones: three,
      concurrency: 3,
      onProgress: (p) => progress.push(p),
    });
    expect(summary.failures).toEqual([]);
    expect(summary).toMatchObject({ total: 3, rendered: 3, failed: 0 });
    expect(prints).toBe(3);
    expect(progress.at(-1)).toMatchObject({ done: 3, prints: 3, reprints: 0 });
    const { items } = await t.services.catalog.list(ZONE_PROFILE_SERIES, { limit: 10 });
    expect(items).toHaveLength(3);
    for (const listed of items) {
      const issue = (await t.services.catalog.get(listed.id))!;
      const printed = await t.services.cycle.printedOf(issue.id);
      // The zone's own records, the national aggregate's, the zones its chart prints: not every
      // zone's (its ranks and counts name them all).
      expect(printed.length).toBeGreaterThan(100);
      expect(printed.length).toBeLessThan(1000);
      expect(new Set(printed.map((p) => p.key.split('#')[0])).size).toBeLessThanOrEqual(15);
      const keys = Object.keys(issue.recordPages ?? {});
      expect(keys.length).toBeGreaterThan(100);
      expect(keys.every((k) => printed.some((p) => p.key === k))).toBe(true);
      for (const on of Object.values(issue.recordPages!))
        expect(on.every((p) => p >= 1 && p <= issue.pages!)).toBe(true);
    }
  }, 300_000);

  it('lists a revised figure a profile prints, on its pages; not a record it only counted', async () => {
    const deps = lifecycleDepsOf(t.publishDeps({ reference, workDir: join(t.dir, 'work') }));
    const { items } = await t.services.catalog.list(ZONE_PROFILE_SERIES, { limit: 10 });
    const issue = (await t.services.catalog.get(
      items.find((i) => i.params?.zone === three[0])!.id,
    ))!;
    const printed = await deps.catalog.printedOf(issue.id);
    const period = issue.period!;
    const records = await t.services.records.recordsOfPeriod(period);
    let n = 0;
    const revise = async (r: IndicatorRecord) => {
      const value = Math.round(r.value * 1.37 * 100 + 1) / 100;
      const unit = reference.indicator(r.indicator)!.unit;
      const csv = `zone,indicator,period,value,unit,yoy,share,source\n${r.zone},${r.indicator},${r.period},${value},${unit},${r.yoy ?? ''},${r.share ?? ''},测试修订公报 ${++n}\n`;
      const out = await ingestFiles({ records: t.services.records, reference }, [
        { name: `revision-${n}.csv`, bytes: new TextEncoder().encode(csv) },
      ]);
      expect(out.revised).toBe(1);
      return `${r.zone}#${r.indicator}#${r.period}`;
    };
    const named = new Set<string>();
    for (const i of items)
      for (const p of await deps.catalog.printedOf(i.id)) named.add(p.key.split('#')[0]!);

    // A zone none of the three prints: its value only counted (and ranked) among the zones.
    const counted = records.find(
      (r) => r.indicator === 'gdp' && !named.has(r.zone) && zoneIds.includes(r.zone),
    )!;
    await revise(counted);
    expect(await correctionQueue(deps, [ZONE_PROFILE_SERIES])).toEqual([]);

    // The zone's own GDP and a value its chart prints of another zone: each listed, on its pages.
    const own = records.find((r) => r.zone === three[0] && r.indicator === 'gdp')!;
    const charted = printed.find(
      (p) => p.text && !p.key.startsWith(`${three[0]}#`) && !p.key.startsWith('national-htz#'),
    )!;
    const other = records.find((r) => `${r.zone}#${r.indicator}#${r.period}` === charted.key)!;
    const keys = [await revise(own), await revise(other)];
    const entry = (await correctionQueue(deps, [ZONE_PROFILE_SERIES])).find(
      (e) => e.issueId === issue.id,
    )!;
    expect(entry.changes.map((c) => `${c.zone}#${c.indicator}#${c.period}`).sort()).toEqual(
      keys.sort(),
    );
    for (const c of entry.changes) {
      expect(c.aspect).toBe('value');
      expect(c.pages!.length).toBeGreaterThan(0);
      expect(c.pages).toEqual(issue.recordPages![`${c.zone}#${c.indicator}#${c.period}`]);
    }
  }, 300_000);

  it('fails a release the store refuses as too large at once, and says so while it runs', async () => {
    // Every issue item padded past 400 KB on its way to DynamoDB: the store's own refusal.
    const name = 'padIssueItems';
    t.services.clients.dynamodb.middlewareStack.add(
      (next) => (args) => {
        // Marshalled or not, depending on where the document client's marshalling runs.
        const item = (args.input as { Item?: Record<string, unknown> }).Item;
        const sk = item?.sk as string | { S?: string } | undefined;
        const marshalled = typeof sk === 'object';
        if (item && (marshalled ? sk.S : sk)?.startsWith('N#')) {
          const padding = 'x'.repeat(420_000);
          item.padding = marshalled ? { S: padding } : padding;
        }
        return next(args);
      },
      { step: 'initialize', name },
    );
    prints = 0;
    const progress: BatchProgress[] = [];
    const { summary, outcomes } = await runZoneBatch(
      t.publishDeps({ reference, renderer: counted() }),
      { zones: three, force: true, concurrency: 3, onProgress: (p) => progress.push(p) },
    ).finally(() => t.services.clients.dynamodb.middlewareStack.remove(name));
    expect(summary).toMatchObject({ total: 3, rendered: 0, failed: 3 });
    for (const o of outcomes) {
      expect(o.error).toMatch(/超过 DynamoDB 单条 400 KB 的上限，未写入（最大的字段：padding/);
      // Not retried: the same item is refused again.
      expect(o.attempts ?? 1).toBe(1);
    }
    // A refused release makes the ones after it in the line print again with its number: at
    // most once per refusal ahead of them (2 + 1), not again and again.
    expect(prints).toBeLessThanOrEqual(6);
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ done: 3, failed: 3, prints, reprints: prints - 3 });
    // Before the last outcome the progress already told of the prints and the first failure.
    const before = progress.filter((p) => p.done < 3 && (p.prints ?? 0) > 0);
    expect(before.length).toBeGreaterThan(0);
    expect(batchDetail(last)).toContain(`已印 ${prints} 次`);
    expect(batchDetail(last)).toMatch(/最近错误：.+超过 DynamoDB 单条 400 KB/);
  }, 300_000);
});
