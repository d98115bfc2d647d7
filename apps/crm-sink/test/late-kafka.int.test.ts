import { existsSync, readFileSync } from 'node:fs';
import { sampleLabel, startBeforeKafka, startKafka, waitFor } from '@parley/testing';
import { describe, expect, it } from 'vitest';
import { entry, produce, sinkEnv, sinkTopics } from './harness.ts';

describe('crm-sink started before Kafka (real Kafka behind a port that opens later)', () => {
  it('waits, says why in /readyz, and writes records once Kafka appears', async () => {
    const kafka = await startKafka();
    const topics = await sinkTopics(kafka);
    const env = sinkEnv(kafka, topics, {});
    const ndjson = env['PARLEY_NDJSON_PATH'] ?? '';
    const { service, kafka: late, untilKafkaReady, stop } = await startBeforeKafka(entry, kafka.brokers, env);
    try {
      const label = sampleLabel({ roomId: '!late:parley.test', eventId: '$late-1', from: { phone: '+4915100000001' } });
      await produce(kafka, topics.input, [label]);
      await late.open();
      const written = await waitFor(
        'the label in the NDJSON file',
        () => {
          const text = existsSync(ndjson) ? readFileSync(ndjson, 'utf8') : '';
          return text.includes('$late-1') ? text : undefined;
        },
        { timeoutMs: 90_000 },
      );
      expect(written).toContain('"kind":"message"');
      expect((await untilKafkaReady()).dependencies['kafka']?.detail).toBe('consuming');
    } finally {
      expect(await stop(), service.stderr()).toBe(0);
    }
  }, 180_000);
});
