/**
 * One of Twenty's workspace buckets, with the server's own arithmetic (throttler.service.ts, v2.21):
 * whole tokens only; the refill is `floor((now − lastRefillAt) · limit / ttl)`; and `lastRefillAt`
 * moves to `now` on every successful take. So the fraction of a token earned since the last take is
 * lost whenever requests come closer than `ttl / limit` apart (600 ms for 100 per minute), and a client
 * pacing at exactly the documented rate still runs dry. A refused take changes nothing.
 */
export class TwentyBucket {
  private tokens: number;
  private lastRefillAt: number | undefined;
  readonly limit: number;
  readonly ttlMs: number;

  constructor(limit: number, ttlMs: number) {
    this.limit = limit;
    this.ttlMs = ttlMs;
    this.tokens = limit;
  }

  /** Takes one token at `now`; false (and nothing changed) when none is there. */
  take(now: number): boolean {
    const available = this.available(now);
    if (available < 1) return false;
    this.tokens = available - 1;
    this.lastRefillAt = now;
    return true;
  }

  private available(now: number): number {
    if (this.lastRefillAt === undefined) return this.limit;
    const refill = Math.floor((now - this.lastRefillAt) * (this.limit / this.ttlMs));
    return Math.min(this.tokens + refill, this.limit);
  }
}

export interface RateLimits {
  shortLimit: number;
  shortTtlMs: number;
  longLimit: number;
  longTtlMs: number;
}

/** Twenty's defaults (API_RATE_LIMITING_*): 100 per second and 100 per minute, per workspace. */
export const TWENTY_RATE_LIMITS: RateLimits = { shortLimit: 100, shortTtlMs: 1_000, longLimit: 100, longTtlMs: 60_000 };

/**
 * Twenty's two workspace buckets, taken one after the other: the short one first, then the long one.
 * A request refused by the long bucket has already spent its short-bucket token, as on the real server.
 * Returns the refusing bucket, or undefined when the request may run.
 */
export class WorkspaceThrottle {
  private readonly short: TwentyBucket;
  private readonly long: TwentyBucket;
  private readonly now: () => number;

  constructor(limits: RateLimits, now: () => number = Date.now) {
    this.short = new TwentyBucket(limits.shortLimit, limits.shortTtlMs);
    this.long = new TwentyBucket(limits.longLimit, limits.longTtlMs);
    this.now = now;
  }

  take(): TwentyBucket | undefined {
    const now = this.now();
    if (!this.short.take(now)) return this.short;
    if (!this.long.take(now)) return this.long;
    return undefined;
  }
}

/** The 429 message names the bucket that ran dry, e.g. "Limit reached (100 tokens per 60000 ms)". */
export const limitReachedMessage = (bucket: { limit: number; ttlMs: number }) =>
  `Limit reached (${String(bucket.limit)} tokens per ${String(bucket.ttlMs)} ms)`;
