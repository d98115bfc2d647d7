import { setTimeout as sleep } from 'node:timers/promises';

/** Twenty's workspace limits for API keys (API_RATE_LIMITING_SHORT_* and _LONG_*). */
export interface TwentyRateLimits {
  shortLimit: number;
  shortTtlMs: number;
  longLimit: number;
  longTtlMs: number;
}

export const TWENTY_DEFAULT_RATE_LIMITS: TwentyRateLimits = {
  shortLimit: 100,
  shortTtlMs: 1_000,
  longLimit: 100,
  longTtlMs: 60_000,
};

/**
 * The client's model of one of Twenty's buckets, with the server's own arithmetic (v2.21
 * throttler.service.ts): whole tokens, a refill of `floor(elapsed · limit / ttl)` and the clock reset
 * on every successful take, so a fraction of a token earned between two takes is lost. The model counts
 * `marginMs` less elapsed time than it sees, because the server's clock reads each request a variable
 * time after the client sent it; with that margin the server never holds fewer tokens than the model.
 */
class BucketModel {
  private tokens: number;
  private lastTakeAt: number | undefined;
  readonly limit: number;
  readonly ttlMs: number;
  private readonly marginMs: number;

  constructor(limit: number, ttlMs: number, marginMs: number) {
    this.limit = limit;
    this.ttlMs = ttlMs;
    this.marginMs = marginMs;
    this.tokens = limit;
  }

  private available(now: number): number {
    if (this.lastTakeAt === undefined) return this.tokens;
    const earned = Math.floor(Math.max(0, now - this.lastTakeAt - this.marginMs) * (this.limit / this.ttlMs));
    return Math.min(this.limit, this.tokens + earned);
  }

  /** The first moment at or after `now` when the model holds a token. */
  readyAt(now: number): number {
    if (this.available(now) >= 1 || this.lastTakeAt === undefined) return now;
    // One more millisecond keeps floor() clear of floating-point rounding at the boundary.
    return this.lastTakeAt + this.marginMs + Math.ceil(this.ttlMs / this.limit) + 1;
  }

  take(now: number): void {
    this.tokens = this.available(now) - 1;
    this.lastTakeAt = now;
  }

  /** The server said this bucket is empty: it holds no token until one is earned since the last take. */
  drain(): void {
    this.tokens = 0;
  }
}

export interface PacerOptions {
  limits?: TwentyRateLimits;
  /** How much later than its send time the server may read a request's time (default 50 ms). */
  marginMs?: number;
  now?: () => number;
  /** How the pacer waits (tests pass a virtual clock's). */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

const realSleep = (ms: number, signal: AbortSignal | undefined) => sleep(ms, undefined, signal ? { signal } : {});

/**
 * Paces every request a sink makes to Twenty so that the server's throttler never refuses one: a
 * request is sent only when the model of both workspace buckets holds a token. Pacing at exactly the
 * documented rate is not enough on Twenty (the refill loses fractions), which is why this models the
 * arithmetic instead of spreading requests evenly. Callers are served in order.
 */
export class TwentyPacer {
  private readonly buckets: BucketModel[];
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: PacerOptions = {}) {
    const limits = options.limits ?? TWENTY_DEFAULT_RATE_LIMITS;
    const margin = options.marginMs ?? 50;
    for (const [name, value] of Object.entries(limits))
      if (!(value > 0)) throw new RangeError(`rate limit ${name} must be > 0, not ${String(value)}`);
    if (!(margin >= 0)) throw new RangeError(`marginMs must be >= 0, not ${String(margin)}`);
    this.buckets = [
      new BucketModel(limits.shortLimit, limits.shortTtlMs, margin),
      new BucketModel(limits.longLimit, limits.longTtlMs, margin),
    ];
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
  }

  /** Waits until a request may be sent, and counts it as sent. Rejects if `signal` aborts meanwhile. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.wait(signal));
    // A rejected turn must not block the callers behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Twenty answered 429: the model was wrong (another client shares the workspace, or the sink
   * restarted with the buckets already spent). The bucket the message names ("Limit reached (100
   * tokens per 60000 ms)") is empty; without a recognisable message, both are.
   */
  refused(message = ''): void {
    const match = /\((\d+) tokens per (\d+) ms\)/.exec(message);
    const named = match ? this.buckets.filter((b) => String(b.ttlMs) === match[2]) : [];
    for (const bucket of named.length > 0 ? named : this.buckets) bucket.drain();
  }

  private async wait(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      const readyAt = Math.max(...this.buckets.map((b) => b.readyAt(now)));
      if (readyAt <= now) {
        for (const bucket of this.buckets) bucket.take(now);
        return;
      }
      await this.sleep(readyAt - now, signal);
    }
  }
}
