/**
 * mulberry32: a tiny seeded PRNG, so a fault schedule can be replayed from the seed a run logs.
 * Under concurrency the order in which requests consume numbers varies, so a seed replays the same
 * rates and the same decision sequence, not necessarily the same request hit by each decision.
 */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
