import type { KafkaHeaders, TopicRecord } from '@parley/contracts';
import type { KafkaMetrics } from './metrics.ts';
import { withTraceContext } from './tracing.ts';
import { Partitioners, type Kafka, type Producer, type RecordMetadata } from 'kafkajs';

/** Bytes of records per produce request, well under the broker's default message.max.bytes (1 MB). */
const REQUEST_BYTES = 512 * 1024;

interface OutgoingMessage {
  key: string;
  value: string | null;
  headers: KafkaHeaders;
}

function sizeOf(message: OutgoingMessage): number {
  let bytes = Buffer.byteLength(message.key) + (message.value === null ? 0 : Buffer.byteLength(message.value));
  for (const [name, value] of Object.entries(message.headers)) bytes += name.length + Buffer.byteLength(value);
  return bytes;
}

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
    const topics = new Set<string>();
    const serialized = records.map((record) => {
      topics.add(record.topic);
      // Records made inside a span carry its trace on (records that already have one keep theirs).
      // A null value is a tombstone: it deletes the key from a compacted topic.
      const value = record.value === null ? null : JSON.stringify(record.value);
      const message = { key: record.key, value, headers: withTraceContext(record).headers };
      return { topic: record.topic, message, bytes: sizeOf(message) };
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        this.sendInRequests(serialized),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(new PublishError(`Kafka did not acknowledge within ${this.options.timeoutMs} ms`));
          }, this.options.timeoutMs);
        }),
      ]);
      this.setConnected(true, 'acknowledged');
      const counts = new Map<string, number>();
      for (const { topic } of serialized) counts.set(topic, (counts.get(topic) ?? 0) + 1);
      for (const [topic, count] of counts) this.options.metrics?.produced(topic, count);
      return result;
    } catch (error) {
      // The topics are named: an ACL that forbids one of them says which (Kafka's error does not).
      const detail = `to ${[...topics].join(', ')}: ${error instanceof Error ? error.message : String(error)}`;
      this.setConnected(false, `publish failed ${detail}`);
      throw new PublishError(`publishing ${detail}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends in requests of at most REQUEST_BYTES, one after another (order kept): a broker refuses a
   * partition's record batch over its message.max.bytes (1 MB by default), which one big run of
   * records (a sink's conversations, say) would pass.
   */
  private async sendInRequests(
    serialized: readonly { topic: string; message: OutgoingMessage; bytes: number }[],
  ): Promise<RecordMetadata[]> {
    const results: RecordMetadata[] = [];
    let request = new Map<string, OutgoingMessage[]>();
    let bytes = 0;
    const flush = async () => {
      if (request.size === 0) return;
      const topicMessages = [...request].map(([topic, messages]) => ({ topic, messages }));
      request = new Map();
      bytes = 0;
      results.push(...(await this.producer.sendBatch({ acks: -1, topicMessages })));
    };
    for (const { topic, message, bytes: size } of serialized) {
      if (bytes > 0 && bytes + size > REQUEST_BYTES) await flush();
      let list = request.get(topic);
      if (!list) request.set(topic, (list = []));
      list.push(message);
      bytes += size;
    }
    await flush();
    return results;
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
