import { topicDefinitions, TOPICS } from '@parley/contracts';
import {
  AcknowledgedProducer,
  CompactedTopicMap,
  createKafkaClient,
  ensureTopics,
  type KafkaMetrics,
} from '@parley/kafka';
import type { Logger, Readiness } from '@parley/service-runtime';
import type { Kafka } from 'kafkajs';
import type { IngestConfig } from './pipeline-from-settings.ts';
import { RecoveryLoop } from './recovery-loop.ts';

/** Kafka as ingest's output: the acknowledged producer, topics as code, and reconnection. */
export interface KafkaOutput {
  kafka: Kafka;
  producer: AcknowledgedProducer;
  /** ingest's durable state (compacted), under keys starting with `prefix`. */
  stateMap<T>(prefix: string): CompactedTopicMap<T>;
  /** Starts (or restarts after a failure) connecting in the background. */
  recovery: RecoveryLoop;
}

export function kafkaOutput(
  config: IngestConfig,
  logger: Logger,
  readiness: Readiness,
  onConnected: (firstTime: boolean) => Promise<void>,
  metrics?: KafkaMetrics,
): KafkaOutput {
  readiness.expect('kafka');
  const kafka = createKafkaClient({
    brokers: config.PARLEY_KAFKA_BROKERS,
    clientId: config.PARLEY_KAFKA_CLIENT_ID,
    logger,
  });
  const producer = new AcknowledgedProducer(kafka, {
    timeoutMs: config.PARLEY_PUBLISH_TIMEOUT_MS,
    ...(metrics ? { metrics } : {}),
    onConnectionChange: (connected, detail) => {
      readiness.report('kafka', connected, detail);
    },
  });
  let connectedBefore = false;
  const recovery = new RecoveryLoop({
    logger,
    intervalMs: 2_000,
    attempt: async () => {
      // A real round trip: kafkajs reports a producer as connected long after its broker went away.
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.describeCluster();
        if (config.PARLEY_KAFKA_CREATE_TOPICS) {
          const created = await ensureTopics(admin, topicDefinitions(config.PARLEY_KAFKA_PARTITIONS));
          if (created.length > 0) logger.info({ topics: created }, 'created topics');
        }
      } finally {
        await admin.disconnect();
      }
      await producer.connect();
      readiness.report('kafka', true, 'connected');
    },
    onRecovered: async () => {
      await onConnected(!connectedBefore);
      connectedBefore = true;
    },
  });
  return {
    kafka,
    producer,
    recovery,
    stateMap: <T>(prefix: string) => new CompactedTopicMap<T>(kafka, TOPICS.ingestState, prefix),
  };
}
