import { TwentyPacer } from '../src/index.ts';

/** A pacer that never waits, for tests whose contract server has its rate limits lifted. */
export const unpaced = () =>
  new TwentyPacer({
    limits: { shortLimit: 1_000_000, shortTtlMs: 1_000, longLimit: 1_000_000, longTtlMs: 1_000 },
    marginMs: 0,
  });
