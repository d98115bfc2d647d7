/** State of one dependency as the service last saw it. */
export interface DependencyState {
  ready: boolean;
  /** Short human-readable reason; never a secret. */
  detail: string;
  since: string;
}

export interface ReadinessReport {
  ready: boolean;
  shuttingDown: boolean;
  dependencies: Record<string, DependencyState>;
}

/**
 * What `/readyz` answers. Components report their dependencies as they learn about them
 * (a Kafka producer connecting, Ollama answering 503, a 401 from Twenty), so the endpoint
 * reflects real state without probing anything on each request.
 */
export class Readiness {
  private readonly states = new Map<string, DependencyState>();
  private shuttingDown = false;

  private readonly now: () => Date;

  constructor(now: () => Date = () => new Date()) {
    this.now = now;
  }

  /** Declares a dependency that is not ready until reported otherwise. */
  expect(name: string, detail = 'not checked yet'): void {
    if (!this.states.has(name)) this.states.set(name, { ready: false, detail, since: this.now().toISOString() });
  }

  report(name: string, ready: boolean, detail: string): void {
    const previous = this.states.get(name);
    if (previous && previous.ready === ready && previous.detail === detail) return;
    this.states.set(name, {
      ready,
      detail,
      since: previous && previous.ready === ready ? previous.since : this.now().toISOString(),
    });
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  isReady(): boolean {
    return this.snapshot().ready;
  }

  snapshot(): ReadinessReport {
    const dependencies = Object.fromEntries(this.states);
    const allReady = [...this.states.values()].every((s) => s.ready);
    return { ready: allReady && !this.shuttingDown, shuttingDown: this.shuttingDown, dependencies };
  }
}
