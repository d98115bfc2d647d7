import { describe, expect, it } from 'vitest';
import { startKafka, uniqueName, waitFor } from '../src/index.ts';

describe('real Kafka (smoke)', () => {
  it('produces with acks=all and consumes the same records back, in order per key', async () => {
    const kafka = await startKafka();
    const topic = await kafka.createTopic('smoke', 3);
    const client = kafka.client();

    const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = Array.from({ length: 20 }, (_, i) => ({ key: `room-${i % 2}`, value: `message-${i}` }));
    const acks = await producer.send({ topic, acks: -1, messages: sent });
    expect(acks.every((a) => a.errorCode === 0)).toBe(true);
    await producer.disconnect();

    const consumer = client.consumer({ groupId: uniqueName('smoke-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key: string; value: string }[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
      },
    });
    try {
      await waitFor('all 20 records', () => (received.length >= 20 ? true : undefined), { timeoutMs: 30_000 });
    } finally {
      await consumer.disconnect();
    }
    expect(received).toHaveLength(20);
    for (const key of ['room-0', 'room-1']) {
      expect(received.filter((r) => r.key === key).map((r) => r.value)).toEqual(
        sent.filter((s) => s.key === key).map((s) => s.value),
      );
    }
  });
});
