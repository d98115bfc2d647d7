import {
  startContractServer,
  TWENTY_RATE_LIMITS,
  WorkspaceThrottle,
  type ContractServer,
} from '@parley/twenty-contract-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TwentyAuthError, TwentyClient, TwentyPacer, TwentyRequestError } from '../src/index.ts';
import { unpaced } from './unpaced.ts';

const KEY = 'client-test-key';

describe('TwentyClient against the contract server', () => {
  let server: ContractServer;
  const client = (options: Partial<ConstructorParameters<typeof TwentyClient>[0]> = {}) =>
    new TwentyClient({
      baseUrl: server.url,
      apiKey: KEY,
      pacer: unpaced(),
      backoffBaseMs: 20,
      backoffMaxMs: 200,
      ...options,
    });

  beforeEach(async () => {
    server = await startContractServer({ apiKey: KEY, rateLimits: null });
  });
  afterEach(async () => server.close());

  it('retries through a 429 storm and a 5xx outage, and the write lands once', async () => {
    server.faults.rateLimitStorm = 5;
    server.faults.failNext = { status: 503, count: 3 };
    const body = await client().post('/rest/people', { jobTitle: 'patient' });
    expect(body).toHaveProperty('data.createPerson.jobTitle', 'patient');
    expect(server.records('person')).toHaveLength(1);
    expect(server.requests.map((r) => r.status)).toEqual([503, 503, 503, 429, 429, 429, 429, 429, 201]);
  });

  it('waits out an outage, calling onWait meanwhile', async () => {
    server.faults.outage = true;
    let waits = 0;
    setTimeout(() => (server.faults.outage = false), 2_500);
    await client({ backoffBaseMs: 500, backoffMaxMs: 1_000 }).get('/rest/people', {
      onWait: async () => {
        waits++;
      },
    });
    expect(waits).toBeGreaterThanOrEqual(1);
    expect(server.requests.at(-1)?.status).toBe(200);
  });

  it('turns 401 into TwentyAuthError and 400 into TwentyRequestError without retrying', async () => {
    await expect(client({ apiKey: 'wrong' }).get('/rest/people')).rejects.toBeInstanceOf(TwentyAuthError);
    const error = await client()
      .post('/rest/people', { nope: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TwentyRequestError);
    expect((error as TwentyRequestError).status).toBe(400);
    expect(server.requests).toHaveLength(2);
  });

  it('stops waiting when its signal aborts', async () => {
    server.faults.outage = true;
    const stop = new AbortController();
    setTimeout(() => {
      stop.abort();
    }, 300);
    await expect(client({ signal: stop.signal, backoffBaseMs: 5_000 }).get('/rest/people')).rejects.toThrow(/stopped/);
  });
});

/** A deterministic pseudo-random sequence (mulberry32), so the timing runs are the same every time. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('TwentyPacer against Twenty’s throttler arithmetic (virtual clock)', () => {
  /**
   * 1,000 sequential requests: each reaches the server's clock 0–40 ms after it was sent (the margin is
   * 50 ms) and its answer takes 5–60 ms more. The server is the contract server's model of Twenty's
   * two workspace buckets at their defaults.
   */
  const run = async (send: (now: () => number, wait: (ms: number) => Promise<void>) => Promise<void>) => {
    let clock = 0;
    const now = () => clock;
    const wait = async (ms: number) => {
      clock += ms;
    };
    const server = new WorkspaceThrottle(TWENTY_RATE_LIMITS, now);
    const jitter = random(42);
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      await send(now, wait);
      const sentAt = clock;
      clock += jitter() * 40;
      if (server.take() !== undefined) refused++;
      clock = sentAt + 45 + jitter() * 20;
    }
    return { refused, minutes: clock / 60_000 };
  };

  it('meets no 429 in a sustained run of 1,000 requests, at about the documented rate', async () => {
    let pacer: TwentyPacer | undefined;
    const result = await run(async (now, wait) => {
      pacer ??= new TwentyPacer({ now, sleep: wait, marginMs: 50 });
      await pacer.take();
    });
    expect(result.refused).toBe(0);
    // 100 at once, then 900 at one per 651 ms at most: about 9.8 minutes; exactly 100/min would be 9.0.
    expect(result.minutes).toBeLessThan(10);
  });

  it('is needed: a client spacing requests at exactly 100 per minute meets 429s', async () => {
    let next = 0;
    const result = await run(async (now, wait) => {
      if (now() < next) await wait(next - now());
      next = now() + 600;
    });
    expect(result.refused).toBeGreaterThan(0);
  });

  it('learns from a 429 that the named bucket is empty', async () => {
    let clock = 0;
    const waits: number[] = [];
    const pacer = new TwentyPacer({
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
      marginMs: 10,
    });
    await pacer.take();
    pacer.refused('Limit reached (100 tokens per 60000 ms)');
    await pacer.take();
    // The next token is 600 ms (plus margin and a rounding millisecond) after the last successful take.
    expect(waits).toEqual([611]);
  });
});

describe('TwentyClient pacing against the contract server’s throttler (real HTTP)', () => {
  /**
   * The pacer's promise: while the server reads each request's time at most `marginMs` after the pacer
   * let it go, the server refuses none. A loaded machine can stall a request for longer (both ends share
   * this process's event loop), and then a 429 may follow, which the pacer learns from. So the test
   * records each attempt's take (the pacer's clock) and read (the throttle's clock), and replays every
   * attempt through Twenty's arithmetic with each read moved to no later than its take plus the margin:
   * that replay must accept them all. Without a stall it is the real run itself.
   */
  it('sends 300 requests through a bucket of 100 refilled at 100 per second, every one within the limits', async () => {
    const limits = { shortLimit: 100, shortTtlMs: 1_000, longLimit: 100, longTtlMs: 1_000 };
    const marginMs = 30;
    const reads: number[] = [];
    const server = await startContractServer({
      apiKey: KEY,
      rateLimits: limits,
      now: () => {
        const at = Date.now();
        reads.push(at);
        return at;
      },
    });
    try {
      let lastNow = 0;
      const pacer = new TwentyPacer({ limits, marginMs, now: () => (lastNow = Date.now()) });
      const takes: number[] = [];
      const take = pacer.take.bind(pacer);
      pacer.take = async (signal) => {
        await take(signal);
        takes.push(lastNow);
      };
      const client = new TwentyClient({
        baseUrl: server.url,
        apiKey: KEY,
        pacer,
        backoffBaseMs: 20,
        backoffMaxMs: 200,
      });
      for (let i = 0; i < 300; i++) await client.get('/rest/people?limit=1');

      const statuses = server.requests.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(300);
      expect([reads.length, takes.length]).toEqual([statuses.length, statuses.length]);
      let clock = 0;
      const replay = new WorkspaceThrottle(limits, () => clock);
      const refusedInReplay: number[] = [];
      takes.forEach((takenAt, i) => {
        clock = Math.min(reads[i] ?? takenAt, takenAt + marginMs);
        if (replay.take() !== undefined) refusedInReplay.push(i);
      });
      expect(refusedInReplay).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
