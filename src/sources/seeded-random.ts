/**
 * Seeded pseudo-random numbers in [0, 1), for generated data that must come out the same run
 * after run: the scan threads' warm-up lines, and the tests' and benchmarks' data (a failing
 * seed can be run again).
 */

/** mulberry32: small, fast and well spread. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The classic C library linear congruential generator, 31 bits. */
export function lcg(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}
