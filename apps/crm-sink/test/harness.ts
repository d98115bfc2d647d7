import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClassificationV1 } from '@parley/contracts';
import { spawnService, uniqueName, type ServiceProcess, type TestKafka } from '@parley/testing';

export const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export interface SinkTopics {
  input: string;
  rooms: string;
  state: string;
  dlq: string;
  conversations: string;
  decisions: string;
}

/** Unique topics for one test, so tests never see each other's records. */
export async function sinkTopics(kafka: TestKafka): Promise<SinkTopics> {
  return {
    input: await kafka.createTopic('classifications', 3),
    rooms: await kafka.createTopic('rooms', 3),
    state: await kafka.createTopic('crm-state', 1),
    dlq: await kafka.createTopic('crm-dlq', 1),
    conversations: await kafka.createTopic('conversations', 3),
    decisions: await kafka.createTopic('identity-decisions', 1),
  };
}

export function sinkEnv(kafka: TestKafka, topics: SinkTopics, extra: Record<string, string>): Record<string, string> {
  return {
    PARLEY_HTTP_HOST: '127.0.0.1',
    PARLEY_LOG_LEVEL: 'info',
    PARLEY_KAFKA_BROKERS: kafka.brokers.join(','),
    PARLEY_KAFKA_CREATE_TOPICS: 'false',
    PARLEY_KAFKA_GROUP_ID: uniqueName('crm-sink'),
    PARLEY_INPUT_TOPIC: topics.input,
    PARLEY_ROOMS_TOPIC: topics.rooms,
    PARLEY_STATE_TOPIC: topics.state,
    PARLEY_DLQ_TOPIC: topics.dlq,
    PARLEY_CONVERSATIONS_TOPIC: topics.conversations,
    PARLEY_IDENTITY_DECISIONS_TOPIC: topics.decisions,
    PARLEY_NDJSON_PATH: join(mkdtempSync(join(tmpdir(), 'crm-sink-')), 'records.ndjson'),
    ...extra,
  };
}

export async function startSink(env: Record<string, string>): Promise<ServiceProcess> {
  return spawnService({ entry, env, startTimeoutMs: 60_000 });
}

export async function produce(
  kafka: TestKafka,
  topic: string,
  values: readonly (ClassificationV1 | string)[],
): Promise<void> {
  const producer = kafka.client().producer();
  await producer.connect();
  await producer.send({
    topic,
    acks: -1,
    messages: values.map((value) => ({
      key: typeof value === 'string' ? 'garbage' : value.message.roomId,
      value: typeof value === 'string' ? value : JSON.stringify(value),
    })),
  });
  await producer.disconnect();
}

/** Waits until the sink's group has committed every offset of the topic. */
export function waitForCommitted(kafka: TestKafka, groupId: string, topic: string, timeoutMs = 90_000) {
  return kafka.waitForCommitted(groupId, topic, timeoutMs);
}
