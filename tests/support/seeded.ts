import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/**
 * A seeded generator of floats in [0, 1) (pure-rand, as `core/synthetic.ts` uses): the same
 * sequence for the same seed, so a failing run is replayed from its seed.
 */
export function seededRandom(seed: number): () => number {
  const rng = xoroshiro128plus(seed);
  return () => uniformFloat64(rng);
}
