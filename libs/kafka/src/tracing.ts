import type { KafkaHeaders, TopicRecord } from '@parley/contracts';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Link,
} from '@opentelemetry/api';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { errorMessage } from '@parley/service-runtime';

const tracer = trace.getTracer('@parley/kafka');

/**
 * W3C trace context in Kafka headers (`traceparent`, `tracestate`), so a trace that starts at an
 * appservice transaction continues in every consumer downstream. Without a registered SDK these are
 * no-ops and no header is added.
 *
 * Kept by hand, on OpenTelemetry's own propagation API: @opentelemetry/instrumentation-kafkajs patches
 * kafkajs at load time and makes a span per message, while Parley wants one span per consumed run that
 * links every message's trace and carries it onto the records that run produces.
 */
export function withTraceContext(record: TopicRecord, ctx: Context = context.active()): TopicRecord {
  if (record.headers['traceparent'] !== undefined) return record;
  // Into a carrier of its own first: with no SDK or no active span nothing is injected, and the record
  // (one of thousands a second on ingest's hot path) is passed on without a copy.
  const injected: KafkaHeaders = {};
  propagation.inject(ctx, injected);
  if (Object.keys(injected).length === 0) return record;
  return { ...record, headers: { ...record.headers, ...injected } };
}

export function traceContextOf(headers: IHeaders | undefined): Context {
  const carrier: Record<string, string> = {};
  for (const name of ['traceparent', 'tracestate']) {
    const value = headers?.[name];
    const single = Array.isArray(value) ? value[0] : value;
    if (single !== undefined) carrier[name] = single.toString();
  }
  return propagation.extract(ROOT_CONTEXT, carrier);
}

const attributes = (topic: string, partition: number, messages: readonly KafkaMessage[]) => ({
  'messaging.system': 'kafka',
  'messaging.operation.type': 'process',
  'messaging.destination.name': topic,
  'messaging.destination.partition.id': String(partition),
  'messaging.batch.message_count': messages.length,
  ...(messages.length === 1 ? { 'messaging.kafka.offset': Number(messages[0]?.offset ?? -1) } : {}),
});

/**
 * Runs `work` in a consumer span whose parent is the trace of the first message and which links every
 * message's trace; the records `work` returns carry this span's context on to the next topic.
 */
export async function inConsumerSpan(
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
  work: () => Promise<TopicRecord[]>,
): Promise<TopicRecord[]> {
  const parent = traceContextOf(messages[0]?.headers);
  const links: Link[] = messages
    .map((m) => trace.getSpanContext(traceContextOf(m.headers)))
    .filter((c) => c !== undefined)
    .map((spanContext) => ({ context: spanContext }));
  return tracer.startActiveSpan(
    `process ${topic}`,
    { kind: SpanKind.CONSUMER, attributes: attributes(topic, partition, messages), links },
    parent,
    async (span) => {
      try {
        const records = await work();
        return records.map((record) => withTraceContext(record));
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
