/**
 * The Node thread's CPU for the zone profiles' charts, without the rest of the run:
 *
 * - `compose`: `CHARTS_MICRO_N` synthetic zone profiles of 2024 (default 178; the bench's
 *   dataset, one shared period context as the all-zones run has it) composed in a loop, each
 *   view serialised; four charts a profile (three trend charts, one ranking chart);
 * - `charts`: the same number of profiles' charts alone, drawn from generated inputs (3 trend
 *   charts of 2–15 years, some with gaps and a growth line, and a ranking chart of 3–13 zones),
 *   a profile's four together (`renderChartsSvg`) as its compose draws them.
 *
 * Each for every group size of `CHARTS_MICRO_GROUPS` (default `1`; e.g. `1,2,4,8`): that many
 * profiles' charts drawn by one `renderChartsSvg` (compose: profiles composed with their charts
 * in a `ChartBatch`, drawn once the group is composed, as the all-zones run plans them). The
 * group sizes take turns within each round, so that the machine's drift falls on all.
 *
 * Prints the CPU a profile (`process.cpuUsage()`, user + system) of each round after a warm-up,
 * and a hash of what was made (the views as `stableViewJson` writes them; the SVGs with their
 * generated names relabelled), which must not change when only the cost does — nor with the
 * group size.
 * Run: `node --expose-gc --max-semi-space-size=32 --import tsx bench/charts-micro.ts [rounds]`.
 */
import { createHash } from 'node:crypto';
import { stableViewJson } from '../functions/app/batch.ts';
import {
  ChartBatch,
  rankingBarChartSpec,
  renderChartsSvg,
  trendChartSpec,
  type ChartSeries,
} from '../functions/core/charts.ts';
import type { Figure } from '../functions/core/figures.ts';
import { syntheticProfiles } from './synthetic-profiles.ts';

const profiles = Number(process.env.CHARTS_MICRO_N ?? 178);
const rounds = Number(process.argv[2] ?? 3);

const groups = (process.env.CHARTS_MICRO_GROUPS ?? '1').split(',').map(Number);

/**
 * CPU ms a profile of each of `runs`, once per round after one warm-up run each (whose result
 * goes to `digest`, and only its digest is kept); within a round the runs take turns.
 */
function measure<T>(
  runs: (() => T)[],
  digest: (made: T) => string,
): { hash: string[]; ms: number[][] } {
  const hash = runs.map((run) => digest(run()));
  const ms: number[][] = runs.map(() => []);
  for (let i = 0; i < rounds; i++) {
    runs.forEach((run, k) => {
      (globalThis as { gc?: () => void }).gc?.();
      const t0 = process.cpuUsage();
      run();
      const d = process.cpuUsage(t0);
      ms[k]!.push(Math.round((d.user + d.system) / 10 / profiles) / 100);
    });
  }
  return { hash, ms };
}
const hashOf = (texts: string[]) => {
  const hash = createHash('sha256');
  for (const t of texts) hash.update(t);
  return hash.digest('hex').slice(0, 16);
};
/** `items` in groups of `size`, in order. */
const groupsOf = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );

// ——— compose ———
const { zones, compose: composeOne } = syntheticProfiles(profiles);
const compose = measure(
  groups.map(
    (size) => () =>
      groupsOf(zones, size).flatMap((group) => {
        // One profile alone draws its own charts, as compose does outside the all-zones run.
        if (size === 1) return [JSON.stringify(composeOne(group[0]!.id))];
        const batch = new ChartBatch();
        const views = group.map((z) => composeOne(z.id, batch.slot()));
        batch.draw();
        return views.map((v) => JSON.stringify(v));
      }),
  ),
  (made) => {
    const charts = made.reduce((n, v) => n + (v.match(/<svg\b/g)?.length ?? 0), 0);
    return `(${charts} charts) views ${hashOf(made.map((v) => stableViewJson(JSON.parse(v))))}`;
  },
);
groups.forEach((size, k) =>
  console.log(
    `compose  ${profiles} zone profiles, ${size} at a time: ${compose.ms[k]!.join(' · ')} ms of CPU a profile; ${compose.hash[k]}`,
  ),
);

// ——— charts alone ———
let seed = 7;
const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const fig = (value: number): Figure => ({ value, text: value.toFixed(1), refs: [] });
const allYears = Array.from({ length: 15 }, (_, i) => String(2010 + i));
const inputs = Array.from({ length: profiles }, (_, p) => {
  const trends = [0, 1, 2].map((k) => {
    const years = allYears.slice(Math.floor(rnd() * 14));
    const bars: ChartSeries = {
      name: `指标${k}`,
      figures: years.map((_, i) => (rnd() < 0.25 ? undefined : fig(100 + i * 20 + rnd() * 50))),
    };
    const line: ChartSeries = {
      name: '同比增长',
      figures: years.map((_, i) => (i === 0 || rnd() < 0.2 ? undefined : fig((rnd() - 0.3) * 30))),
    };
    return { categories: years, bars, ...(rnd() < 0.7 ? { line } : {}) };
  });
  const m = 3 + Math.floor(rnd() * 11);
  const categories = Array.from({ length: m }, (_, i) => `园区${(p + i) % 178}（${i + 1}）`);
  const ranking = {
    categories,
    series: {
      name: '营业收入',
      figures: categories.map((_, i) => (rnd() < 0.1 ? undefined : fig(5000 - i * 300))),
    },
    highlight: new Set([p % m]),
  };
  return { trends, ranking };
});
// `size` profiles' four charts each drawn together (one profile's four: as its compose draws them).
const drawn = measure(
  groups.map(
    (size) => () =>
      groupsOf(inputs, size).flatMap((group) =>
        renderChartsSvg(
          group.flatMap(({ trends, ranking }) => [
            ...trends.map(trendChartSpec),
            rankingBarChartSpec(ranking),
          ]),
        ),
      ),
  ),
  (made) => {
    // The generated names relabelled by first appearance in each chart.
    const relabelled = made.map((svg) => {
      const labels = new Map<string, string>();
      return svg.replace(/\bzr\d+-(?:cls-|[cgps])\d+\b/g, (name) => {
        if (!labels.has(name)) labels.set(name, `zr-${labels.size}`);
        return labels.get(name)!;
      });
    });
    return `(${made.length}) SVG ${hashOf(relabelled)}`;
  },
);
groups.forEach((size, k) =>
  console.log(
    `charts   ${profiles} profiles' charts alone, ${size} profiles at a time: ${drawn.ms[k]!.join(' · ')} ms of CPU a profile; ${drawn.hash[k]}`,
  ),
);
