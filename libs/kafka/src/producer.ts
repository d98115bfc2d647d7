import type { KafkaHeaders, TopicRecord } from '@parley/contracts';
import type { KafkaMetrics } from './metrics.ts';
import { withTraceContext } from './tracing.ts';
import { Partitioners, type Kafka, type Producer, type RecordMetadata } from 'kafkajs';

export class PublishError extends Error {
  override readonly name = 'PublishError';
}

export interface AcknowledgedProducerOptions {
  /** Upper bound on one publish, retries included; past it the caller gets a PublishError. */
  timeoutMs: number;
  onConnectionChange?: (connected: boolean, detail: string) => void;
  metrics?: KafkaMetrics;
}

/**
 * Produces batches with acks=all through an idempotent producer (one request in flight, so a retry
 * cannot reorder a partition) and resolves only when the broker acknowledged every record.
 */
export class AcknowledgedProducer {
  private readonly producer: Producer;
  private readonly options: AcknowledgedProducerOptions;
  private connected = false;

  constructor(kafka: Kafka, options: AcknowledgedProducerOptions) {
    this.options = options;
    // The default partitioner is murmur2 like the Java client: consumers in any language agree on
    // which partition holds a room.
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.producer.on(this.producer.events.CONNECT, () => {
      this.setConnected(true, 'connected');
    });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.setConnected(false, 'disconnected');
    });
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async publish(records: readonly TopicRecord[]): Promise<RecordMetadata[]> {
    if (records.length === 0) return [];
    const byTopic = new Map<string, { key: string; value: string | null; headers: KafkaHeaders }[]>();
    for (const record of records) {
      let list = byTopic.get(record.topic);
      if (!list) byTopic.set(record.topic, (list = []));
      // Records made inside a span carry its trace on (records that already have one keep theirs).
      // A null value is a tombstone: it deletes the key from a compacted topic.
      const value = record.value === null ? null : JSON.stringify(record.value);
      list.push({ key: record.key, value, headers: withTraceContext(record).headers });
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        this.producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(new PublishError(`Kafka did not acknowledge within ${this.options.timeoutMs} ms`));
          }, this.options.timeoutMs);
        }),
      ]);
      this.setConnected(true, 'acknowledged');
      for (const [topic, messages] of byTopic) this.options.metrics?.produced(topic, messages.length);
      return result;
    } catch (error) {
      // The topics are named: an ACL that forbids one of them says which (Kafka's error does not).
      const detail = `to ${[...byTopic.keys()].join(', ')}: ${error instanceof Error ? error.message : String(error)}`;
      this.setConnected(false, `publish failed ${detail}`);
      throw new PublishError(`publishing ${detail}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  private setConnected(connected: boolean, detail: string): void {
    if (this.connected === connected && connected) return;
    this.connected = connected;
    this.options.onConnectionChange?.(connected, detail);
  }
}
