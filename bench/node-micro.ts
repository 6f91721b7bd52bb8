/**
 * The Node thread's CPU for what a zone profile costs outside the stores and printing:
 * `NODE_MICRO_N` synthetic zone profiles of 2024 (default 178, the bench's dataset, one shared
 * period context as the all-zones run has it), each
 *
 * - composed (`composeZoneProfile`: figures, rankings, four charts),
 * - hashed as the run does (`hashStableView`: sha256 of `stableViewJson`'s text, the input hash),
 * - given its charts' descriptions and its block anchors (`describeCharts`, `placedAnchors`),
 * - turned into its data file (`buildDataFile`) and the CSV attached in the PDF (`dataCsv`)
 *   and the data file's JSON as archived.
 *
 * Prints the CPU a profile (`process.cpuUsage()`, user + system) of each stage and of the whole,
 * per round after a warm-up, and a hash of each output (the views as `stableViewJson` writes
 * them, the data files' JSON, the CSVs), which must not change when only the cost does.
 * Run: `node --expose-gc --import tsx bench/node-micro.ts [rounds]`.
 */
import { createHash } from 'node:crypto';
import { hashStableView, stableViewJson } from '../functions/app/batch.ts';
import { dataCsv } from '../functions/app/data-export.ts';
import { buildDataFile, describeCharts } from '../functions/core/data-file.ts';
import { placedAnchors } from '../functions/core/printed-pages.ts';
import { syntheticProfiles } from './synthetic-profiles.ts';

const profiles = Number(process.env.NODE_MICRO_N ?? 178);
const rounds = Number(process.argv[2] ?? 3);

const { zones, compose } = syntheticProfiles(profiles);

const STAGES = ['compose', 'hash', 'describe', 'dataFile', 'csv', 'json'] as const;
type Stage = (typeof STAGES)[number];
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** One round: every profile through every stage; CPU µs by stage and the outputs. */
function round() {
  const spent: Record<Stage, number> = {
    compose: 0,
    hash: 0,
    describe: 0,
    dataFile: 0,
    csv: 0,
    json: 0,
  };
  const out = {
    views: [] as string[],
    hashes: [] as string[],
    files: [] as (string | Uint8Array)[],
    csvs: [] as Uint8Array[],
  };
  let t = cpu();
  const lap = (stage: Stage) => {
    const now = cpu();
    spent[stage] += now - t;
    t = now;
  };
  for (const z of zones) {
    const view = compose(z.id);
    lap('compose');
    out.hashes.push(hashStableView(createHash('sha256'), view).update('\0t\0s').digest('hex'));
    lap('hash');
    const described = describeCharts(view);
    const marks = placedAnchors(described);
    const full = marks.length ? { ...described, blockMarks: marks } : described;
    lap('describe');
    const file = buildDataFile(full);
    lap('dataFile');
    const csv = dataCsv(file);
    lap('csv');
    const json = new TextEncoder().encode(JSON.stringify(file));
    lap('json');
    // The views' text for the output hash, outside the stages.
    out.views.push(stableViewJson(view));
    t = cpu();
    out.files.push(json);
    out.csvs.push(csv);
  }
  return { spent, out };
}

const hashOf = (items: (string | Uint8Array)[]) => {
  const hash = createHash('sha256');
  for (const t of items) hash.update(t);
  return hash.digest('hex').slice(0, 16);
};

const first = round();
const perProfile = (us: number) => (us / 1000 / profiles).toFixed(2);
const totals: number[] = [];
for (let i = 0; i < rounds; i++) {
  (globalThis as { gc?: () => void }).gc?.();
  const { spent } = round();
  const all = STAGES.reduce((n, s) => n + spent[s], 0);
  totals.push(all);
  console.log(
    `round ${i + 1}: ${perProfile(all)} ms of CPU a profile — ` +
      STAGES.map((s) => `${s} ${perProfile(spent[s])}`).join(' · '),
  );
}
const { out } = first;
console.log(
  `${profiles} zone profiles; views ${hashOf(out.views)} · input hashes ${hashOf(out.hashes)} · data files ${hashOf(out.files)} · CSVs ${hashOf(out.csvs)}`,
);
