/**
 * The reader side for a test file: real dynalite + s3rver seeded with the repository's data,
 * the editorial cycle on them with a clock the test moves (an hour per release, so issues are
 * ordered), and the real API app served on a loopback port of its own — what readers fetch.
 * Plus the two moves the reader tests make: release a 《火炬动态》 (drafted, then released) and
 * revise a figure at its source (national GDP of a period, ingested as a one-row CSV).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { createApiApp } from '../../functions/api/app.ts';
import { ingestFiles } from '../../functions/app/ingest.ts';
import { releaseDraft, triggerReport, type LifecycleDeps } from '../../functions/app/lifecycle.ts';
import type { Issue } from '../../functions/core/model.ts';
import type { ScheduleDefinition } from '../../functions/app/schedules.ts';
import { calendarDepsOf } from '../../functions/wiring/calendar.ts';
import { lifecycleDepsOf } from '../../functions/wiring/lifecycle.ts';
import {
  publishDeps,
  seedRealData,
  startTestStores,
  type TestStores,
} from '#tests/support/stores.ts';
import { createTinyRenderer, type TinyRenderer } from '#tests/support/tiny-renderer.ts';

export interface ReaderSite {
  stores: TestStores;
  /** The small test printer: every HTML it printed (`htmls`). */
  renderer: TinyRenderer;
  /** The editorial cycle, its `now` the site's clock. */
  deps: LifecycleDeps;
  /** `http://127.0.0.1:<port>`: the API app readers fetch. */
  url: string;
  now(): Date;
  /** The clock an hour on. */
  tick(): Date;
  /** A 《火炬动态》 drafted (forced) in a slot of its own, then released an hour later. */
  release(slotKey?: string): Promise<Issue>;
  /** National GDP of `period` revised by `delta` (one decimal), `source` the revision's source. */
  reviseGdp(period: string, delta: number, source: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the stores, seeds them and serves the API app; `calendar` links the release calendar
 * from the archive, as the servers wire it (with these schedules' dates, when given).
 */
export async function startReaderSite(
  opts: { calendar?: boolean | ScheduleDefinition[] } = {},
): Promise<ReaderSite> {
  const renderer = createTinyRenderer();
  const stores = await startTestStores({ renderer });
  await seedRealData(stores.services);
  const s = stores.services;
  let clock = new Date('2026-12-06T02:00:00Z');
  let slot = 0;
  const deps = lifecycleDepsOf(publishDeps(s, renderer, join(stores.dir, 'work')));
  deps.now = () => clock;
  const app = createApiApp({
    catalog: s.catalog,
    archive: s.archive,
    subscribers: s.subscribers,
    notifier: s.notifier,
    reference: s.reference,
    config: s.config,
    now: () => clock,
    ...(opts.calendar
      ? { calendar: calendarDepsOf(s, Array.isArray(opts.calendar) ? opts.calendar : []) }
      : {}),
    authenticate: async () => undefined,
    async requestReport() {
      throw new Error('not used here');
    },
  });
  const server = createAdaptorServer({ hostname: '127.0.0.1', fetch: app.fetch }) as Server;
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const tick = () => (clock = new Date(clock.getTime() + 3_600_000));
  return {
    stores,
    renderer,
    deps,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    now: () => clock,
    tick,
    async release(slotKey = `r-${++slot}`) {
      const made = await triggerReport(
        deps,
        { kind: 'torch-bulletin' },
        { slotKey, trigger: 'test', force: true },
      );
      tick();
      return releaseDraft(deps, made.draft!.id, { by: 'editor' });
    },
    async reviseGdp(period, delta, source) {
      const map = await s.records.currentValues([
        { zone: 'national-htz', indicator: 'gdp', period },
      ]);
      const gdp = map.get(`national-htz#gdp#${period}`)!;
      const value = Math.round((gdp.value + delta) * 10) / 10;
      const csv = `zone,indicator,period,value,unit,yoy,share,source\nnational-htz,gdp,${period},${value},亿元,${gdp.yoy ?? ''},${gdp.share ?? ''},${source}\n`;
      await ingestFiles({ records: s.records, reference: s.reference }, [
        { name: `revision-${++slot}.csv`, bytes: new TextEncoder().encode(csv) },
      ]);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await stores.stop();
    },
  };
}
