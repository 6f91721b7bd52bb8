/**
 * What bounds each missed target of the bench (issue 27: "for any miss, the bench prints the
 * profile that bounds it"). Pure: it reads the figures `bench/run.ts` has gathered and says, per
 * missed target, which resource the run waited on and how far it is from the target.
 */

export interface ZoneFigures {
  zones: number;
  totalSeconds: number;
  cpuSeconds: { node: number; chromium: number; stores: number; cores: number };
  bare: { seconds: number; ratio: number; chromiumCpuSeconds?: number };
  split: Record<string, number>;
  rendered: number;
}

export interface BulletinFigures {
  pdfMs: number;
  ratioToBare: number;
  printsPerBulletin: number;
  perPass: {
    loadMs: number;
    layoutMs: number;
    wallMs: number;
    steps: { pageMs: number; numbersMs: number; readMs: number; finishMs: number };
  };
  postProcessMs: number;
  bare: { pdfMs: number };
}

export interface MemoryFigures {
  totalMb: number;
  phase: string;
  at: { nodeMb: number; storesMb: number; chromiumMb: number; otherMb: number };
  chromiumAtPeak: Record<string, { count: number; mb: number }>;
}

export const TARGETS = { zoneRatio: 1.5, bulletinRatio: 1.15, peakMb: 1536 } as const;

const s = (x: number) => `${x.toFixed(1)} s`;
const pct = (x: number) => `${Math.round(x * 100)} %`;

/** The all-zones run: which of the Node thread, the two cores or Chromium it cannot beat. */
export function zoneBounds(z: ZoneFigures): string[] {
  if (z.bare.ratio <= TARGETS.zoneRatio) return [];
  const profiles = Math.max(z.rendered, 1);
  const per = (sec: number) => `${Math.round((sec * 1000) / profiles)} ms`;
  const { node, chromium, stores, cores } = z.cpuSeconds;
  const total = node + chromium + stores;
  const floors = [
    { what: 'the Node thread (one thread: the run is at least its CPU time)', sec: node },
    { what: `the ${cores} cores (all CPU of the run spread over them)`, sec: total / cores },
    { what: "the stores' process (one thread)", sec: stores },
    { what: 'bare Chromium printing the same files', sec: z.bare.seconds },
  ].sort((a, b) => b.sec - a.sec);
  const goal = z.bare.seconds * TARGETS.zoneRatio;
  const shares = Object.entries(z.split)
    .filter(([k]) => !/Requests$|^job$/.test(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ');
  return [
    `  all-zones run      ${s(z.totalSeconds)} against ≤ ${s(goal)} (${TARGETS.zoneRatio}× bare ${s(z.bare.seconds)}): ${s(z.totalSeconds - goal)} over`,
    `    bounded by       ${floors[0]!.what}: ${s(floors[0]!.sec)} — ${pct(floors[0]!.sec / z.totalSeconds)} of the run's wall time`,
    `    CPU a profile    node ${per(node)} + stores ${per(stores)} + chromium ${per(chromium)} = ${per(total)}; within ${s(goal)} on ${cores} cores at most ${per(goal * cores)} a profile fits, ${per(goal)} of it on the Node thread`,
    ...(z.bare.chromiumCpuSeconds === undefined
      ? []
      : [
          `    Chromium         ours ${per(chromium)} of CPU a profile, bare ${per(z.bare.chromiumCpuSeconds)} for the same files: ${per(Math.max(0, chromium - z.bare.chromiumCpuSeconds))} a profile more than printing needs`,
        ]),
    `    floors           ${floors.map((f) => `${s(f.sec)} ${f.what.replace(/ \(.*\)$/, '')}`).join(' · ')}`,
    `    largest shares   ${shares} (ms a profile, summed over the zones in flight)`,
  ];
}

/** The warm bulletin: what our PDF phase spends beyond bare's goto + fonts.ready + page.pdf. */
export function bulletinBounds(b: BulletinFigures): string[] {
  if (b.ratioToBare <= TARGETS.bulletinRatio) return [];
  const goal = b.bare.pdfMs * TARGETS.bulletinRatio;
  const st = b.perPass.steps;
  const extras = [
    ['layout (tables fitted, colophon measured)', b.perPass.layoutMs * b.printsPerBulletin],
    ['page numbers written', st.numbersMs * b.printsPerBulletin],
    ['PDF read', st.readMs * b.printsPerBulletin],
    ['finish', st.finishMs * b.printsPerBulletin],
    ['after the render call', b.postProcessMs],
    [
      'load + page.pdf beyond bare',
      Math.max(0, (b.perPass.loadMs + st.pageMs) * b.printsPerBulletin - b.bare.pdfMs),
    ],
  ] as const;
  return [
    `  warm bulletin      ${b.pdfMs} ms against ≤ ${Math.round(goal)} ms (${TARGETS.bulletinRatio}× bare ${b.bare.pdfMs} ms): ${Math.round(b.pdfMs - goal)} ms over`,
    `    beyond bare      ${[...extras]
      .sort((x, y) => y[1] - x[1])
      .map(([k, v]) => `${k} ${Math.round(v)} ms`)
      .join(' · ')}`,
  ];
}

/** Peak memory: which processes hold it at the peak. */
export function memoryBounds(m: MemoryFigures): string[] {
  if (m.totalMb <= TARGETS.peakMb) return [];
  const parts = [
    ['chromium', m.at.chromiumMb],
    ['node', m.at.nodeMb],
    ['stores', m.at.storesMb],
    ['other', m.at.otherMb],
  ] as const;
  const kinds = Object.entries(m.chromiumAtPeak)
    .sort((a, b) => b[1].mb - a[1].mb)
    .slice(0, 3)
    .map(([k, v]) => `${k} ${v.count > 1 ? `${v.count}× ` : ''}${v.mb} MB`)
    .join(', ');
  return [
    `  peak RSS sum       ${m.totalMb} MB during ${m.phase} against ≤ ${TARGETS.peakMb} MB: ${m.totalMb - TARGETS.peakMb} MB over`,
    `    held by          ${[...parts]
      .sort((x, y) => y[1] - x[1])
      .map(([k, v]) => `${k} ${v} MB (${pct(v / m.totalMb)})`)
      .join(' · ')}; Chromium's largest: ${kinds}`,
  ];
}

export function whatBounds(z: ZoneFigures, b: BulletinFigures, m: MemoryFigures): string[] {
  const lines = [...zoneBounds(z), ...bulletinBounds(b), ...memoryBounds(m)];
  return lines.length ? ['', 'what bounds the misses', ...lines] : [];
}
