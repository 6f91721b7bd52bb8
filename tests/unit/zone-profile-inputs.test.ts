/**
 * What a zone profile's input hash (`Loaded.inputHash`, in its `inputsKey`) means: equal hashes
 * ⇒ the same records read ⇒ the same profile (the all-zones plan skips such a zone without
 * composing it); any field of any record the profile reads changes it. The period's records are
 * hashed once per run (shared by every zone of the period, by array), the zone's own per profile:
 * the hash must not depend on whether the period's part came from that cache.
 */
import { describe, expect, it } from 'vitest';
import type { RecordStore } from '../../functions/app/ports.ts';
import { syntheticReference } from '../../functions/app/synthetic.ts';
import type { IndicatorRecord } from '../../functions/core/model.ts';
import { syntheticRecords } from '../../functions/core/synthetic.ts';
import type { KindContext } from '../../functions/reports/kind.ts';
import { zoneProfile } from '../../functions/reports/zone-profile.ts';

const reference = syntheticReference(12);
const zones = reference.zones.filter((z) => z.level === 'national');
const base: IndicatorRecord[] = syntheticRecords({ seed: 11, zones, firstYear: 2020 }).map((r) => ({
  ...r,
  revision: 1,
}));
const [zone, peer] = [zones[0]!.id, zones[1]!.id];
const PERIOD = '2024';

/**
 * A store over `records`. `shared`: the same arrays for every read of a period, as the
 * all-zones run's cached reads give (the period's hash is then taken once for all zones);
 * else a new array each read.
 */
function storeOf(records: IndicatorRecord[], shared: boolean): RecordStore {
  const byPeriod = new Map<string, IndicatorRecord[]>();
  const ofPeriod = (p: string) => records.filter((r) => r.period === p);
  return {
    recordsOfZone: async (z: string) => records.filter((r) => r.zone === z),
    recordsOfPeriod: async (p: string) => {
      if (!shared) return ofPeriod(p);
      let list = byPeriod.get(p);
      if (!list) byPeriod.set(p, (list = ofPeriod(p)));
      return list;
    },
    articles: async () => [],
  } as Partial<RecordStore> as RecordStore;
}

async function hashOf(store: RecordStore, z = zone): Promise<string> {
  const ctx: KindContext = { records: store, reference, timeZone: 'Asia/Shanghai' };
  const resolved = await zoneProfile.resolve(ctx, { zone: z, period: PERIOD });
  return (await zoneProfile.load(ctx, resolved)).inputHash;
}

/** The records with one record (by zone, indicator, period) changed. */
function changed(
  where: { zone: string; period: string },
  change: (r: IndicatorRecord) => IndicatorRecord,
): IndicatorRecord[] {
  const i = base.findIndex((r) => r.zone === where.zone && r.period === where.period);
  expect(i, `${where.zone} ${where.period}`).toBeGreaterThanOrEqual(0);
  return base.map((r, j) => (j === i ? change(r) : r));
}

describe('the input hash of a zone profile', () => {
  it('is the same for the same records, whether the period was hashed for other zones first or not', async () => {
    const shared = storeOf(base, true);
    // Another zone of the same period first: its period hash is the one reused.
    await hashOf(shared, peer);
    const cached = await hashOf(shared);
    expect(await hashOf(shared)).toBe(cached);
    expect(await hashOf(storeOf(base, false))).toBe(cached);
    expect(await hashOf(storeOf([...base].reverse(), false))).toBe(cached);
    expect(await hashOf(shared, peer)).not.toBe(cached);
  });

  const revisions: [string, IndicatorRecord[]][] = [
    [
      "the zone's own value in the period",
      changed({ zone, period: PERIOD }, (r) => ({ ...r, value: r.value + 1 })),
    ],
    [
      "the zone's own record of an earlier year (its trend)",
      changed({ zone, period: '2021' }, (r) => ({ ...r, yoy: (r.yoy ?? 0) + 0.1 })),
    ],
    [
      "a peer's value in the period (its ranks)",
      changed({ zone: peer, period: PERIOD }, (r) => ({ ...r, value: r.value * 2 })),
    ],
    [
      "a peer's revision number only",
      changed({ zone: peer, period: PERIOD }, (r) => ({ ...r, revision: 2 })),
    ],
    [
      "a peer's source only",
      changed({ zone: peer, period: PERIOD }, (r) => ({ ...r, source: `${r.source}（修订）` })),
    ],
    [
      "a peer's record a year earlier (growth against it)",
      changed({ zone: peer, period: '2023' }, (r) => ({ ...r, value: r.value + 1 })),
    ],
    [
      'the national aggregate in the period',
      changed({ zone: 'national-htz', period: PERIOD }, (r) => ({ ...r, value: r.value + 1 })),
    ],
  ];

  it.each(revisions)('changes with %s, cached or not', async (_what, records) => {
    const before = await hashOf(storeOf(base, true));
    // Each store keeps its own arrays: the changed period is a new array, hashed anew.
    const shared = storeOf(records, true);
    await hashOf(shared, peer);
    expect(await hashOf(shared)).not.toBe(before);
    expect(await hashOf(storeOf(records, false))).not.toBe(before);
  });

  it('does not change with a record the profile does not read (a peer two years earlier)', async () => {
    const before = await hashOf(storeOf(base, false));
    const records = changed({ zone: peer, period: '2021' }, (r) => ({ ...r, value: r.value + 1 }));
    expect(await hashOf(storeOf(records, false))).toBe(before);
  });
});
