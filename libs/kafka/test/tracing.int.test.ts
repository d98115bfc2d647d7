import { toKafkaHeaders, type TopicRecord } from '@parley/contracts';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { trace } from '@opentelemetry/api';
import { createLogger, startTelemetry, type Telemetry } from '@parley/service-runtime';
import { startKafka, uniqueName, waitFor, type TestKafka } from '@parley/testing';
import type { Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcknowledgedProducer, createKafkaClient, runOrderedConsumer } from '../src/index.ts';

describe('trace context through Kafka (real Kafka, in-memory span exporter)', () => {
  let kafka: TestKafka;
  let telemetry: Telemetry;
  let consumer: Consumer | undefined;
  // Finished spans, collected as they end.
  const finished: ReadableSpan[] = [];
  const collector: SpanProcessor = {
    onStart: () => undefined,
    onEnd: (span) => finished.push(span),
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };
  const logger = createLogger({ service: 'test', level: 'silent' });
  const client = () => createKafkaClient({ brokers: kafka.brokers, clientId: uniqueName('trace'), logger });

  beforeAll(async () => {
    kafka = await startKafka();
    telemetry = startTelemetry('kafka-test', {}, [collector]);
  });
  afterAll(async () => {
    await consumer?.disconnect();
    await telemetry.shutdown();
  });

  it('continues the producer’s trace in the consumer, and in what the consumer produces next', async () => {
    const input = await kafka.createTopic('traced-in', 1);
    const output = await kafka.createTopic('traced-out', 1);
    const producer = new AcknowledgedProducer(client(), { timeoutMs: 10_000 });
    await producer.connect();
    const record = (topic: string, id: string): TopicRecord => ({
      topic,
      key: 'room',
      value: { id },
      headers: toKafkaHeaders({ id, source: 'test', type: 'test.v1', specversion: '1.0' }),
    });
    const origin = await trace.getTracer('test').startActiveSpan('origin', async (span) => {
      await producer.publish([record(input, 'first')]);
      span.end();
      return span.spanContext();
    });

    consumer = client().consumer({ groupId: uniqueName('traced') });
    await consumer.connect();
    await runOrderedConsumer({
      consumer,
      topic: input,
      concurrency: 1,
      publish: (records) => producer.publish(records),
      handle: async () => [record(output, 'second')],
    });
    const [out] = await kafka.collect(output, (records) => records.length >= 1, 30_000);
    await producer.disconnect();

    // traceparent: 00-<trace id>-<span id>-<flags>
    const traceparent = out?.headers['traceparent'];
    expect(traceparent?.split('-')[1]).toBe(origin.traceId);
    const processing = await waitFor('the consumer span', () => finished.find((s) => s.name === `process ${input}`));
    expect(processing.spanContext().traceId).toBe(origin.traceId);
    expect(processing.parentSpanContext?.spanId).toBe(origin.spanId);
    expect(traceparent?.split('-')[2]).toBe(processing.spanContext().spanId);
  });
});
