import { parseJson, type TopicRecord } from '@parley/contracts';
import type { Kafka } from 'kafkajs';
import type { z } from 'zod';
import type { AcknowledgedProducer } from './producer.ts';
import { readTopicRange, TopicReadError } from './topic-range.ts';

export class StoreLoadError extends Error {
  override readonly name = 'StoreLoadError';
}

/**
 * JSON values under string keys of a compacted topic: durable service state (recently acknowledged
 * transaction ids, backfill checkpoints, the sync token) that survives restarts without a volume.
 * Loaded values are checked against `schema`; one that does not fit (written by another version, or
 * by hand) is left out and reported through `onInvalid`, so the service starts from what it can trust.
 */
export class CompactedTopicMap<T> {
  private readonly kafka: Kafka;
  private readonly topic: string;
  private readonly keyPrefix: string;
  private readonly schema: z.ZodType<T>;
  private readonly onInvalid: ((key: string, problem: string) => void) | undefined;

  /** Only keys starting with `keyPrefix` are loaded; other services' state is skipped. */
  constructor(
    kafka: Kafka,
    topic: string,
    keyPrefix: string,
    schema: z.ZodType<T>,
    onInvalid?: (key: string, problem: string) => void,
  ) {
    this.kafka = kafka;
    this.topic = topic;
    this.keyPrefix = keyPrefix;
    this.schema = schema;
    this.onInvalid = onInvalid;
  }

  /** Reads the topic up to its end and returns the latest value of each key (deleted keys absent). */
  async load(timeoutMs = 30_000): Promise<Map<string, T>> {
    const latest = new Map<string, T>();
    try {
      await readTopicRange(
        this.kafka,
        this.topic,
        (_partition, message) => {
          const key = message.key?.toString();
          if (!key?.startsWith(this.keyPrefix)) return;
          if (message.value === null) {
            latest.delete(key);
            return;
          }
          const decoded = parseJson(message.value.toString(), this.schema);
          if (decoded.success) latest.set(key, decoded.data);
          else {
            latest.delete(key);
            this.onInvalid?.(key, decoded.error);
          }
        },
        { timeoutMs },
      );
    } catch (error) {
      if (error instanceof TopicReadError) throw new StoreLoadError(error.message, { cause: error });
      // kafkajs names no topic ("This server does not host this topic-partition"): say which one.
      const message = error instanceof Error ? error.message : String(error);
      throw new StoreLoadError(`reading ${this.topic}: ${message}`, { cause: error });
    }
    return latest;
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
