import type { TopicRecord } from '@parley/contracts';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { lagAfter, type KafkaMetrics } from './metrics.ts';
import { inConsumerSpan } from './tracing.ts';

export interface BatchConsumerOptions {
  consumer: Consumer;
  topic: string;
  /** Messages handed to `handle` at once, at most. */
  maxBatch: number;
  /** Handles a run of consecutive messages of one partition; resolves once their effects are stored. */
  handle: (messages: KafkaMessage[], partition: number, heartbeat: () => Promise<void>) => Promise<TopicRecord[]>;
  publish: (records: readonly TopicRecord[]) => Promise<unknown>;
  onCommitted?: (partition: number, count: number) => void;
  metrics?: KafkaMetrics;
}

/**
 * Consumes a topic in runs of up to `maxBatch` messages per partition, for sinks that write in
 * batches. Partitions are handled one at a time (the sink shares one rate budget). A run's output
 * records (state, dead letters) are published, then its offsets committed: a crash replays the run,
 * never skips it.
 */
export async function runBatchConsumer(options: BatchConsumerOptions): Promise<void> {
  const { consumer, topic } = options;
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 1,
    eachBatch: async (payload) => {
      const { batch } = payload;
      const heartbeat = () => payload.heartbeat();
      for (let start = 0; start < batch.messages.length; start += options.maxBatch) {
        if (!payload.isRunning() || payload.isStale()) return;
        const run = batch.messages.slice(start, start + options.maxBatch);
        const last = run.at(-1);
        if (last === undefined) return;
        const records = await inConsumerSpan(topic, batch.partition, run, () =>
          options.handle(run, batch.partition, heartbeat),
        );
        if (records.length > 0) await options.publish(records);
        await consumer.commitOffsets([
          { topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
        ]);
        // kafkajs fetches the next batch from the last *resolved* offset; committing alone would make
        // it fetch this partition's messages again once the current fetch is used up.
        payload.resolveOffset(last.offset);
        options.onCommitted?.(batch.partition, run.length);
        options.metrics?.consumed(topic, run.length);
        options.metrics?.lag(topic, batch.partition, lagAfter(batch.highWatermark, last.offset));
        await heartbeat();
      }
    },
  });
}
