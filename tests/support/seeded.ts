import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { mersenne } from 'pure-rand/generator/mersenne';

/**
 * A seeded generator of floats in [0, 1) (pure-rand, the library `core/synthetic.ts` uses): the
 * same sequence for the same seed, so a failing run is replayed from its seed. Mersenne Twister,
 * whose seeding spreads a small seed over its whole state: xoroshiro128+ seeded with 1, 2, 3 …
 * (or with two seeds a few apart) starts with the same first draws (≈ 1.000 for every small
 * seed), so a test's first random point would hardly vary from run to run.
 */
export function seededRandom(seed: number): () => number {
  const rng = mersenne(seed);
  return () => uniformFloat64(rng);
}
