import { createLogger } from '@parley/service-runtime';
import { startKafka, uniqueName, type TestKafka } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcknowledgedProducer, CompactedTopicMap, createKafkaClient, DurableRecentIds } from '../src/index.ts';

describe('state on compacted topics (real Kafka)', () => {
  let kafka: TestKafka;
  let topic: string;
  let producer: AcknowledgedProducer;
  const logger = createLogger({ service: 'test', level: 'silent' });
  const client = () => createKafkaClient({ brokers: kafka.brokers, clientId: uniqueName('state'), logger });

  beforeAll(async () => {
    kafka = await startKafka();
    topic = await kafka.createTopic('state', 1);
    producer = new AcknowledgedProducer(client(), { timeoutMs: 10_000 });
    await producer.connect();
  });
  afterAll(() => producer.disconnect());

  it('loads the latest value of every key under its prefix, and nothing of other prefixes', async () => {
    const map = new CompactedTopicMap<{ n: number }>(client(), topic, 'mine/');
    await map.set(producer, 'mine/a', { n: 1 });
    await map.set(producer, 'mine/b', { n: 1 });
    await map.set(producer, 'mine/a', { n: 2 });
    await new CompactedTopicMap<{ n: number }>(client(), topic, 'theirs/').set(producer, 'theirs/x', { n: 9 });
    const loaded = await new CompactedTopicMap<{ n: number }>(client(), topic, 'mine/').load();
    expect(Object.fromEntries(loaded)).toEqual({ 'mine/a': { n: 2 }, 'mine/b': { n: 1 } });
    expect(() => map.record('theirs/y', { n: 0 })).toThrow(RangeError);
  });

  it('a restarted instance recognises ids an earlier one finished, once they were persisted with a later batch or by the timer', async () => {
    const key = `recent/${uniqueName('svc')}`;
    const first = new DurableRecentIds(new CompactedTopicMap(client(), topic, key), key, producer, {
      capacity: 3,
      flushAfterMs: 60_000,
    });
    await first.load();
    first.add('t1');
    first.add('t2');
    // Carried by the next batch, as the appservice processor does.
    const carried = first.pendingRecords();
    expect(carried.records).toHaveLength(1);
    await producer.publish(carried.records);
    carried.persisted();
    expect(first.pendingRecords().records).toHaveLength(0);
    first.add('t3');
    first.add('t4');
    await first.flush();

    const restarted = new DurableRecentIds(new CompactedTopicMap(client(), topic, key), key, producer, { capacity: 3 });
    expect(await restarted.load()).toBe(3);
    expect(['t1', 't2', 't3', 't4'].map((id) => restarted.has(id))).toEqual([false, true, true, true]);
  });
});
