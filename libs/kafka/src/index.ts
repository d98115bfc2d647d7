export { createKafkaClient, kafkaClientFromSettings, type KafkaClientOptions } from './client.ts';
export { kafkaSecurity } from './security.ts';
export { CompactedTopicMap, StoreLoadError } from './compacted-store.ts';
export { AcknowledgedProducer, PublishError, type AcknowledgedProducerOptions } from './producer.ts';
export { ensureTopics, reachCluster, type TopicSpec } from './topics.ts';
export { DurableRecentIds, RecentIdsState } from './recent-ids.ts';
export { readTopicRange, TopicReadError, type TopicRangeOptions } from './topic-range.ts';
export { TopicFollower } from './topic-follower.ts';
export { runBatchConsumer, type BatchConsumerOptions } from './batch-consumer.ts';
export { runOrderedConsumer, type Handler, type OrderedConsumerOptions } from './ordered-consumer.ts';
export { inConsumerSpan, traceContextOf, withTraceContext } from './tracing.ts';
export { createKafkaMetrics, lagAfter, type KafkaMetrics } from './metrics.ts';
export {
  consumerSettings,
  kafkaSecuritySettings,
  kafkaSettings,
  type ConsumerSettings,
  type KafkaSecuritySettings,
  type KafkaSettings,
} from './settings.ts';
export { KafkaWorker, type Consumption, type KafkaWorkerOptions, type WorkerContext } from './worker.ts';
