import { setTimeout as sleep } from 'node:timers/promises';

/** Capped exponential backoff: `baseMs` doubling per attempt up to `maxMs`. */
export function backoff(baseMs: number, maxMs: number): (attempt: number) => number {
  return (attempt) => Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
}

export interface RetryOptions {
  /** Stops retrying: the last failure is thrown (a service shutting down). */
  stopping: () => boolean;
  /** Failures worth waiting out; any other is thrown at once. Default: all. */
  retriable?: (error: unknown) => boolean;
  /** Wait before the next attempt after failed attempt `attempt` (0-based). */
  delayMs: (attempt: number, error: unknown) => number;
  /** Told about each failure before the wait (readiness, logs). */
  onFailure?: (error: unknown, attempt: number) => void;
  /** Called at least every second while waiting (a Kafka heartbeat keeps the partition). */
  keepAlive?: () => Promise<void>;
}

/**
 * Runs `work` until it succeeds, waiting between failures: the one way a Parley worker holds its input
 * while a dependency (Ollama, the CRM) is down. Nothing is dropped; a stop ends the wait promptly.
 * (p-retry cannot keep a consumer's heartbeat going during its waits, hence this.)
 */
export async function retryUntilDone<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (options.stopping() || !(options.retriable?.(error) ?? true)) throw error;
      options.onFailure?.(error, attempt);
      const wait = options.delayMs(attempt, error);
      for (let waited = 0; waited < wait && !options.stopping(); waited += 1000) {
        await sleep(Math.min(1000, wait - waited));
        await options.keepAlive?.();
      }
    }
  }
}
