import { fileURLToPath } from 'node:url';
import { ConversationV1, RoomStateV1, TOPICS } from '@parley/contracts';
import {
  DEFAULT_TEST_MODEL,
  serviceTestEnv,
  spawnService,
  startIngestHomeserver,
  startFreshKafka,
  startOllama,
  uniqueName,
  waitFor,
  type IngestHomeserver,
  type ServiceProcess,
  type TestKafka,
} from '@parley/testing';
import { startContractServer, type ContractServer } from '@parley/twenty-contract-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardMetrics } from '../charts/dashboard.ts';
import { startOtlpReceiver } from './otlp-receiver.ts';

const entry = (app: string) => fileURLToPath(new URL(`../../apps/${app}/src/main.ts`, import.meta.url));
const TWENTY_KEY = 'e2e-twenty-key';
// A Kafka and a Synapse of their own: an empty broker (the services use the default topic names and
// groups, so an earlier run's people and conversations would come back), and a Synapse restarted with
// these registrations only.
const INSTANCE = 'e2e';

describe('the whole pipeline: Synapse → ingest → Kafka → classifier → Kafka → crm-sink → Twenty', () => {
  const processes: ServiceProcess[] = [];
  let twenty: ContractServer;
  let kafka: TestKafka;
  let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let home: IngestHomeserver;
  const phone = `49151${String(Date.now()).slice(-7)}`;
  const ids: Record<string, string> = {};
  const texts = {
    order: 'Hola, ¿dónde está mi pedido?',
    edited: 'Hello, where is my order #4711?',
    complaint: 'This is the third time it arrived broken. Terrible service, I want to complain!',
    again: 'Still broken. Awful, I am very angry.',
    secret: 'my card number is 4111 1111 1111 1111',
    reply: 'Sorry about that! We are checking your order now.',
  };

  beforeAll(async () => {
    kafka = await startFreshKafka(INSTANCE);
    const ollama = await startOllama();
    const llmOutputTopic = await kafka.createTopic('e2e-llm-classifications', 3);
    otlp = await startOtlpReceiver();
    twenty = await startContractServer({ apiKey: TWENTY_KEY, rateLimits: null });
    home = await startIngestHomeserver(entry('ingest'), INSTANCE);
    const { synapse } = home;
    const common = {
      ...serviceTestEnv(kafka.brokers, 'info'),
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
    const llmGroup = uniqueName('parley-classifier-llm');
    processes.push(
      await spawnService({
        entry: entry('ingest'),
        env: {
          ...common,
          ...home.ingestEnv,
          PARLEY_BUSINESS_USERS_REGEX: '^@agent',
        },
      }),
      // The baseline backend labels deterministically, so "a complaint raises one task" is a statement
      // about the pipeline, not about a 135M-parameter model (the LLM path has its own tests).
      await spawnService({
        entry: entry('classifier'),
        env: { ...common, PARLEY_CLASSIFIER_BACKEND: 'baseline' },
      }),
      await spawnService({
        entry: entry('crm-sink'),
        env: {
          ...common,
          PARLEY_TWENTY_URL: twenty.url,
          PARLEY_TWENTY_API_KEY: TWENTY_KEY,
          PARLEY_KAFKA_MAX_WAIT_MS: '200',
        },
      }),
    );
    // The events topic already holds this run's first events: that group starts at its end.
    await startGroupAtEnd(kafka, llmGroup, TOPICS.matrixEvents);
    // A second classifier on the LLM backend, in a group of its own and writing to a topic of its own:
    // it proves the trace reaches the Ollama call without making labels depend on the small model.
    processes.push(
      await spawnService({
        entry: entry('classifier'),
        env: {
          ...common,
          OTEL_SERVICE_NAME: 'classifier-llm',
          PARLEY_CLASSIFIER_BACKEND: 'llm',
          PARLEY_OLLAMA_URL: ollama.url,
          PARLEY_OLLAMA_MODEL: DEFAULT_TEST_MODEL,
          PARLEY_KAFKA_GROUP_ID: llmGroup,
          PARLEY_OUTPUT_TOPIC: llmOutputTopic,
        },
      }),
    );

    const staff = await synapse.registerUser('agent');
    const customer = await home.bridge.registerGhost(phone, 'Maria Lopez');
    const roomId = await home.bridge.createDmPortal(phone, staff.userId);
    await staff.request('POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});
    ids.room = roomId;
    ids.order = await home.bridge.send(customer, roomId, { msgtype: 'm.text', body: texts.order });
    ids.complaint = await home.bridge.send(customer, roomId, { msgtype: 'm.text', body: texts.complaint });
    ids.again = await home.bridge.send(customer, roomId, { msgtype: 'm.text', body: texts.again });
    ids.secret = await home.bridge.send(customer, roomId, { msgtype: 'm.text', body: texts.secret });
    await home.bridge.send(customer, roomId, {
      msgtype: 'm.text',
      body: `* ${texts.edited}`,
      'm.new_content': { msgtype: 'm.text', body: texts.edited },
      'm.relates_to': { rel_type: 'm.replace', event_id: ids.order },
    });
    await home.bridge.redact(customer, roomId, ids.secret);
    const { event_id } = await staff.request<{ event_id: string }>(
      'PUT',
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${uniqueName('txn')}`,
      { msgtype: 'm.text', body: texts.reply },
    );
    ids.reply = event_id;

    // Everything has arrived once the redaction and the edit are in the CRM too.
    await waitFor(
      'the conversation in Twenty',
      () => {
        const records = new Map(twenty.records('chatMessage').map((r) => [String(r.externalId), r]));
        const done =
          ['order', 'complaint', 'again', 'secret', 'reply'].every((k) => records.has(ids[k] ?? '')) &&
          records.get(ids.secret ?? '')?.redactedAt !== null &&
          records.get(ids.order ?? '')?.text === texts.edited;
        return done ? records : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    // ...and the sink has finished every batch (follow-ups are written after the messages of a batch).
    await kafka.waitForCommitted('parley-crm-sink', TOPICS.classifications, 60_000);
  }, 420_000);

  afterAll(async () => {
    for (const process of processes) await process.stop('SIGTERM');
    await twenty.close();
    await otlp.close();
  });

  it('writes each message as a labelled chat-message record on the right person', () => {
    const people = twenty.records('person');
    expect(people, JSON.stringify(people)).toHaveLength(1);
    expect(people[0]).toMatchObject({
      whatsappId: `+${phone}`,
      name: { firstName: 'Maria', lastName: 'Lopez' },
      phones: { primaryPhoneCallingCode: '+49' },
    });
    const messages = new Map(twenty.records('chatMessage').map((r) => [String(r.externalId), r]));
    expect(messages.size).toBe(5);
    for (const record of messages.values()) expect(record.personId).toBe(people[0]?.id);
    expect(messages.get(ids.complaint ?? '')).toMatchObject({
      direction: 'INBOUND',
      sentiment: 'NEGATIVE',
      intent: 'COMPLAINT',
      channel: 'WHATSAPP',
    });
    expect(messages.get(ids.reply ?? '')).toMatchObject({ direction: 'OUTBOUND', text: texts.reply });
  });

  it('puts the portal on the rooms topic once, named and bridged, though its state never passed through ingest', async () => {
    // The bridge set name, topic and m.bridge while creating the portal, before any ghost joined.
    const mine = <T extends { key: string }>(records: T[]) => records.filter((r) => r.key === ids.room);
    const records = mine(await kafka.collect(TOPICS.matrixRooms, (all) => mine(all).length >= 1, 30_000));
    const first = RoomStateV1.parse(records[0]?.value);
    expect(first).toMatchObject({
      roomId: ids.room,
      name: 'Maria Lopez',
      rawName: 'Maria Lopez (WA)',
      topic: 'WhatsApp private chat',
      channel: { protocol: 'whatsapp', kind: 'dm', conversation: true, remoteChatId: `${phone}@s.whatsapp.net` },
      bridge: { receiver: '4930000000' },
    });
    expect(first.bridge?.stateKey).toMatch(/\/whatsapp$/);
    expect(first.createdAt).toEqual(expect.any(String));
    // Later records only when a room-level field changed (the staff member joining), never a repeat.
    const versions = records.map((r) => {
      const { updatedAt: _at, updatedBy: _by, ...rest } = RoomStateV1.parse(r.value);
      return JSON.stringify(rest);
    });
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('writes the room’s name, not its id, into every chat-message record', () => {
    const messages = twenty.records('chatMessage');
    expect(messages.map((m) => m.room)).toEqual(messages.map(() => 'Maria Lopez'));
  });

  it('propagates an edit and a redaction', () => {
    const messages = new Map(twenty.records('chatMessage').map((r) => [String(r.externalId), r]));
    expect(messages.get(ids.order ?? '')?.text).toBe(texts.edited);
    expect(messages.get(ids.secret ?? '')).toMatchObject({ text: '', intent: null, sentiment: null });
  });

  it('raises exactly one follow-up task for the complaints of the conversation, targeting the person', () => {
    const tasks = twenty.records('task');
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ status: 'TODO' });
    expect((tasks[0]?.bodyV2 as { markdown: string }).markdown).toContain(encodeURIComponent(ids.room ?? ''));
    expect(twenty.records('taskTarget')).toEqual([
      expect.objectContaining({ taskId: tasks[0]?.id, targetPersonId: twenty.records('person')[0]?.id }),
    ]);
  });

  it('publishes the conversation with its first response, without the redacted message and without text', async () => {
    const key = `${ids.room ?? ''}/${ids.order ?? ''}`;
    const latest = (records: { key: string; value: unknown }[]) =>
      records.filter((r) => r.key === key).at(-1)?.value as ConversationV1 | undefined;
    const records = await kafka.collect(
      TOPICS.conversations,
      (all) => latest(all)?.messages.business === 1 && latest(all)?.entries.length === 4,
      60_000,
    );
    const conversation = ConversationV1.parse(latest(records));
    expect(conversation).toMatchObject({
      roomId: ids.room,
      personKey: `whatsapp:+${phone}`,
      channel: { protocol: 'whatsapp', kind: 'dm' },
      status: 'open',
      messages: { customer: 3, business: 1 },
      awaitingReplySince: null,
      followUps: ['unhappy-customer'],
    });
    expect(conversation.responseSeconds).toEqual([conversation.firstResponseSeconds]);
    expect(conversation.intents.complaint).toBeGreaterThanOrEqual(1);
    expect(conversation.entries.map((e) => e.eventId)).toEqual([ids.order, ids.complaint, ids.again, ids.reply]);
    // The edit kept its message's place; no text of any message is in the record.
    const text = JSON.stringify(conversation);
    for (const body of Object.values(texts)) expect(text).not.toContain(body);
  });

  /** The first trace (as its `service:span` names) that `matches`; on a timeout, the traces seen. */
  const traceWhere = (description: string, matches: (names: Set<string>) => boolean, timeoutMs: number) =>
    waitFor(description, () => traces(otlp.spans).find(matches), { timeoutMs, intervalMs: 500 }).catch(
      (error: unknown) => {
        const seen = traces(otlp.spans).map((names) => [...names].join(' + '));
        throw new Error(`${(error as Error).message}; traces seen:\n${seen.join('\n')}`);
      },
    );

  it('carries the trace of a transaction into the classifier’s Ollama call', async () => {
    const trace = await traceWhere(
      'a trace from ingest into an Ollama call',
      (names) =>
        names.has('ingest:appservice transaction') &&
        names.has('classifier-llm:process parley.matrix.events.v1') &&
        names.has('classifier-llm:ollama chat'),
      180_000,
    );
    expect(trace.size).toBeGreaterThanOrEqual(3);
  }, 200_000);

  it('carries one trace from the appservice transaction through Kafka into the sink’s Twenty calls', async () => {
    const trace = await traceWhere(
      'a trace through all three services',
      (names) =>
        names.has('ingest:appservice transaction') &&
        names.has('classifier:process parley.matrix.events.v1') &&
        names.has('crm-sink:process parley.classifications.v1') &&
        [...names].some((n) => n.startsWith('crm-sink:twenty POST')),
      30_000,
    );
    expect(trace.size).toBeGreaterThanOrEqual(4);
  });

  it('exposes every metric the shipped Grafana dashboard queries, with flow and lag per topic', async () => {
    const texts = await Promise.all(processes.map(async (p) => (await fetch(`${p.url}/metrics`)).text()));
    const all = texts.join('\n');
    for (const name of dashboardMetrics()) expect(all, name).toContain(`# TYPE ${name} `);
    const [ingest, classifier, sink] = texts;
    expect(ingest).toMatch(/parley_kafka_records_produced_total\{topic="parley\.matrix\.events\.v1"[^}]*\} [1-9]/);
    expect(classifier).toMatch(/parley_kafka_messages_consumed_total\{topic="parley\.matrix\.events\.v1"[^}]*\} [1-9]/);
    expect(classifier).toMatch(/parley_kafka_consumer_lag\{topic="parley\.matrix\.events\.v1",partition="\d"[^}]*\} 0/);
    expect(sink).toMatch(/parley_crm_requests_total\{status="201"[^}]*\} [1-9]/);
  });

  it('refuses a transaction with a wrong hs_token and writes nothing for it', async () => {
    const response = await fetch(
      `http://127.0.0.1:${String(home.port)}/_matrix/app/v1/transactions/${uniqueName('forged')}`,
      {
        method: 'PUT',
        headers: { authorization: 'Bearer not-the-hs-token', 'content-type': 'application/json' },
        body: JSON.stringify({ events: [] }),
      },
    );
    expect(response.status).toBe(403);
  });

  it('logs no token and no message body at info level', () => {
    const logs = processes.map((p) => JSON.stringify(p.logs) + p.stderr()).join('\n');
    expect(logs.length).toBeGreaterThan(1000);
    for (const secret of [home.registration.as_token, home.registration.hs_token, TWENTY_KEY, ...Object.values(texts)])
      expect(logs.includes(secret), `logs contain ${secret.slice(0, 12)}…`).toBe(false);
  });
});

/** Commits the end of `topic` for a new group, so its first consumer starts there. */
async function startGroupAtEnd(kafka: TestKafka, groupId: string, topic: string): Promise<void> {
  const admin = kafka.client().admin();
  await admin.connect();
  try {
    // Real offsets: resetOffsets would commit -1, which a consumer reads as "none" and starts from the beginning.
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** The spans received, grouped by trace, each named `service:span`. */
function traces(spans: readonly { traceId: string; service: string; name: string }[]): Set<string>[] {
  const byTrace = new Map<string, Set<string>>();
  for (const span of spans) {
    const names = byTrace.get(span.traceId) ?? new Set<string>();
    names.add(`${span.service}:${span.name}`);
    byTrace.set(span.traceId, names);
  }
  return [...byTrace.values()];
}
