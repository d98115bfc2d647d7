import { randomBytes } from 'node:crypto';
import type { TopicRecord } from '@parley/contracts';
import type { Kafka } from 'kafkajs';
import type { AcknowledgedProducer } from './producer.ts';

export class StoreLoadError extends Error {
  override readonly name = 'StoreLoadError';
}

/**
 * JSON values under string keys of a compacted topic: durable service state (recently acknowledged
 * transaction ids, backfill checkpoints, the sync token) that survives restarts without a volume.
 */
export class CompactedTopicMap<T> {
  private readonly kafka: Kafka;
  private readonly topic: string;
  private readonly keyPrefix: string;

  /** Only keys starting with `keyPrefix` are loaded; other services' state is skipped. */
  constructor(kafka: Kafka, topic: string, keyPrefix: string) {
    this.kafka = kafka;
    this.topic = topic;
    this.keyPrefix = keyPrefix;
  }

  /** Reads the topic up to its end and returns the latest value of each key (deleted keys absent). */
  async load(timeoutMs = 30_000): Promise<Map<string, T>> {
    const admin = this.kafka.admin();
    await admin.connect();
    const groupId = `parley-store-loader-${randomBytes(6).toString('hex')}`;
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false });
    try {
      const offsets = await admin.fetchTopicOffsets(this.topic);
      // Each partition's last offset to read; partitions with nothing in them are done already.
      const pending = new Map<number, bigint>();
      for (const p of offsets) if (BigInt(p.high) > BigInt(p.low)) pending.set(p.partition, BigInt(p.high) - 1n);
      const latest = new Map<string, T>();
      if (pending.size === 0) return latest;

      await consumer.connect();
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new StoreLoadError(`reading ${this.topic} took longer than ${timeoutMs} ms`));
        }, timeoutMs);
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const key = message.key?.toString();
              if (key?.startsWith(this.keyPrefix)) {
                if (message.value === null) latest.delete(key);
                else latest.set(key, JSON.parse(message.value.toString()) as T);
              }
              const last = pending.get(partition);
              if (last !== undefined && BigInt(message.offset) >= last) pending.delete(partition);
              if (pending.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch((error: unknown) => {
            clearTimeout(timer);
            reject(error instanceof Error ? error : new Error(String(error)));
          });
      });
      return latest;
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    }
  }

  async set(producer: AcknowledgedProducer, key: string, value: T): Promise<void> {
    await producer.publish([this.record(key, value)]);
  }

  /** The record that stores `value` under `key`, for a caller that publishes it with other records. */
  record(key: string, value: T): TopicRecord {
    if (!key.startsWith(this.keyPrefix)) throw new RangeError(`key ${key} is outside ${this.keyPrefix}`);
    return { topic: this.topic, key, value, headers: { 'content-type': 'application/json' } };
  }
}
