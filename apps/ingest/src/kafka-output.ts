import { TOPICS } from '@parley/contracts';
import { CompactedTopicMap, KafkaWorker, type AcknowledgedProducer } from '@parley/kafka';
import type { Logger, Readiness } from '@parley/service-runtime';
import type { Kafka } from 'kafkajs';
import type { z } from 'zod';
import type { Registry } from 'prom-client';
import type { IngestConfig } from './pipeline-from-settings.ts';

/** Kafka as ingest's output: a producer-only worker of the shared runtime, and ingest's durable state. */
export interface KafkaOutput {
  kafka: Kafka;
  producer: AcknowledgedProducer;
  /** Reaches Kafka (again) in the background; `reconnect` after a failed publish, `close` at shutdown. */
  worker: KafkaWorker;
  /** ingest's durable state (compacted), under keys starting with `prefix`. */
  stateMap<T>(prefix: string, schema: z.ZodType<T>): CompactedTopicMap<T>;
}

/** `onConnected` runs each time Kafka is reached, told whether it is the first time. */
export function kafkaOutput(
  config: IngestConfig,
  logger: Logger,
  readiness: Readiness,
  onConnected: (firstTime: boolean) => Promise<void>,
  registry?: Registry,
): KafkaOutput {
  let connectedBefore = false;
  const worker = new KafkaWorker({
    config,
    logger,
    readiness,
    ...(registry && { metrics: registry }),
    // A homeserver retrying its transactions is waiting on this: come back quickly.
    retry: { minTimeoutMs: 500, maxTimeoutMs: 2_000 },
    beforeConsuming: async () => {
      await onConnected(!connectedBefore);
      connectedBefore = true;
    },
  });
  return {
    kafka: worker.kafka,
    producer: worker.producer,
    worker,
    stateMap: <T>(prefix: string, schema: z.ZodType<T>) =>
      new CompactedTopicMap<T>(worker.kafka, TOPICS.ingestState, prefix, schema, (key, problem) => {
        logger.warn({ key, problem }, 'a stored state value is not one; left out');
      }),
  };
}
