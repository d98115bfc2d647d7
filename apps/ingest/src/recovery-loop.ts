import type { Logger } from '@parley/service-runtime';

export interface RecoveryLoopOptions {
  logger: Logger;
  intervalMs: number;
  /** Brings the dependency back (connect, load state); throws while it is still down. */
  attempt: () => Promise<void>;
  /** Runs after each successful attempt. */
  onRecovered: () => Promise<void>;
}

/** Retries a dependency in the background until it answers, one loop at a time, until stopped. */
export class RecoveryLoop {
  private readonly options: RecoveryLoopOptions;
  private running = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: RecoveryLoopOptions) {
    this.options = options;
  }

  trigger(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.options.attempt();
        await this.options.onRecovered();
        if (failures > 0) this.options.logger.info({ failures }, 'dependency reachable again');
        this.running = false;
        return;
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 15 === 0) {
          this.options.logger.warn({ err: (error as Error).message, failures }, 'dependency unreachable; retrying');
        }
        await new Promise((resolve) => (this.timer = setTimeout(resolve, this.options.intervalMs)));
      }
    }
    this.running = false;
  }
}
