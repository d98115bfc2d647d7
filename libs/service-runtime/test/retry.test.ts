import { describe, expect, it } from 'vitest';
import { backoff, retryUntilDone } from '../src/index.ts';

describe('retryUntilDone: holding work until a dependency answers', () => {
  it('retries retriable failures with the given waits, keeping alive meanwhile, until the work succeeds', async () => {
    const failures: [string, number][] = [];
    let calls = 0;
    let beats = 0;
    const result = await retryUntilDone(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error(`down ${String(calls)}`);
        return 'done';
      },
      {
        stopping: () => false,
        delayMs: (attempt) => [1200, 10][attempt] ?? 0,
        keepAlive: async () => {
          beats += 1;
        },
        onFailure: (error, attempt) => failures.push([(error as Error).message, attempt]),
      },
    );
    expect(result).toBe('done');
    expect(failures).toEqual([
      ['down 1', 0],
      ['down 2', 1],
    ]);
    // 1,200 ms are waited as 1,000 + 200, a keep-alive after each; 10 ms as one.
    expect(beats).toBe(3);
  });

  it('throws at once what is not retriable, and the last failure once stopping', async () => {
    await expect(
      retryUntilDone(() => Promise.reject(new TypeError('bug')), {
        stopping: () => false,
        retriable: (error) => !(error instanceof TypeError),
        delayMs: () => 0,
      }),
    ).rejects.toThrow('bug');
    let stopping = false;
    await expect(
      retryUntilDone(
        () => {
          stopping = true;
          return Promise.reject(new Error('still down'));
        },
        { stopping: () => stopping, delayMs: () => 60_000 },
      ),
    ).rejects.toThrow('still down');
  });

  it('backs off exponentially up to a ceiling', () => {
    const delay = backoff(500, 30_000);
    expect([0, 1, 2, 5, 6, 7, 50].map(delay)).toEqual([500, 1000, 2000, 16_000, 30_000, 30_000, 30_000]);
  });
});
