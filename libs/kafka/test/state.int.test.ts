import { createLogger } from '@parley/service-runtime';
import { startKafka, uniqueName, type TestKafka } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AcknowledgedProducer,
  CompactedTopicMap,
  createKafkaClient,
  DurableRecentIds,
  readTopicRange,
  RecentIdsState,
} from '../src/index.ts';

const N = z.object({ n: z.number() });

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

  it('publishes a run of records far over the broker’s 1 MB batch limit to one partition, all of it, in order', async () => {
    const big = await kafka.createTopic('big', 1);
    const filler = 'x'.repeat(100_000);
    const records = Array.from({ length: 30 }, (_, i) => ({
      topic: big,
      key: `k${String(i)}`,
      value: { i, filler },
      headers: {},
    }));
    await producer.publish(records);
    const read = await kafka.collect(big, (all) => all.length >= 30, 60_000);
    expect(read.map((r) => (r.value as { i: number }).i)).toEqual(records.map((r) => r.value.i));
  });

  it('loads the latest value of every key under its prefix, and nothing of other prefixes', async () => {
    const map = new CompactedTopicMap(client(), topic, 'mine/', N);
    await map.set(producer, 'mine/a', { n: 1 });
    await map.set(producer, 'mine/b', { n: 1 });
    await map.set(producer, 'mine/a', { n: 2 });
    await new CompactedTopicMap(client(), topic, 'theirs/', N).set(producer, 'theirs/x', { n: 9 });
    const loaded = await new CompactedTopicMap(client(), topic, 'mine/', N).load();
    expect(Object.fromEntries(loaded)).toEqual({ 'mine/a': { n: 2 }, 'mine/b': { n: 1 } });
    expect(() => map.record('theirs/y', { n: 0 })).toThrow(RangeError);
  });

  it('leaves out a stored value that does not fit its schema, and says which and why', async () => {
    const own = await kafka.createTopic('state-checked', 1);
    const raw = kafka.client().producer();
    await raw.connect();
    await raw.send({
      topic: own,
      acks: -1,
      messages: [
        { key: 'mine/good', value: JSON.stringify({ n: 1 }) },
        { key: 'mine/old', value: JSON.stringify({ n: 'one' }) },
        { key: 'mine/broken', value: '{"n":' },
      ],
    });
    await raw.disconnect();
    const problems: string[] = [];
    const loaded = await new CompactedTopicMap(client(), own, 'mine/', N, (key, problem) =>
      problems.push(`${key}: ${problem}`),
    ).load();
    expect(Object.fromEntries(loaded)).toEqual({ 'mine/good': { n: 1 } });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^mine\/old: .*number/);
    expect(problems[1]).toMatch(/^mine\/broken: not JSON/);
  });

  it('reads a topic from a point in time to its current end, on every partition', async () => {
    const ranged = await kafka.createTopic('range', 3);
    const record = (n: number) => ({ topic: ranged, key: `k${n}`, value: { n }, headers: {} });
    await producer.publish([0, 1, 2, 3].map(record));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const since = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await producer.publish([4, 5, 6, 7, 8].map(record));
    const read = async (options: { fromTimestamp?: number }) => {
      const seen: number[] = [];
      await readTopicRange(
        client(),
        ranged,
        (_partition, message) => seen.push((JSON.parse(String(message.value)) as { n: number }).n),
        options,
      );
      return seen.sort((a, b) => a - b);
    };
    expect(await read({ fromTimestamp: since })).toEqual([4, 5, 6, 7, 8]);
    expect(await read({})).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await read({ fromTimestamp: Date.now() + 60_000 })).toEqual([]);
  });

  it('a restarted instance recognises ids an earlier one finished, once they were persisted with a later batch or by the timer', async () => {
    const key = `recent/${uniqueName('svc')}`;
    const first = new DurableRecentIds(new CompactedTopicMap(client(), topic, key, RecentIdsState), key, producer, {
      capacity: 3,
      flushAfterMs: 60_000,
      carryEveryMs: 60_000,
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
    // Changed, but the state rode with a batch moments ago: the next batches go without it.
    expect(first.pendingRecords().records).toHaveLength(0);
    first.add('t4');
    await first.flush();

    const restarted = new DurableRecentIds(new CompactedTopicMap(client(), topic, key, RecentIdsState), key, producer, {
      capacity: 3,
    });
    expect(await restarted.load()).toBe(3);
    expect(['t1', 't2', 't3', 't4'].map((id) => restarted.has(id))).toEqual([false, true, true, true]);
  });
});
