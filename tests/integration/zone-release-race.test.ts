/**
 * Issue 26 (session notes): zone profiles released at once — the all-zones map runs 10 render
 * Lambdas side by side, each a process of its own — all get a number: unique, gapless, none
 * failing with "发布已被另一次运行接手" or "试了 N 次仍未取得期号". Against one dynalite through
 * the real SDK; every "Lambda" has services (clients, catalog, numbering line) of its own, and
 * the first print of each waits until all of them are printing, so that they all race for the
 * same number whatever the machine's speed. Then the same zones again in one process (the local
 * batch: one numbering line).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PdfRenderer, RenderRequest } from '../../functions/app/ports.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { publishReport, type PublishDeps } from '../../functions/app/publish.ts';
import { createServices, type Services } from '../../functions/wiring/services.ts';
import { REPO_ROOT, startTestStack, type TestStack } from '#tests/support/stack.ts';
import { createTinyRenderer, type TinyRenderer } from '#tests/support/tiny-renderer.ts';

const ZONES = 12;
const SERIES = 'zone-profile';

/**
 * A renderer whose first `n` prints wait for one another (all `n` printing at once), or until
 * `open()` (a release that ended before it printed: nothing more will arrive).
 */
function gatedRenderer(tiny: TinyRenderer, n: number) {
  let arrived = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const renderer = {
    open,
    async close() {},
    async renderPdf(req: RenderRequest) {
      if (arrived < n) {
        arrived += 1;
        if (arrived === n) open();
        await gate;
      }
      return tiny.renderPdf(req);
    },
  };
  return renderer as PdfRenderer & { open(): void };
}

describe(`${ZONES} zone profiles released at once`, () => {
  let t: TestStack;
  let tiny: TinyRenderer;
  let zones: string[] = [];
  const extra: Services[] = [];

  beforeAll(async () => {
    tiny = createTinyRenderer();
    t = await startTestStack({ services: { renderer: tiny } });
    await t.ingestRepoData();
    // 24 national zones with GDP for 2023 and 2024 (synthetic, tests/fixtures).
    const file = join(REPO_ROOT, 'tests', 'fixtures', 'reports', 'zones-synthetic.csv');
    await ingestFiles({ records: t.services.records, reference: t.services.reference }, [
      { name: file, bytes: new Uint8Array(await readFile(file)) },
    ]);
    const national = (await t.services.records.recordsOfPeriod('2024')).filter(
      (r) => r.indicator === 'gdp' && t.services.reference.zone(r.zone)?.level === 'national',
    );
    zones = [...new Set(national.map((r) => r.zone))].sort().slice(0, ZONES);
    expect(zones).toHaveLength(ZONES);
  }, 120_000);

  afterAll(async () => {
    for (const s of extra) await s.close();
    await t?.stop();
  });

  const depsOf = (s: Services, renderer: PdfRenderer): PublishDeps => ({
    ...t.publishDeps(),
    records: s.records,
    catalog: s.catalog,
    cycle: s.cycle,
    archive: s.archive,
    reference: s.reference,
    renderer,
    workDir: join(t.dir, 'work'),
  });

  /** Releases every zone's profile at once; each release through `depsFor(i)`. */
  async function releaseAll(depsFor: (i: number) => PublishDeps, gate: { open(): void }) {
    const before = new Set((await t.services.cycle.allIssues(SERIES)).map((i) => i.id));
    const results = await Promise.allSettled(
      zones.map((zone, i) =>
        publishReport(depsFor(i), {
          kind: SERIES,
          zone,
          period: '2024',
          slotKey: `race:${before.size}:${zone}`,
          force: true,
        }).finally(() => gate.open()),
      ),
    );
    const failures = results.flatMap((r, i) =>
      r.status === 'rejected'
        ? [`${zones[i]}: ${String(r.reason)}`]
        : r.value.outcome !== 'released'
          ? [`${zones[i]}: ${r.value.outcome} ${r.value.message ?? ''}`]
          : [],
    );
    expect(failures).toEqual([]);
    const made = (await t.services.cycle.allIssues(SERIES)).filter((i) => !before.has(i.id));
    // One issue per zone, each with a number of its own, the numbers following each other.
    expect(made.map((i) => i.params?.['zone']).sort()).toEqual(zones);
    const totals = made.map((i) => i.total).sort((a, b) => a - b);
    const first = totals[0]!;
    expect(totals).toEqual(Array.from({ length: ZONES }, (_, k) => first + k));
    expect((await t.services.cycle.lastNumbering(SERIES))?.total).toBe(first + ZONES - 1);
    return totals;
  }

  it("each in a process of its own (the map's render Lambdas): every one numbered, gapless, none failing", async () => {
    const gate = gatedRenderer(tiny, ZONES);
    const lambdas = zones.map(() => createServices(t.services.config, { renderer: gate }));
    extra.push(...lambdas);
    const prints = tiny.renders;
    const totals = await releaseAll((i) => depsOf(lambdas[i]!, gate), gate);
    console.log(
      `${ZONES} zone releases in ${ZONES} processes: 总第${totals[0]}–${totals.at(-1)}期, ${tiny.renders - prints} prints`,
    );
  });

  it('all in one process (the local batch): every one numbered, gapless, none failing, the counter written once', async () => {
    const gate = gatedRenderer(tiny, ZONES);
    const one = createServices(t.services.config, { renderer: gate });
    extra.push(one);
    // The series' counter, written by the last release in flight only (numbering-line.ts): all
    // twelve are in flight together (the gate), so once — it was once per release.
    let counterWrites = 0;
    one.clients.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: unknown };
        if (
          context.commandName === 'UpdateItemCommand' &&
          /"COUNTER"/.test(JSON.stringify(input.Key))
        )
          counterWrites += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countCounterWrites' },
    );
    const prints = tiny.renders;
    const totals = await releaseAll(() => depsOf(one, gate), gate);
    console.log(
      `${ZONES} zone releases in one process: 总第${totals[0]}–${totals.at(-1)}期, ${tiny.renders - prints} prints, counter written ${counterWrites}×`,
    );
    expect(counterWrites).toBe(1);
  });

  it('a release keeps its lease while it tries numbers: each attempt renews it', async () => {
    // Twelve render Lambdas racing for numbers: the last one tries twelve times. With a lease
    // of 3 s instead of 120 s, 8 of the 12 failed with “发布已被另一次运行接手” although
    // nobody took them over — the lease ran out under releases that were alive.
    const drafted = await publishReport(t.publishDeps(), {
      kind: 'torch-bulletin',
      slotKey: 'lease:renewed',
    });
    const id = drafted.draft!.id;
    const leaseMs = 3000;
    const started = Date.now();
    await t.services.cycle.beginRelease(id, 'alive', leaseMs, started);
    // Attempts a third of a lease apart, until well past the lease the release began with.
    for (let total = 900; Date.now() < started + leaseMs + 1000; total++) {
      await t.services.cycle.recordAttempt(id, 'alive', total, leaseMs);
      await new Promise((resolve) => setTimeout(resolve, leaseMs / 3));
    }
    await t.services.cycle.recordAttempt(id, 'alive', 999, leaseMs);
    // Held, not abandoned: another run is told so and takes nothing over.
    await expect(t.services.cycle.beginRelease(id, 'retry', leaseMs)).rejects.toThrow(
      /正由另一次运行发布中/,
    );
    await t.services.cycle.abortRelease(id, 'alive', 'test');
  });
});
