import type { Logger } from 'pino';
import type { Readiness } from './readiness.ts';

/** What a started service hands back: how to drain and stop it. */
export interface RunningService {
  /** Finish in-flight work, commit offsets, close producers and servers. */
  close(): Promise<void>;
}

export interface RunServiceOptions {
  name: string;
  logger: Logger;
  readiness: Readiness;
  start(): Promise<RunningService>;
  /** How long a drain may take before the process exits anyway. */
  drainTimeoutMs: number;
  /** Injected in tests; defaults to process.exit. */
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

export class DrainTimeoutError extends Error {
  override readonly name = 'DrainTimeoutError';
}

/**
 * Starts a service and stops it on SIGTERM/SIGINT with a bounded drain. A second signal, or a
 * drain that overruns, exits at once with a non-zero code so an orchestrator is never stuck.
 */
export async function runService(options: RunServiceOptions): Promise<{ stop: (reason: string) => Promise<void> }> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const { logger } = options;
  let running: RunningService | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (reason: string): Promise<void> => {
    if (stopping) return stopping;
    options.readiness.markShuttingDown();
    logger.info({ reason, drainTimeoutMs: options.drainTimeoutMs }, 'shutting down');
    stopping = (async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          running?.close(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              reject(new DrainTimeoutError(`drain exceeded ${options.drainTimeoutMs} ms`));
            }, options.drainTimeoutMs);
          }),
        ]);
        logger.info('stopped cleanly');
        exit(0);
      } catch (error) {
        logger.error({ err: error }, 'shutdown did not complete cleanly');
        exit(1);
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };

  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      if (stopping) {
        logger.warn({ signal }, 'second signal during shutdown; exiting now');
        exit(1);
        return;
      }
      void stop(signal);
    });
  }
  process.on('unhandledRejection', (error) => {
    logger.fatal({ err: error }, 'unhandled promise rejection');
    void stop('unhandledRejection').finally(() => {
      exit(1);
    });
  });

  try {
    running = await options.start();
  } catch (error) {
    logger.fatal({ err: error }, `${options.name} failed to start`);
    exit(1);
  }
  logger.info(`${options.name} started`);
  return { stop };
}
