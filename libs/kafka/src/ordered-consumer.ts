import type { TopicRecord } from '@parley/contracts';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { lagAfter, type KafkaMetrics } from './metrics.ts';
import { inConsumerSpan } from './tracing.ts';

/**
 * What handling one message produced; `[]` when the message needs no output. A handler that waits for
 * a dependency calls `heartbeat` while it waits, so the group does not give its partition away.
 */
export type Handler = (
  message: KafkaMessage,
  partition: number,
  heartbeat: () => Promise<void>,
) => Promise<TopicRecord[]>;

export interface OrderedConsumerOptions {
  consumer: Consumer;
  topic: string;
  /** Partitions handled at once (match the downstream's parallel capacity, e.g. Ollama's slots). */
  concurrency: number;
  handle: Handler;
  publish: (records: readonly TopicRecord[]) => Promise<unknown>;
  /** Outputs are published (and offsets committed) at least this often within a batch. */
  flushEvery?: number;
  onCommitted?: (partition: number, count: number) => void;
  metrics?: KafkaMetrics;
}

/**
 * Consumes a topic one message after another per partition (so per-key order holds), in parallel
 * across partitions. Outputs are published and acknowledged before the offsets of their inputs are
 * committed: a crash replays at most the uncommitted messages, never skips one. A handler that waits
 * (a dependency is down) holds its partition in place while heartbeats keep the group membership.
 */
export async function runOrderedConsumer(options: OrderedConsumerOptions): Promise<void> {
  const { consumer, topic } = options;
  const flushEvery = options.flushEvery ?? 50;
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.concurrency,
    eachBatch: async (payload) => {
      const { batch } = payload;
      const heartbeat = () => payload.heartbeat();
      let pending: TopicRecord[] = [];
      let handled = 0;
      let lastOffset: string | undefined;
      const flush = async () => {
        if (lastOffset === undefined) return;
        await options.publish(pending);
        await consumer.commitOffsets([
          { topic, partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() },
        ]);
        // kafkajs fetches the next batch from the last *resolved* offset; committing alone would make
        // it fetch this partition's messages again once the current fetch is used up.
        payload.resolveOffset(lastOffset);
        options.onCommitted?.(batch.partition, handled);
        options.metrics?.consumed(topic, handled);
        options.metrics?.lag(topic, batch.partition, lagAfter(batch.highWatermark, lastOffset));
        pending = [];
        handled = 0;
        lastOffset = undefined;
      };
      for (const message of batch.messages) {
        if (!payload.isRunning() || payload.isStale()) break;
        pending.push(
          ...(await inConsumerSpan(topic, batch.partition, [message], () =>
            options.handle(message, batch.partition, heartbeat),
          )),
        );
        lastOffset = message.offset;
        handled += 1;
        if (handled >= flushEvery) await flush();
        await heartbeat();
      }
      await flush();
    },
  });
}
