import { describe, expect, it } from 'vitest';
import { whatBounds, zoneBounds } from '../../bench/bounds.ts';

// Figures of the quiet 178-zone bench of 8d768ff (session 8's closing note).
const zones = {
  zones: 178,
  rendered: 178,
  totalSeconds: 51.8,
  cpuSeconds: { node: 42.1, chromium: 7.3, stores: 19.7, cores: 2 },
  bare: { seconds: 12.2, ratio: 4.26 },
  split: {
    compose: 37,
    hash: 21,
    dynamodb: 526,
    dynamodbRequests: 14,
    s3: 313,
    printing: 360,
    cover: 123,
    job: 2400,
  },
};
const bulletin = {
  pdfMs: 87,
  ratioToBare: 1.36,
  printsPerBulletin: 1,
  perPass: {
    loadMs: 30,
    layoutMs: 5,
    wallMs: 79,
    steps: { pageMs: 50, numbersMs: 6, readMs: 0, finishMs: 2 },
  },
  postProcessMs: 8,
  bare: { pdfMs: 64 },
};
const memory = {
  totalMb: 1566,
  phase: 'zone profiles',
  at: { nodeMb: 401, storesMb: 255, chromiumMb: 878, otherMb: 32 },
  chromiumAtPeak: { renderer: { count: 2, mb: 543 * 2 }, gpu: { count: 1, mb: 60 } },
};

describe('what bounds the bench misses', () => {
  it('names the Node thread when its CPU time exceeds every other floor', () => {
    const text = whatBounds(zones, bulletin, memory).join('\n');
    expect(text).toMatch(/bounded by\s+the Node thread.*42\.1 s — 81 % of the run/);
    expect(text).toMatch(/51\.8 s against ≤ 18\.3 s .*33\.5 s over/);
    expect(text).toMatch(
      /largest shares\s+dynamodb 526 · printing 360 · s3 313 · cover 123 · compose 37/,
    );
    expect(text).toMatch(/87 ms against ≤ 74 ms .*: 13 ms over/);
    expect(text).toMatch(/held by\s+chromium 878 MB \(56 %\) · node 401 MB/);
  });

  it('names the cores when the processes together are the floor', () => {
    const busy = { ...zones, cpuSeconds: { node: 30, chromium: 20, stores: 30, cores: 2 } };
    expect(zoneBounds(busy).join('\n')).toMatch(/bounded by\s+the 2 cores .*40\.0 s/);
  });

  it("sets our Chromium's CPU beside bare Chromium's for the same files", () => {
    const withBare = { ...zones, bare: { seconds: 12.2, ratio: 4.26, chromiumCpuSeconds: 5.5 } };
    // 7.3 s and 5.5 s over 178 profiles: 41 and 31 ms, 10 ms more than printing needs.
    expect(zoneBounds(withBare).join('\n')).toMatch(
      /Chromium\s+ours 41 ms of CPU a profile, bare 31 ms for the same files: 10 ms a profile more/,
    );
    expect(zoneBounds(zones).join('\n')).not.toMatch(/^\s+Chromium /m);
  });

  it('says nothing of a target that is met', () => {
    const met = whatBounds(
      { ...zones, bare: { seconds: 40, ratio: 1.3 } },
      { ...bulletin, ratioToBare: 1.1 },
      { ...memory, totalMb: 1400 },
    );
    expect(met).toEqual([]);
  });
});
