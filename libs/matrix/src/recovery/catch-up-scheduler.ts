import { catchUpRooms, type CatchUpOptions, type CatchUpResult, type RecentActivity } from './catch-up.ts';

export interface CatchUpSchedulerOptions extends CatchUpOptions {
  /** How far back a pass looks (0: catch-up off). */
  lookbackMs: number;
  /** Quiet the homeserver must have kept (no replayed transaction) before a pass starts. */
  delayMs: number;
  /** Events younger than this are left to the transactions still on their way. */
  settleMs: number;
  /** What ingest produced since a time: which events, and who can read each room. */
  loadActivity: (sinceMs: number) => Promise<RecentActivity>;
  /** How long the homeserver has been done replaying held-back transactions. */
  msSinceLastReplay: () => number;
  onPass: (outcome: { result: CatchUpResult } | { error: unknown }) => void;
  now?: () => number;
}

/**
 * Runs a catch-up pass after each recovery (start, or Kafka back): once the homeserver has been quiet
 * for `delayMs` (a homeserver replaying a long backlog can lose a transaction at its very end), one pass
 * at a time; a recovery during a pass queues one more pass from the earliest time asked for.
 */
export class CatchUpScheduler {
  private readonly options: CatchUpSchedulerOptions;
  private readonly now: () => number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private running: Promise<void> | undefined;
  private queuedSince: number | undefined;
  private stopped = false;

  constructor(options: CatchUpSchedulerOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  afterRecovery(): void {
    const { lookbackMs, delayMs } = this.options;
    if (this.stopped || lookbackMs === 0) return;
    const sinceMs = this.now() - lookbackMs;
    const after = (waitMs: number) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const quietFor = this.options.msSinceLastReplay();
        if (quietFor < delayMs) after(delayMs - quietFor);
        else this.start(sinceMs);
      }, waitMs);
      timer.unref();
      this.timers.add(timer);
    };
    after(delayMs);
  }

  /** Cancels passes not yet started; resolves when the pass under way (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.running;
  }

  private start(sinceMs: number): void {
    if (this.stopped) return;
    if (this.running) {
      this.queuedSince = Math.min(this.queuedSince ?? sinceMs, sinceMs);
      return;
    }
    this.running = this.pass(sinceMs).finally(() => {
      this.running = undefined;
      const next = this.queuedSince;
      this.queuedSince = undefined;
      if (next !== undefined) this.start(next);
    });
  }

  private async pass(sinceMs: number): Promise<void> {
    try {
      const untilMs = this.now() - this.options.settleMs;
      const activity = await this.options.loadActivity(sinceMs);
      this.options.onPass({ result: await catchUpRooms(activity, { sinceMs, untilMs }, this.options) });
    } catch (error) {
      this.options.onPass({ error });
    }
  }
}
