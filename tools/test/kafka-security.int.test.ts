import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClassificationV1, eventRecord } from '@parley/contracts';
import {
  readinessOf,
  sampleMatrixEvent,
  spawnService,
  startSecureKafka,
  uniqueName,
  waitFor,
  type SecureTestKafka,
  type ServiceProcess,
} from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const classifierEntry = fileURLToPath(new URL('../../apps/classifier/src/main.ts', import.meta.url));
const sinkEntry = fileURLToPath(new URL('../../apps/crm-sink/src/main.ts', import.meta.url));

/**
 * Real Kafka with a SASL_SSL listener and ACLs on (nothing is allowed without an ACL). Each service
 * gets a user of its own with the least it needs, as the chart's KafkaUsers give them.
 */
describe('Kafka with TLS, SASL and ACLs (real broker)', () => {
  let kafka: SecureTestKafka;
  const topics = {
    events: '',
    classifications: '',
    classifierDlq: '',
    rooms: '',
    state: '',
    sinkDlq: '',
    conversations: '',
    decisions: '',
  };
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    kafka = await startSecureKafka();
    topics.events = await kafka.createTopic('events', 3);
    topics.classifications = await kafka.createTopic('classifications', 3);
    topics.classifierDlq = await kafka.createTopic('classifications-dlq', 1);
    topics.rooms = await kafka.createTopic('rooms', 3);
    topics.state = await kafka.createTopic('crm-state', 1);
    topics.sinkDlq = await kafka.createTopic('crm-dlq', 1);
    topics.conversations = await kafka.createTopic('conversations', 3);
    topics.decisions = await kafka.createTopic('identity-decisions', 1);
  }, 300_000);

  afterAll(async () => {
    for (const service of running) expect(await service.stop('SIGTERM'), service.stderr()).toBe(0);
  });

  const secureEnv = (user: string, password: string, mechanism: string): Record<string, string> => ({
    PARLEY_HTTP_HOST: '127.0.0.1',
    PARLEY_LOG_LEVEL: 'info',
    PARLEY_KAFKA_BROKERS: kafka.secureBrokers.join(','),
    PARLEY_KAFKA_CREATE_TOPICS: 'false',
    PARLEY_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    PARLEY_KAFKA_SSL_CA_FILE: kafka.caFile,
    PARLEY_KAFKA_SASL_MECHANISM: mechanism,
    PARLEY_KAFKA_SASL_USERNAME: user,
    PARLEY_KAFKA_SASL_PASSWORD: password,
  });

  const classifierEnv = (group: string, security: Record<string, string>): Record<string, string> => ({
    ...security,
    PARLEY_KAFKA_GROUP_ID: group,
    PARLEY_INPUT_TOPIC: topics.events,
    PARLEY_OUTPUT_TOPIC: topics.classifications,
    PARLEY_DLQ_TOPIC: topics.classifierDlq,
    PARLEY_CLASSIFIER_BACKEND: 'baseline',
  });

  const start = async (entry: string, env: Record<string, string>) => {
    const service = await spawnService({ entry, env, startTimeoutMs: 60_000 });
    running.push(service);
    return service;
  };

  const produceEvent = async (text: string) => {
    const event = sampleMatrixEvent({
      roomId: `!${uniqueName('room')}:parley.test`,
      message: { msgtype: 'm.text', text },
    });
    const record = eventRecord(event);
    const producer = kafka.client().producer();
    await producer.connect();
    await producer.send({
      topic: topics.events,
      acks: -1,
      messages: [{ key: record.key, value: JSON.stringify(record.value), headers: record.headers }],
    });
    await producer.disconnect();
    return event;
  };

  const labelOf = async (eventId: string, timeoutMs = 90_000) =>
    kafka.collect(
      topics.classifications,
      (records) => records.some((r) => ClassificationV1.parse(r.value).sourceEventId === eventId),
      timeoutMs,
    );

  it('the classifier (SCRAM-SHA-512) and the sink (SCRAM-SHA-256) each work with their own user and least privilege', async () => {
    const classifierUser = uniqueName('classifier');
    const sinkUser = uniqueName('crm-sink');
    const classifierGroup = uniqueName('classifier-group');
    const sinkGroup = uniqueName('sink-group');
    await kafka.addScramUser(classifierUser, 'classifier-secret', 'SCRAM-SHA-512');
    await kafka.addScramUser(sinkUser, 'sink-secret', 'SCRAM-SHA-256');
    await kafka.grant(classifierUser, {
      read: [topics.events],
      write: [topics.classifications, topics.classifierDlq],
      groups: [classifierGroup],
    });
    await kafka.grant(sinkUser, {
      read: [topics.classifications, topics.rooms, topics.state, topics.conversations, topics.decisions],
      write: [topics.state, topics.sinkDlq, topics.conversations],
      // Its consumer group, and the short-lived groups that follow room names and read back its state.
      groups: [sinkGroup, 'parley-follower-*', 'parley-range-reader-*'],
    });
    await start(
      classifierEntry,
      classifierEnv(classifierGroup, secureEnv(classifierUser, 'classifier-secret', 'SCRAM-SHA-512')),
    );
    const ndjson = join(mkdtempSync(join(tmpdir(), 'secure-sink-')), 'records.ndjson');
    await start(sinkEntry, {
      ...secureEnv(sinkUser, 'sink-secret', 'SCRAM-SHA-256'),
      PARLEY_KAFKA_GROUP_ID: sinkGroup,
      PARLEY_INPUT_TOPIC: topics.classifications,
      PARLEY_ROOMS_TOPIC: topics.rooms,
      PARLEY_STATE_TOPIC: topics.state,
      PARLEY_DLQ_TOPIC: topics.sinkDlq,
      PARLEY_CONVERSATIONS_TOPIC: topics.conversations,
      PARLEY_IDENTITY_DECISIONS_TOPIC: topics.decisions,
      PARLEY_NDJSON_PATH: ndjson,
    });
    const event = await produceEvent('Please cancel my subscription');
    await labelOf(event.eventId);
    const written = await waitFor(
      'the label written by the sink',
      () => {
        const text = existsSync(ndjson) ? readFileSync(ndjson, 'utf8') : '';
        return text.includes(event.eventId) ? text : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(written).toContain('"kind":"message"');
  }, 300_000);

  it('a wrong password or an unknown CA leaves the service running, not ready, saying why', async () => {
    const user = uniqueName('classifier');
    await kafka.addScramUser(user, 'right-password', 'SCRAM-SHA-512');
    const wrongPassword = await start(
      classifierEntry,
      classifierEnv(uniqueName('g'), secureEnv(user, 'wrong-password', 'SCRAM-SHA-512')),
    );
    const { PARLEY_KAFKA_SSL_CA_FILE: _ca, ...withoutCa } = secureEnv(user, 'right-password', 'SCRAM-SHA-512');
    const unknownCa = await start(classifierEntry, classifierEnv(uniqueName('g'), withoutCa));
    const reasonOf = async (service: ServiceProcess, pattern: RegExp) =>
      waitFor(
        `/readyz to say ${String(pattern)}`,
        async () => {
          const { status, body } = await readinessOf(service);
          const detail = body.dependencies['kafka']?.detail ?? '';
          return status === 503 && pattern.test(detail) ? detail : undefined;
        },
        { timeoutMs: 60_000 },
      );
    expect(await reasonOf(wrongPassword, /^waiting for Kafka at .*: .*SCRAM SHA512 authentication failed/)).toMatch(
      /invalid credentials/,
    );
    expect(await reasonOf(unknownCa, /^waiting for Kafka at .*: .*certificate/)).toMatch(/self-signed certificate/);
    // Still running and still trying: no crash loop for the orchestrator to restart.
    expect(wrongPassword.child.exitCode).toBeNull();
    expect(unknownCa.child.exitCode).toBeNull();
  }, 180_000);

  it('a service writing to a topic its ACL forbids gets a clear error and loses nothing', async () => {
    const user = uniqueName('classifier');
    const group = uniqueName('classifier-group');
    await kafka.addScramUser(user, 'secret', 'SCRAM-SHA-512');
    // It may read the events but not yet write the labels.
    await kafka.grant(user, { read: [topics.events], write: [topics.classifierDlq], groups: [group] });
    const service = await start(classifierEntry, classifierEnv(group, secureEnv(user, 'secret', 'SCRAM-SHA-512')));
    const event = await produceEvent('Where is my order? It never arrived');
    // The consumer stops at the event, and /readyz names the topic and the refusal.
    const said = await waitFor(
      'the authorization error in /readyz',
      async () => {
        const detail = (await readinessOf(service)).body.dependencies['kafka']?.detail ?? '';
        return detail.includes('Not authorized') ? detail : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(said).toContain(topics.classifications);
    // Granted the write, the very same event is labelled: it was never committed past.
    await kafka.grant(user, { write: [topics.classifications] });
    await labelOf(event.eventId, 120_000);
  }, 240_000);
});
