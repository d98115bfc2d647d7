import { createLogger } from '@parley/service-runtime';
import { startKafka, uniqueName, waitFor, type TestKafka } from '@parley/testing';
import type { Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaClient, runBatchConsumer, runOrderedConsumer } from '../src/index.ts';

const MESSAGES = 400;

describe('consumers across many fetches (real Kafka)', () => {
  let kafka: TestKafka;
  const consumers: Consumer[] = [];
  const logger = createLogger({ service: 'test', level: 'silent' });

  /** A topic holding far more than one fetch returns (fetches are capped at 2 KiB per partition below). */
  const filledTopic = async () => {
    const topic = await kafka.createTopic('many-fetches', 2);
    const producer = kafka.client().producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: MESSAGES }, (_, i) => ({
        key: `k${String(i % 7)}`,
        value: `message ${String(i)} `.padEnd(100, '.'),
      })),
    });
    await producer.disconnect();
    return topic;
  };
  const groups = new Map<Consumer, string>();
  const smallFetchConsumer = () => {
    const groupId = uniqueName('many-fetches');
    const consumer = createKafkaClient({ brokers: kafka.brokers, clientId: uniqueName('c'), logger }).consumer({
      groupId,
      maxBytesPerPartition: 2048,
      maxBytes: 4096,
    });
    consumers.push(consumer);
    groups.set(consumer, groupId);
    return consumer;
  };

  beforeAll(async () => {
    kafka = await startKafka();
  });
  afterAll(async () => {
    for (const consumer of consumers) await consumer.disconnect();
  });

  it('the batch consumer hands every message over exactly once', async () => {
    const topic = await filledTopic();
    const seen: string[] = [];
    const consumer = smallFetchConsumer();
    await consumer.connect();
    await runBatchConsumer({
      consumer,
      topic,
      maxBatch: 7,
      publish: async () => undefined,
      handle: async (messages) => {
        seen.push(...messages.map((m) => m.value?.toString() ?? ''));
        return [];
      },
    });
    await waitFor('every message', () => (seen.length >= MESSAGES ? true : undefined), { timeoutMs: 60_000 });
    // Committed to the end: nothing is left to hand over again.
    await kafka.waitForCommitted(groups.get(consumer) ?? '', topic, 60_000);
    expect(seen).toHaveLength(MESSAGES);
    expect(new Set(seen).size).toBe(MESSAGES);
  });

  it('the ordered consumer hands every message over exactly once', async () => {
    const topic = await filledTopic();
    const seen: string[] = [];
    const consumer = smallFetchConsumer();
    await consumer.connect();
    await runOrderedConsumer({
      consumer,
      topic,
      concurrency: 2,
      flushEvery: 5,
      publish: async () => undefined,
      handle: async (message) => {
        seen.push(message.value?.toString() ?? '');
        return [];
      },
    });
    await waitFor('every message', () => (seen.length >= MESSAGES ? true : undefined), { timeoutMs: 60_000 });
    // Committed to the end: nothing is left to hand over again.
    await kafka.waitForCommitted(groups.get(consumer) ?? '', topic, 60_000);
    expect(seen).toHaveLength(MESSAGES);
    expect(new Set(seen).size).toBe(MESSAGES);
  });
});
