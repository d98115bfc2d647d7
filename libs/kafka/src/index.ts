export { createKafkaClient, type KafkaClientOptions } from './client.ts';
export { CompactedTopicMap, StoreLoadError } from './compacted-store.ts';
export { AcknowledgedProducer, PublishError, type AcknowledgedProducerOptions } from './producer.ts';
export { ensureTopics, type TopicSpec } from './topics.ts';
export { DurableRecentIds } from './recent-ids.ts';
export { TopicFollower } from './topic-follower.ts';
export { runBatchConsumer, type BatchConsumerOptions } from './batch-consumer.ts';
export { runOrderedConsumer, type Handler, type OrderedConsumerOptions } from './ordered-consumer.ts';
export { inConsumerSpan, traceContextOf, withTraceContext } from './tracing.ts';
