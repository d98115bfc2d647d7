import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { AcknowledgedProducer } from './producer.ts';

export class StoreLoadError extends Error {
  override readonly name = 'StoreLoadError';
}

/**
 * One JSON value kept under one key of a compacted topic: durable service state (such as recently
 * acknowledged transaction ids) that survives restarts without a volume.
 */
export class CompactedTopicStore<T> {
  private readonly kafka: Kafka;
  private readonly topic: string;
  private readonly key: string;

  constructor(kafka: Kafka, topic: string, key: string) {
    this.kafka = kafka;
    this.topic = topic;
    this.key = key;
  }

  /** Reads the topic up to its end and returns the latest value stored under the key. */
  async load(timeoutMs = 30_000): Promise<T | undefined> {
    const admin = this.kafka.admin();
    await admin.connect();
    const groupId = `parley-store-loader-${randomBytes(6).toString('hex')}`;
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false });
    try {
      const offsets = await admin.fetchTopicOffsets(this.topic);
      // Each partition's last offset to read; partitions with nothing in them are done already.
      const pending = new Map<number, bigint>();
      for (const p of offsets) if (BigInt(p.high) > BigInt(p.low)) pending.set(p.partition, BigInt(p.high) - 1n);
      if (pending.size === 0) return undefined;

      let latest: T | undefined;
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
              if (message.key?.toString() === this.key) {
                latest = message.value === null ? undefined : (JSON.parse(message.value.toString()) as T);
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

  async save(producer: AcknowledgedProducer, value: T): Promise<void> {
    await producer.publish([
      { topic: this.topic, key: this.key, value, headers: { 'content-type': 'application/json' } },
    ]);
  }
}
