import { TOPICS } from '@parley/contracts';
import { readTopicRange } from '@parley/kafka';
import {
  ActivityCollector,
  catchUpRooms,
  type EventPipeline,
  type HomeserverClient,
  type RecentActivity,
} from '@parley/matrix';
import type { Logger, Registry } from '@parley/service-runtime';
import type { Kafka } from 'kafkajs';
import { Counter } from 'prom-client';
import type { KafkaOutput } from './kafka-output.ts';
import type { IngestConfig } from './pipeline-from-settings.ts';

export interface CatchUpScheduler {
  /** Ingest is answering again (started, or Kafka came back): catch up once the homeserver caught up. */
  afterRecovery(): void;
  stop(): void;
}

/** Reads back what ingest produced to the events topic since a time: event ids, and readers per room. */
export function recentActivityLoader(kafka: Kafka, pipeline: EventPipeline) {
  return async (sinceMs: number): Promise<RecentActivity> => {
    const collector = new ActivityCollector((userId) => pipeline.canActAs(userId));
    await readTopicRange(
      kafka,
      TOPICS.matrixEvents,
      (_partition, message) => {
        collector.addMessage(message);
      },
      {
        fromTimestamp: sinceMs,
        timeoutMs: 60_000,
      },
    );
    return collector.activity;
  };
}

/**
 * Runs a catch-up pass some time after each recovery: by then the homeserver has resent what it held
 * back, and whatever it lost in the process (see catchUpRooms) is read from the rooms' history.
 */
export function catchUpScheduler(
  config: IngestConfig,
  deps: {
    kafka: Kafka;
    output: KafkaOutput;
    pipeline: EventPipeline;
    homeserver: HomeserverClient;
    /** How long the homeserver has been done replaying held-back transactions; the pass waits for quiet. */
    msSinceLastReplay: () => number;
  },
  logger: Logger,
  registry: Registry,
): CatchUpScheduler {
  const events = new Counter({
    name: 'parley_ingest_catch_up_events_total',
    help: 'Events read from room history after a recovery (scanned) and produced because they had never arrived (recovered)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const passes = new Counter({
    name: 'parley_ingest_catch_up_passes_total',
    help: 'Catch-up passes run to the end (done) or cut short by Kafka or the homeserver failing (failed)',
    labelNames: ['result'],
    registers: [registry],
  });
  const loadActivity = recentActivityLoader(deps.kafka, deps.pipeline);
  const timers = new Set<NodeJS.Timeout>();
  let running = false;
  let stopped = false;

  const run = async (sinceMs: number) => {
    // Events younger than this may still be on their way from the homeserver.
    const untilMs = Date.now() - config.PARLEY_AS_CATCH_UP_SETTLE_MS;
    const activity = await loadActivity(sinceMs);
    const result = await catchUpRooms(
      activity,
      { sinceMs, untilMs },
      {
        client: deps.homeserver,
        pipeline: deps.pipeline,
        sink: deps.output.producer,
        pageSize: 100,
        maxEventsPerRoom: 5_000,
      },
    );
    events.inc({ outcome: 'scanned' }, result.scanned);
    events.inc({ outcome: 'recovered' }, result.recovered);
    const level = result.recovered > 0 || result.failedRooms.length > 0 ? 'warn' : 'info';
    logger[level](
      { rooms: result.rooms, scanned: result.scanned, recovered: result.recovered, failedRooms: result.failedRooms },
      result.recovered > 0
        ? 'catch-up produced events the homeserver never sent'
        : result.failedRooms.length > 0
          ? 'catch-up could not read some rooms'
          : 'catch-up found nothing missing',
    );
  };

  // A recovery during a pass gets a pass of its own afterwards, from its own start.
  let queuedSince: number | undefined;
  const start = (sinceMs: number) => {
    if (stopped) return;
    if (running) {
      queuedSince = Math.min(queuedSince ?? sinceMs, sinceMs);
      return;
    }
    running = true;
    run(sinceMs)
      .then(() => {
        passes.inc({ result: 'done' });
      })
      .catch((error: unknown) => {
        passes.inc({ result: 'failed' });
        // Kafka or the homeserver failed again: that is another recovery, which schedules another pass.
        logger.warn({ err: error }, 'catch-up failed');
      })
      .finally(() => {
        running = false;
        const next = queuedSince;
        queuedSince = undefined;
        if (next !== undefined) start(next);
      });
  };

  return {
    afterRecovery() {
      if (stopped || config.PARLEY_AS_CATCH_UP_LOOKBACK_MS === 0) return;
      const sinceMs = Date.now() - config.PARLEY_AS_CATCH_UP_LOOKBACK_MS;
      // A homeserver replaying a long backlog can lose a transaction at its very end: wait for quiet.
      const after = (delayMs: number) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          const quietFor = deps.msSinceLastReplay();
          if (quietFor < config.PARLEY_AS_CATCH_UP_DELAY_MS) after(config.PARLEY_AS_CATCH_UP_DELAY_MS - quietFor);
          else start(sinceMs);
        }, delayMs);
        timer.unref();
        timers.add(timer);
      };
      after(config.PARLEY_AS_CATCH_UP_DELAY_MS);
    },
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
