/**
 * Randomness as a dependency, so jitter is reproducible in tests.
 *
 * @example
 * ```ts
 * const random = createSeededRandom(42);
 * random(); // the same number in [0, 1) on every run
 * ```
 */

/** Returns a number in [0, 1), like `Math.random`. */
export type Random = () => number;

/** A small deterministic generator (mulberry32) for tests and simulations. */
export function createSeededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
