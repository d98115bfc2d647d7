import type { DeadLetterV1 } from './dead-letter.ts';
import { toKafkaHeaders, type TopicRecord } from './envelope.ts';
import { DATASCHEMA } from './json-schemas.ts';
import { CE_TYPES } from './topics.ts';

export interface DeadLetterOptions {
  /** The dead-letter topic. */
  topic: string;
  /** Partition key: the input's own key where known (its room), so a replay keeps the order. */
  key: string;
  /** CloudEvents id: stable for the same input, so a replayed dead letter is recognisably the same. */
  id: string;
  /** CloudEvents source of the service that rejected it. */
  producer: string;
  subject?: string;
  value: Omit<DeadLetterV1, 'schemaVersion' | 'failedAt'> & { failedAt?: string };
}

/** The one way a dead letter becomes a Kafka record: its value in the contract, its CloudEvents headers. */
export function deadLetterRecord(options: DeadLetterOptions): TopicRecord {
  const value: DeadLetterV1 = {
    schemaVersion: 1,
    ...options.value,
    failedAt: options.value.failedAt ?? new Date().toISOString(),
  };
  return {
    topic: options.topic,
    key: options.key,
    value,
    headers: toKafkaHeaders({
      id: options.id,
      source: options.producer,
      type: CE_TYPES.deadLetter,
      specversion: '1.0',
      time: value.failedAt,
      ...(options.subject !== undefined && { subject: options.subject }),
      dataschema: DATASCHEMA.deadLetter,
    }),
  };
}

/** A dead letter for a Kafka message that could not be used: its coordinates are its identity. */
export function kafkaInputDeadLetter(options: {
  topic: string;
  producer: string;
  stage: string;
  reason: string;
  error: string;
  input: { topic: string; partition: number; offset: string; raw: string | null; key?: string };
}): TopicRecord {
  const { input } = options;
  return deadLetterRecord({
    topic: options.topic,
    key: input.key ?? 'unknown',
    id: `${input.topic}/${String(input.partition)}/${input.offset}`,
    producer: options.producer,
    value: {
      reason: options.reason,
      error: options.error,
      stage: options.stage,
      source: { topic: input.topic, partition: input.partition, offset: input.offset },
      raw: input.raw,
    },
  });
}
