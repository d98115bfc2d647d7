import { fileURLToPath } from 'node:url';
import { ClassificationV1, eventRecord, type MatrixEventV1 } from '@parley/contracts';
import {
  DEFAULT_TEST_MODEL,
  sampleMatrixEvent,
  spawnService,
  startKafka,
  startOllama,
  stopComponent,
  uniqueName,
  waitFor,
  type ServiceProcess,
  type TestKafka,
  type TestOllama,
} from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const ROOM = '!shop:parley.test';
// An Ollama of its own: a test here stops it, which must not disturb other test files.
const OLLAMA_INSTANCE = 'test-faults';

const matrixEvent = (partial: Partial<MatrixEventV1>) => sampleMatrixEvent({ roomId: ROOM, ...partial });

describe('classifier (real Kafka, real Ollama with a small model)', () => {
  let kafka: TestKafka;
  let ollama: TestOllama;
  let classifier: ServiceProcess;
  const topics = { input: '', output: '', dlq: '' };
  const group = uniqueName('classifier');

  const produce = async (events: MatrixEventV1[]) => {
    const producer = kafka.client().producer();
    await producer.connect();
    await producer.send({
      topic: topics.input,
      acks: -1,
      // As ingest writes them: the CloudEvents type names each event's kind.
      messages: events
        .map(eventRecord)
        .map((r) => ({ key: r.key, value: JSON.stringify(r.value), headers: r.headers })),
    });
    await producer.disconnect();
  };
  const outputs = (until: (values: ClassificationV1[]) => boolean, timeoutMs = 240_000) =>
    kafka
      .collect(topics.output, (records) => until(records.map((r) => ClassificationV1.parse(r.value))), timeoutMs)
      .then((records) => records.map((r) => ClassificationV1.parse(r.value)));

  beforeAll(async () => {
    kafka = await startKafka();
    ollama = await startOllama(OLLAMA_INSTANCE);
    topics.input = await kafka.createTopic('events', 3);
    topics.output = await kafka.createTopic('classifications', 3);
    topics.dlq = await kafka.createTopic('classifications-dlq', 1);
    classifier = await spawnService({
      entry,
      env: {
        PARLEY_KAFKA_BROKERS: kafka.brokers.join(','),
        PARLEY_KAFKA_GROUP_ID: group,
        PARLEY_KAFKA_CREATE_TOPICS: 'false',
        PARLEY_INPUT_TOPIC: topics.input,
        PARLEY_OUTPUT_TOPIC: topics.output,
        PARLEY_DLQ_TOPIC: topics.dlq,
        PARLEY_OLLAMA_URL: ollama.url,
        PARLEY_OLLAMA_MODEL: DEFAULT_TEST_MODEL,
        PARLEY_CONTEXT_TURNS: '2',
      },
    });
  });

  afterAll(async () => {
    await startOllama(OLLAMA_INSTANCE); // restarted if a test stopped it
    const code = await classifier.stop('SIGTERM');
    await stopComponent('ollama', OLLAMA_INSTANCE);
    expect(code, classifier.stderr()).toBe(0);
  });

  it('labels messages with schema-valid classifications, re-labels an edit, retracts a redaction, and commits offsets', async () => {
    const first = matrixEvent({ message: { msgtype: 'm.text', text: 'My order never arrived, I want a refund!' } });
    const photo = matrixEvent({ message: { msgtype: 'm.image', fileName: 'IMG_1.jpg' } });
    const edit = matrixEvent({
      kind: 'edit',
      relation: { type: 'replace', eventId: first.eventId },
      message: { msgtype: 'm.text', text: 'My order arrived broken, I want a refund!' },
    });
    const reaction = matrixEvent({
      kind: 'reaction',
      type: 'm.reaction',
      relation: { type: 'annotation', eventId: first.eventId, key: '👍' },
    });
    const redaction = matrixEvent({ kind: 'redaction', type: 'm.room.redaction', redacts: photo.eventId });
    await produce([first, photo, edit, reaction, redaction]);

    const values = await outputs((v) => v.some((c) => c.sourceEventId === redaction.eventId));
    const bySource = new Map(values.map((v) => [v.sourceEventId, v]));
    expect(bySource.get(first.eventId)).toMatchObject({
      kind: 'label',
      message: { eventId: first.eventId },
      lineage: { backend: 'llm', model: DEFAULT_TEST_MODEL },
    });
    expect(bySource.get(photo.eventId)).toMatchObject({
      kind: 'label',
      intent: { label: 'other' },
      sentiment: { label: 'neutral' },
    });
    expect(bySource.get(edit.eventId)).toMatchObject({
      kind: 'label',
      message: { eventId: first.eventId, text: 'My order arrived broken, I want a refund!' },
    });
    expect(bySource.get(redaction.eventId)).toMatchObject({ kind: 'retraction', message: { eventId: photo.eventId } });
    expect(bySource.has(reaction.eventId)).toBe(false);
    // In input order within the room.
    expect(values.map((v) => v.sourceEventId)).toEqual([first.eventId, photo.eventId, edit.eventId, redaction.eventId]);

    const admin = kafka.client().admin();
    await admin.connect();
    const committed = await waitFor('offsets committed', async () => {
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topics.input] });
      const total = (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
      return total >= 5 ? total : undefined;
    });
    await admin.disconnect();
    expect(committed).toBe(5);
  }, 300_000);

  it('waits while Ollama is down, shows it in /readyz, and loses nothing when it returns', async () => {
    await stopComponent('ollama', OLLAMA_INSTANCE);
    const messages = [
      'Can I book an appointment for Tuesday?',
      'Please cancel my subscription',
      'Thanks, you were very helpful',
    ].map((text) => matrixEvent({ roomId: '!outage:parley.test', message: { msgtype: 'm.text', text } }));
    await produce(messages);
    await waitFor(
      'readyz to report the backend down',
      async () => {
        const body = (await (await fetch(`${classifier.url}/readyz`)).json()) as {
          dependencies: Record<string, { ready: boolean }>;
        };
        return body.dependencies['backend']?.ready === false ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await startOllama(OLLAMA_INSTANCE);
    const ids = messages.map((m) => m.eventId);
    const values = await outputs((v) => ids.every((id) => v.some((c) => c.sourceEventId === id)));
    const labelled = values.filter((v) => ids.includes(v.sourceEventId));
    expect(labelled.map((v) => v.sourceEventId)).toEqual(ids);
    expect(labelled.every((v) => v.kind === 'label')).toBe(true);
  }, 300_000);
});
