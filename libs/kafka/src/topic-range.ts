import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export class TopicReadError extends Error {
  override readonly name = 'TopicReadError';
}

export interface TopicRangeOptions {
  /** Start at the first record written at or after this time (ms); default: the beginning. */
  fromTimestamp?: number;
  timeoutMs?: number;
}

/**
 * Reads every partition of a topic from a start point up to its end as of the call, without joining
 * any consumer group that matters (a throwaway group, deleted afterwards). For short, bounded reads:
 * a compacted state topic at start-up, or the last minutes of a topic.
 */
export async function readTopicRange(
  kafka: Kafka,
  topic: string,
  onMessage: (partition: number, message: KafkaMessage) => void,
  options: TopicRangeOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `parley-range-reader-${randomBytes(6).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const starts = new Map<number, bigint>(ends.map((p) => [p.partition, BigInt(p.low)]));
    if (options.fromTimestamp !== undefined) {
      // Kafka answers -1 for a partition with nothing at or after the time: nothing to read there.
      for (const p of await admin.fetchTopicOffsetsByTimestamp(topic, options.fromTimestamp)) {
        const offset = BigInt(p.offset);
        if (offset >= 0n) starts.set(p.partition, offset);
        else starts.set(p.partition, BigInt(ends.find((e) => e.partition === p.partition)?.high ?? '0'));
      }
    }
    // Each partition's last offset to read; partitions with nothing in range are done already.
    const pending = new Map<number, bigint>();
    for (const p of ends) {
      const start = starts.get(p.partition) ?? BigInt(p.low);
      if (BigInt(p.high) > start) pending.set(p.partition, BigInt(p.high) - 1n);
    }
    if (pending.size === 0) return;

    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new TopicReadError(`reading ${topic} took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const offset = BigInt(message.offset);
            const last = pending.get(partition);
            // Records before the seek took effect, or after the end this read was asked for.
            if (last === undefined || offset < (starts.get(partition) ?? 0n) || offset > last) return;
            onMessage(partition, message);
            if (offset >= last) pending.delete(partition);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .then(() => {
          for (const [partition, start] of starts)
            if (pending.has(partition)) consumer.seek({ topic, partition, offset: start.toString() });
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
