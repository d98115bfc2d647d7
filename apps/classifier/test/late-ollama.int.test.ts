import { fileURLToPath } from 'node:url';
import { ClassificationV1, eventRecord } from '@parley/contracts';
import {
  DEFAULT_TEST_MODEL,
  readinessOf,
  sampleMatrixEvent,
  spawnService,
  startKafka,
  startOllama,
  tcpProxy,
  uniqueName,
  waitFor,
} from '@parley/testing';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('classifier started before Ollama (real Ollama behind a port that opens later)', () => {
  it('says why in /readyz, holds the message, and labels it once Ollama appears', async () => {
    const kafka = await startKafka();
    const ollama = await startOllama();
    const topics = {
      input: await kafka.createTopic('late-ollama-events', 2),
      output: await kafka.createTopic('late-ollama-classifications', 2),
      dlq: await kafka.createTopic('late-ollama-dlq', 1),
    };
    const late = await tcpProxy({ host: '127.0.0.1', port: Number(new URL(ollama.url).port) });
    const service = await spawnService({
      entry,
      env: {
        PARLEY_HTTP_HOST: '127.0.0.1',
        PARLEY_KAFKA_BROKERS: kafka.brokers.join(','),
        PARLEY_KAFKA_GROUP_ID: uniqueName('late-ollama'),
        PARLEY_KAFKA_CREATE_TOPICS: 'false',
        PARLEY_INPUT_TOPIC: topics.input,
        PARLEY_OUTPUT_TOPIC: topics.output,
        PARLEY_DLQ_TOPIC: topics.dlq,
        PARLEY_CLASSIFIER_BACKEND: 'llm',
        PARLEY_OLLAMA_URL: `http://127.0.0.1:${String(late.port)}`,
        PARLEY_OLLAMA_MODEL: DEFAULT_TEST_MODEL,
      },
    });
    try {
      const waiting = await waitFor('/readyz to say Ollama is not there', async () => {
        const { status, body } = await readinessOf(service);
        const backend = body.dependencies['backend'];
        return backend && !backend.ready && backend.detail !== 'llm backend not checked yet'
          ? { status, detail: backend.detail }
          : undefined;
      });
      expect(waiting.status).toBe(503);
      expect(waiting.detail).toMatch(/fetch failed|ECONNREFUSED|unreachable|not reachable/i);

      const event = sampleMatrixEvent({ message: { msgtype: 'm.text', text: 'Can I change my delivery address?' } });
      const record = eventRecord(event);
      const producer = kafka.client().producer();
      await producer.connect();
      await producer.send({
        topic: topics.input,
        acks: -1,
        messages: [{ key: record.key, value: JSON.stringify(record.value), headers: record.headers }],
      });
      await producer.disconnect();

      await late.open();
      const [label] = await kafka.collect(topics.output, (records) => records.length >= 1, 180_000);
      expect(ClassificationV1.parse(label?.value)).toMatchObject({
        kind: 'label',
        message: { eventId: event.eventId },
        lineage: { backend: 'llm', model: DEFAULT_TEST_MODEL },
      });
      const ready = await waitFor('/readyz ready', async () => {
        const { status, body } = await readinessOf(service);
        return status === 200 ? body.dependencies['backend']?.detail : undefined;
      });
      expect(ready).toMatch(/^llm /);
      // Nothing went to the dead-letter topic for the outage.
      const dlqEnd = await kafka.endOffsets(topics.dlq);
      expect(dlqEnd.every((p) => p.offset === '0')).toBe(true);
    } finally {
      expect(await service.stop('SIGTERM'), service.stderr()).toBe(0);
      await late.close();
    }
  }, 300_000);
});
