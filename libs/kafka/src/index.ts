export { createKafkaClient, type KafkaClientOptions } from './client.ts';
export { CompactedTopicMap, StoreLoadError } from './compacted-store.ts';
export { AcknowledgedProducer, PublishError, type AcknowledgedProducerOptions } from './producer.ts';
export { ensureTopics, type TopicSpec } from './topics.ts';
export { DurableRecentIds } from './recent-ids.ts';
export { runOrderedConsumer, type Handler, type OrderedConsumerOptions } from './ordered-consumer.ts';
