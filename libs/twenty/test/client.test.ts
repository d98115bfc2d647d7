import { startContractServer, type ContractServer } from '@parley/twenty-contract-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenBucket, TwentyAuthError, TwentyClient, TwentyRequestError } from '../src/index.ts';

const KEY = 'client-test-key';

describe('TwentyClient against the contract server', () => {
  let server: ContractServer;
  const client = (options: Partial<ConstructorParameters<typeof TwentyClient>[0]> = {}) =>
    new TwentyClient({
      baseUrl: server.url,
      apiKey: KEY,
      bucket: new TokenBucket(60_000, 100),
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

describe('TokenBucket', () => {
  it('lets a burst through, then spaces requests at the rate', async () => {
    const bucket = new TokenBucket(600, 3); // 10 per second after a burst of 3
    const started = Date.now();
    const times: number[] = [];
    for (let i = 0; i < 8; i++) {
      await bucket.take();
      times.push(Date.now() - started);
    }
    // 3 at once, then 5 more at 100 ms intervals: the eighth no earlier than ~500 ms.
    expect(times.slice(0, 3).every((t) => t < 50)).toBe(true);
    expect(times[7]).toBeGreaterThanOrEqual(480);
  });
});
