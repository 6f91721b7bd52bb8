/**
 * The numbering line (functions/app/numbering-line.ts): releases of one series in one process
 * take consecutive numbers while printing side by side, and write in that order; a release that
 * gives up or hangs makes the ones after it number again, never leaving a gap.
 */
import { describe, expect, it } from 'vitest';
import { NumberingLine, numberingLineOf } from '../../functions/app/numbering-line.ts';
import { nextNumbering, type Numbering } from '#core/lifecycle.ts';

const next = (last: Numbering) => nextNumbering(last, 2026);
const at = (total: number): Numbering => ({ year: 2026, number: total - 550, total });

describe('the numbering line', () => {
  it('gives three releases joining at once consecutive numbers from one catalog read', async () => {
    const line = new NumberingLine();
    let reads = 0;
    const lastStored = async () => {
      reads += 1;
      await new Promise((r) => setTimeout(r, 5));
      return at(551);
    };
    const places = [
      line.join(lastStored, next),
      line.join(lastStored, next),
      line.join(lastStored, next),
    ];
    expect((await Promise.all(places.map((p) => p.numbering))).map((n) => n.total)).toEqual([
      552, 553, 554,
    ]);
    expect(reads).toBe(1);
    expect(line.inFlight).toBe(3);
    // The first has nobody before it; the second waits for the first to write.
    expect(await places[0]!.predecessorStored(10)).toBe(true);
    const second = places[1]!.predecessorStored(1000);
    places[0]!.settle(true);
    expect(await second).toBe(true);
    places[1]!.settle(true);
    places[2]!.settle(true);
    expect(line.inFlight).toBe(0);
    // With none in flight, the next one reads the catalog again.
    expect((await line.join(async () => at(554), next).numbering).total).toBe(555);
  });

  it('makes the ones after a release that gave up number again, after the catalog', async () => {
    const line = new NumberingLine();
    let stored = at(551);
    const a = line.join(async () => stored, next);
    const b = line.join(async () => stored, next);
    expect((await b.numbering).total).toBe(553);
    const waiting = b.predecessorStored(1000);
    a.settle(false); // its render failed: 552 was never written
    expect(await waiting).toBe(false);
    b.settle(false);
    const again = line.join(async () => stored, next);
    expect((await again.numbering).total).toBe(552);
    stored = at(552);
    again.settle(true);
  });

  it('lets the releases after one that gave up number again behind a sound one, not each other', async () => {
    // Three releases print side by side; the first is refused for good (its issue item too
    // large). The other two number again as `numberAndStore` does: wait for the one before,
    // and on "gave up" settle and join again. They used to follow each other's places, which
    // were about to give up too, for ever (a print each round): 0 of 178 zones in 6 minutes.
    const line = new NumberingLine();
    const stored = { last: at(551) };
    const lastStored = async () => stored.last;
    const a = line.join(lastStored, next);
    let places = [line.join(lastStored, next), line.join(lastStored, next)];
    const release = async (i: number): Promise<{ total: number; rounds: number }> => {
      for (let round = 1; round <= 10; round++) {
        const place = places[i]!;
        const numbering = await place.numbering;
        await Promise.resolve(); // its print
        if (await place.predecessorStored(5_000)) {
          stored.last = numbering;
          place.settle(true);
          return { total: numbering.total, rounds: round };
        }
        place.settle(false);
        places = places.map((p, j) => (j === i ? line.join(lastStored, next) : p));
      }
      throw new Error(`release ${i} still numbering after 10 rounds`);
    };
    const both = Promise.all([release(0), release(1)]);
    await Promise.resolve();
    a.settle(false);
    const outcomes = await both;
    expect(outcomes.map((o) => o.total).sort()).toEqual([552, 553]);
    // Each printed at most twice: its first place, then once behind a sound one.
    for (const o of outcomes) expect(o.rounds).toBeLessThanOrEqual(2);
    expect(line.inFlight).toBe(0);
  });

  it('leaves out a release that neither writes nor gives up in time', async () => {
    const line = new NumberingLine();
    const hung = line.join(async () => at(551), next); // never settles, like a killed process
    expect((await hung.numbering).total).toBe(552);
    const b = line.join(async () => at(551), next);
    expect((await b.numbering).total).toBe(553);
    expect(await b.predecessorStored(20)).toBe(false);
    b.settle(false);
    // The hung one is not followed any more: the next numbers after the catalog's last.
    const c = line.join(async () => at(551), next);
    expect((await c.numbering).total).toBe(552);
    expect(await c.predecessorStored(20)).toBe(true);
  });

  it('numbers after the catalog when the lookup of the release before failed', async () => {
    const line = new NumberingLine();
    const a = line.join(async () => Promise.reject(new Error('throttled')), next);
    await expect(a.numbering).rejects.toThrow('throttled');
    const b = line.join(async () => at(560), next);
    expect((await b.numbering).total).toBe(561);
  });

  it('restarts the number in the year with a new year', async () => {
    const line = new NumberingLine();
    const a = line.join(
      async () => ({ year: 2025, number: 9, total: 560 }),
      (l) => nextNumbering(l, 2026),
    );
    expect(await a.numbering).toEqual({ year: 2026, number: 1, total: 561 });
  });

  it('leaves the counter to the last release in flight: written once for the line', async () => {
    const line = new NumberingLine();
    const places = [0, 1, 2].map(() => line.join(async () => at(551), next));
    const numbers = await Promise.all(places.map((p) => p.numbering));
    // The first two have a release behind them: they write their issue, not the counter.
    expect(places.map((p) => p.last())).toEqual([false, false, true]);
    expect(places[0]!.settle(true)).toBeUndefined();
    expect(places[1]!.settle(true)).toBeUndefined();
    // The last one writes the counter with its own numbering (the newest), then owes nothing.
    expect(numbers[2]!.total).toBe(554);
    expect(places[2]!.settle(true, true)).toBeUndefined();
    // Alone in the line, a release is the last: it writes the counter itself.
    const alone = line.join(async () => at(554), next);
    await alone.numbering;
    expect(alone.last()).toBe(true);
  });

  it('hands what the counter owes to the last one out when it gave up', async () => {
    const line = new NumberingLine();
    const a = line.join(async () => at(551), next);
    const b = line.join(async () => at(551), next);
    await Promise.all([a.numbering, b.numbering]);
    expect(a.last()).toBe(false);
    expect(a.settle(true)).toBeUndefined(); // 552 written, the counter left to b
    expect(b.last()).toBe(true);
    // b's render failed: nobody else in flight, so the counter is owed 552 (b writes it).
    expect(b.settle(false)).toEqual(at(552));
    // Owed once: a second settle changes nothing.
    expect(b.settle(false)).toBeUndefined();
  });

  it('keeps one line per series and per catalog', () => {
    const catalog = {};
    expect(numberingLineOf(catalog, 'zone-profile')).toBe(numberingLineOf(catalog, 'zone-profile'));
    expect(numberingLineOf(catalog, 'zone-profile')).not.toBe(
      numberingLineOf(catalog, 'torch-bulletin'),
    );
    expect(numberingLineOf({}, 'zone-profile')).not.toBe(numberingLineOf(catalog, 'zone-profile'));
  });
});
