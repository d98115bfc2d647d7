import { TOPICS } from '@parley/contracts';
import { readTopicRange } from '@parley/kafka';
import {
  ActivityCollector,
  CatchUpScheduler,
  type EventPipeline,
  type HomeserverClient,
  type RecentActivity,
} from '@parley/matrix';
import type { Logger, Registry } from '@parley/service-runtime';
import type { Kafka } from 'kafkajs';
import { Counter } from 'prom-client';
import type { KafkaOutput } from './kafka-output.ts';
import type { IngestConfig } from './pipeline-from-settings.ts';

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
      { fromTimestamp: sinceMs, timeoutMs: 60_000 },
    );
    return collector.activity;
  };
}

/** The catch-up after each recovery (libs/matrix CatchUpScheduler) with ingest's settings, logs and metrics. */
export function catchUpScheduler(
  config: IngestConfig,
  deps: {
    kafka: Kafka;
    output: KafkaOutput;
    pipeline: EventPipeline;
    homeserver: HomeserverClient;
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
  return new CatchUpScheduler({
    client: deps.homeserver,
    pipeline: deps.pipeline,
    sink: deps.output.producer,
    pageSize: 100,
    maxEventsPerRoom: 5_000,
    lookbackMs: config.PARLEY_AS_CATCH_UP_LOOKBACK_MS,
    delayMs: config.PARLEY_AS_CATCH_UP_DELAY_MS,
    settleMs: config.PARLEY_AS_CATCH_UP_SETTLE_MS,
    loadActivity: recentActivityLoader(deps.kafka, deps.pipeline),
    msSinceLastReplay: deps.msSinceLastReplay,
    onPass: (outcome) => {
      if ('error' in outcome) {
        passes.inc({ result: 'failed' });
        logger.warn({ err: outcome.error }, 'catch-up failed');
        return;
      }
      const { result } = outcome;
      passes.inc({ result: 'done' });
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
    },
  });
}
