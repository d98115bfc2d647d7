/** A token bucket holding up to `limit` tokens, refilled continuously at `limit` per `ttlMs`. */
class Bucket {
  private tokens: number;
  private last = Date.now();
  private readonly limit: number;
  private readonly ttlMs: number;

  constructor(limit: number, ttlMs: number) {
    this.limit = limit;
    this.ttlMs = ttlMs;
    this.tokens = limit;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.limit, this.tokens + ((now - this.last) * this.limit) / this.ttlMs);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
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

/** Twenty's two workspace buckets; a request needs a token from both. */
export class WorkspaceThrottle {
  private readonly short: Bucket;
  private readonly long: Bucket;

  constructor(limits: RateLimits) {
    this.short = new Bucket(limits.shortLimit, limits.shortTtlMs);
    this.long = new Bucket(limits.longLimit, limits.longTtlMs);
  }

  take(): boolean {
    return this.short.take() && this.long.take();
  }
}
