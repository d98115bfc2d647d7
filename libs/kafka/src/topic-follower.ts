import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';

/**
 * Keeps the latest value of every key of a compacted topic in memory, from its beginning and then
 * live (for crm-sink: room names from the room-state topic). It never commits: every start reads the
 * whole topic, which compaction keeps small.
 */
export class TopicFollower<T> {
  private readonly values = new Map<string, T>();
  private readonly kafka: Kafka;
  private readonly topic: string;
  private readonly parse: (value: unknown) => T | undefined;
  private readonly onChange: ((key: string, value: T | null) => void) | undefined;
  private consumer: Consumer | undefined;

  /**
   * `onChange` is told about every new value, after it is stored (so `get` already returns it), and
   * about a tombstone of a key it held (null).
   */
  constructor(
    kafka: Kafka,
    topic: string,
    parse: (value: unknown) => T | undefined,
    onChange?: (key: string, value: T | null) => void,
  ) {
    this.kafka = kafka;
    this.topic = topic;
    this.parse = parse;
    this.onChange = onChange;
  }

  get(key: string): T | undefined {
    return this.values.get(key);
  }

  /** Starts following; called again (a retried start-up), it replaces the previous consumer. */
  async start(): Promise<void> {
    await this.consumer?.disconnect();
    const consumer = this.kafka.consumer({
      groupId: `parley-follower-${randomBytes(6).toString('hex')}`,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const key = message.key?.toString();
        if (key === undefined) return;
        if (message.value === null) {
          if (this.values.delete(key)) this.onChange?.(key, null);
          return;
        }
        try {
          const parsed = this.parse(JSON.parse(message.value.toString()));
          if (parsed !== undefined) {
            this.values.set(key, parsed);
            this.onChange?.(key, parsed);
          }
        } catch {
          // A value that is not JSON is not ours to interpret; the key keeps its last good value.
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
