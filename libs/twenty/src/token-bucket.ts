/**
 * The client-side request budget, shared by every request a sink makes: up to `burst` at once, then
 * `perMinute` spread evenly. Over any window of w ms at most `burst + perMinute * w / 60000` requests
 * start, which is the bound the tests check against the server's request log.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly burst: number;
  private readonly perMs: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(perMinute: number, burst: number) {
    if (!(perMinute > 0) || !(burst >= 1)) throw new RangeError('perMinute must be > 0 and burst >= 1');
    this.burst = burst;
    this.perMs = perMinute / 60_000;
    this.tokens = burst;
    this.last = Date.now();
  }

  /** Waits for a token; callers are served in order. Rejects if `signal` aborts while waiting. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.wait(signal));
    // A rejected turn must not block the callers behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async wait(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = Date.now();
      this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.perMs);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil((1 - this.tokens) / this.perMs), signal);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
