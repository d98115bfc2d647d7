import { rmSync } from 'node:fs';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { ensureComponent, required, runDirectory, stopComponent } from './components.ts';
import { uniqueName } from './unique.ts';
import { waitFor } from './wait.ts';

export interface TestKafka {
  brokers: string[];
  version: string;
  /** A kafkajs client with a unique client id and logging kept to errors. */
  client(clientId?: string): Kafka;
  /** Creates a topic with a unique name and returns the name. */
  createTopic(prefix: string, partitions?: number): Promise<string>;
  /**
   * Reads a topic from the beginning (in a fresh consumer group) until `done` says the records seen
   * so far suffice, or fails after the timeout. Records come in partition order.
   */
  collect(
    topic: string,
    done: (records: ConsumedRecord[]) => boolean,
    timeoutMs?: number,
    options?: { from?: PartitionOffset[] },
  ): Promise<ConsumedRecord[]>;
  /**
   * Where each partition of a topic ends now: pass it to `collect` as `from` to read only what comes
   * after (a shared topic of a long-lived test broker grows with every run).
   */
  endOffsets(topic: string): Promise<PartitionOffset[]>;
  /** Waits until `groupId` has committed every partition of `topic` up to its end (empty ones count as done). */
  waitForCommitted(groupId: string, topic: string, timeoutMs?: number): Promise<void>;
}

export interface PartitionOffset {
  partition: number;
  offset: string;
}

export interface ConsumedRecord {
  partition: number;
  offset: string;
  key: string;
  value: unknown;
  headers: Record<string, string>;
}

/**
 * The run's shared broker, or with `instance` a broker of its own (for tests that stop and restart
 * Kafka, which must not disturb the others).
 */
export async function startKafka(instance?: string): Promise<TestKafka> {
  return startKafkaFrom(await ensureComponent('kafka', {}, undefined, instance));
}

/**
 * A broker of the instance's own with nothing in it: for tests on the default topic names, whose
 * services would otherwise resume from an earlier run's topics and consumer groups (its people, its
 * conversations, its backlog). The instance's data directory is removed before the broker starts.
 */
export async function startFreshKafka(instance: string): Promise<TestKafka> {
  await stopComponent('kafka', instance);
  rmSync(`${runDirectory()}/${instance}/kafka`, { recursive: true, force: true });
  return startKafka(instance);
}

/** The client side of a broker tools/env started, from the settings it reported. */
export function startKafkaFrom(env: Record<string, string>): TestKafka {
  const brokers = [required(env, 'KAFKA_BROKERS', 'kafka')];
  const client = (clientId = uniqueName('test')) =>
    new Kafka({ clientId, brokers, logLevel: logLevel.ERROR, retry: { retries: 8, initialRetryTime: 100 } });
  return {
    brokers,
    version: env['KAFKA_VERSION'] ?? 'unknown',
    client,
    async createTopic(prefix, partitions = 3) {
      const topic = uniqueName(prefix);
      // Just after the broker started, its metadata can still deny hosting a new topic's partitions
      // ("does not host this topic-partition") for a moment: ask again until the topic has leaders.
      await waitFor(
        `topic ${topic} with leaders`,
        async () => {
          const admin: Admin = client().admin();
          await admin.connect();
          try {
            await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
            const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
            const ready = metadata.topics[0]?.partitions.every((p) => p.leader >= 0) ?? false;
            return ready && metadata.topics[0]?.partitions.length === partitions ? true : undefined;
          } finally {
            await admin.disconnect();
          }
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      return topic;
    },
    async collect(topic, done, timeoutMs = 60_000, options = {}) {
      const groupId = uniqueName('collect');
      if (options.from) {
        // A new group starts where its committed offsets are: the given ones.
        const admin = client().admin();
        await admin.connect();
        await admin.setOffsets({ groupId, topic, partitions: options.from }).finally(() => admin.disconnect());
      }
      const consumer = client().consumer({ groupId });
      const records: ConsumedRecord[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            reject(new Error(`collected ${records.length} records from ${topic} in ${timeoutMs} ms; not done`));
          }, timeoutMs);
          consumer
            .run({
              eachMessage: async ({ partition, message }) => {
                const headers: Record<string, string> = {};
                for (const [k, v] of Object.entries(message.headers ?? {}))
                  if (v !== undefined) headers[k] = v.toString();
                records.push({
                  partition,
                  offset: message.offset,
                  key: message.key?.toString() ?? '',
                  value: message.value ? (JSON.parse(message.value.toString()) as unknown) : null,
                  headers,
                });
                if (done(records)) {
                  clearTimeout(timer);
                  resolve();
                }
              },
            })
            .catch(reject);
        });
      } finally {
        await consumer.disconnect();
      }
      return records;
    },
    async endOffsets(topic) {
      const admin = client().admin();
      await admin.connect();
      try {
        return (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high }));
      } finally {
        await admin.disconnect();
      }
    },
    async waitForCommitted(groupId, topic, timeoutMs = 90_000) {
      const admin = client().admin();
      await admin.connect();
      try {
        await waitFor(
          `group ${groupId} to commit ${topic} to its end`,
          async () => {
            const ends = await admin.fetchTopicOffsets(topic);
            const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
            const done = ends.every(
              (end) =>
                BigInt(end.high) === BigInt(end.low) ||
                BigInt(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1') >=
                  BigInt(end.high),
            );
            return done ? true : undefined;
          },
          { timeoutMs, intervalMs: 250 },
        );
      } finally {
        await admin.disconnect();
      }
    },
  };
}
