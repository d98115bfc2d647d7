import { fileURLToPath } from 'node:url';
import { ClassificationV1 } from '@parley/contracts';
import { sampleMatrixEvent, startBeforeKafka, startKafka, uniqueName } from '@parley/testing';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('classifier started before Kafka (real Kafka behind a port that opens later)', () => {
  it('waits, says why in /readyz, and labels messages once Kafka appears', async () => {
    const kafka = await startKafka();
    const topics = {
      input: await kafka.createTopic('late-events', 2),
      output: await kafka.createTopic('late-classifications', 2),
      dlq: await kafka.createTopic('late-classifications-dlq', 1),
    };
    const {
      service,
      kafka: late,
      untilKafkaReady,
      stop,
    } = await startBeforeKafka(entry, kafka.brokers, {
      PARLEY_KAFKA_GROUP_ID: uniqueName('late-classifier'),
      PARLEY_KAFKA_CREATE_TOPICS: 'false',
      PARLEY_INPUT_TOPIC: topics.input,
      PARLEY_OUTPUT_TOPIC: topics.output,
      PARLEY_DLQ_TOPIC: topics.dlq,
      // The lexicon backend: this test is about Kafka, not the model.
      PARLEY_CLASSIFIER_BACKEND: 'baseline',
    });
    try {
      const event = sampleMatrixEvent({ message: { msgtype: 'm.text', text: 'I want a refund, this is broken' } });
      const producer = kafka.client().producer();
      await producer.connect();
      await producer.send({
        topic: topics.input,
        acks: -1,
        messages: [{ key: event.roomId, value: JSON.stringify(event) }],
      });
      await producer.disconnect();

      await late.open();
      const [record] = await kafka.collect(topics.output, (records) => records.length >= 1, 90_000);
      expect(ClassificationV1.parse(record?.value)).toMatchObject({
        kind: 'label',
        message: { eventId: event.eventId },
        intent: { label: 'refund' },
      });
      expect((await untilKafkaReady()).dependencies['kafka']?.detail).toBe('consuming');
    } finally {
      expect(await stop(), service.stderr()).toBe(0);
    }
  }, 180_000);
});
