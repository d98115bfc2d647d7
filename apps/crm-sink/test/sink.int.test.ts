import { readFileSync } from 'node:fs';
import { DeadLetterV1, type ClassificationV1, type RoomStateV1 } from '@parley/contracts';
import {
  readinessOf,
  runServiceToExit,
  sampleLabel,
  sampleRetraction,
  startKafka,
  waitFor,
  type ServiceProcess,
  type TestKafka,
} from '@parley/testing';
import { startContractServer, type ContractServer } from '@parley/twenty-contract-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { entry, produce, sinkEnv, sinkTopics, startSink, waitForCommitted, type SinkTopics } from './harness.ts';

const KEY = 'sink-test-key';

/** A day of conversations: `rooms` WhatsApp DMs, each a customer with `perRoom` labelled messages and an agent reply. */
function conversations(rooms: number, perRoom: number, day = '2026-11-02'): ClassificationV1[] {
  const out: ClassificationV1[] = [];
  for (let r = 0; r < rooms; r++) {
    const phone = `+49151${String(1_000_000 + r)}`;
    const roomId = `!dm-${String(r)}:parley.test`;
    for (let m = 0; m < perRoom; m++) {
      const sentAt = new Date(Date.parse(`${day}T08:00:00Z`) + (m * 60 + r) * 1000).toISOString();
      const unhappy = m === 1 && r % 2 === 0;
      out.push(
        sampleLabel({
          roomId,
          eventId: `$${day}-${String(r)}-${String(m)}`,
          from: { phone, name: `Customer ${String(r)}` },
          sentAt,
          intent: unhappy ? 'complaint' : 'order_status',
          sentiment: unhappy ? 'negative' : 'neutral',
        }),
      );
    }
    out.push(
      sampleLabel({
        roomId,
        eventId: `$${day}-${String(r)}-reply`,
        from: 'business',
        sentAt: new Date(Date.parse(`${day}T08:30:00Z`) + r * 1000).toISOString(),
        intent: 'other',
      }),
    );
  }
  return out;
}

describe('crm-sink (real Kafka, Twenty contract server)', () => {
  let kafka: TestKafka;
  let twenty: ContractServer;
  let topics: SinkTopics;
  const sinks: ServiceProcess[] = [];
  const start = async (extra: Record<string, string> = {}) => {
    const env = sinkEnv(kafka, topics, { PARLEY_TWENTY_URL: twenty.url, PARLEY_TWENTY_API_KEY: KEY, ...extra });
    const sink = await startSink(env);
    sinks.push(sink);
    return { sink, env };
  };
  const stopAll = async () => {
    for (const sink of sinks.splice(0)) expect(await sink.stop('SIGTERM'), sink.stderr()).toBe(0);
  };

  beforeAll(async () => {
    kafka = await startKafka();
  });
  afterEach(async () => {
    await stopAll();
    await twenty.close();
  });
  afterAll(async () => {
    for (const sink of sinks) await sink.stop('SIGKILL');
  });

  it('turns the classification topic into people, chat messages and follow-ups, and a replay from the start adds nothing', async () => {
    twenty = await startContractServer({ apiKey: KEY, rateLimits: null });
    topics = await sinkTopics(kafka);
    const room: RoomStateV1 = {
      schemaVersion: 1,
      roomId: '!dm-0:parley.test',
      homeserver: 'parley.test',
      name: 'Customer 0 (WA)',
      channel: { protocol: 'whatsapp', roomType: 'dm' },
      updatedAt: '2026-11-01T00:00:00.000Z',
      updatedBy: '$state',
    };
    const rooms = kafka.client().producer();
    await rooms.connect();
    await rooms.send({ topic: topics.rooms, acks: -1, messages: [{ key: room.roomId, value: JSON.stringify(room) }] });
    await rooms.disconnect();

    const labels = conversations(6, 5);
    const redacted = labels[0];
    if (redacted?.kind !== 'label') throw new Error('fixture');
    await produce(kafka, topics.input, [...labels, sampleRetraction(redacted), 'not json at all']);
    const { env } = await start({ PARLEY_CRM_BATCH: '25' });
    await waitForCommitted(kafka, env.PARLEY_KAFKA_GROUP_ID ?? '', topics.input);

    const people = twenty.records('person');
    expect(people).toHaveLength(6);
    // Each person's rollup, in the fields the bootstrap made: one conversation answered after 30 minutes.
    for (const person of people) {
      expect(person.conversationCount).toBe(1);
      expect(typeof person.medianFirstResponseMinutes).toBe('number');
      expect(typeof person.engagementScore).toBe('number');
      expect(['new', 'at-risk', 'dormant', 'active']).toContain(person.parleySegment);
      expect(String(person.firstContactAt)).toMatch(/^2026-11-02T08:/);
    }
    // Five messages each, one of them redacted.
    expect(people.map((p) => p.messageCount).sort()).toEqual([4, 5, 5, 5, 5, 5]);
    const messages = twenty.records('chatMessage');
    expect(messages).toHaveLength(36);
    expect(messages.filter((m) => m.direction === 'OUTBOUND')).toHaveLength(6);
    const first = messages.find((m) => m.externalId === redacted.message.eventId);
    expect(first).toMatchObject({ text: '', intent: null, room: 'Customer 0 (WA)' });
    expect(first?.redactedAt).not.toBeNull();
    // Complaints in rooms 0, 2, 4 (one task each); every customer got a reply in time.
    expect(twenty.records('task')).toHaveLength(3);
    expect(twenty.records('taskTarget')).toHaveLength(3);
    const dead = await kafka.collect(topics.dlq, (records) => records.length >= 1, 30_000);
    expect(DeadLetterV1.parse(dead[0]?.value)).toMatchObject({ reason: 'invalid_input', stage: 'crm-sink' });

    // Replay everything with a new consumer group (and the sink's saved episode memory).
    await stopAll();
    const snapshot = JSON.stringify({ p: twenty.records('person'), t: twenty.records('task') });
    const replay = await start({ PARLEY_CRM_BATCH: '25' });
    await waitForCommitted(kafka, replay.env.PARLEY_KAFKA_GROUP_ID ?? '', topics.input);
    expect(twenty.records('person')).toHaveLength(6);
    expect(twenty.records('chatMessage')).toHaveLength(36);
    expect(twenty.records('task')).toHaveLength(3);
    expect(twenty.records('taskTarget')).toHaveLength(3);
    const after = JSON.parse(JSON.stringify({ p: twenty.records('person'), t: twenty.records('task') })) as {
      p: { id: string; lastIntent: string }[];
    };
    const before = JSON.parse(snapshot) as typeof after;
    expect(after.p.map((p) => [p.id, p.lastIntent])).toEqual(before.p.map((p) => [p.id, p.lastIntent]));
  }, 240_000);

  it('loses nothing through 429 storms and a Twenty outage, and meets no 429 from Twenty’s throttler', async () => {
    // Twenty's refill arithmetic at a tenth of a minute's limit per second (600 per minute), so the
    // test runs in seconds; the sink is told the same limits and paces itself by them.
    const limits = { shortLimit: 100, shortTtlMs: 1_000, longLimit: 60, longTtlMs: 6_000 };
    twenty = await startContractServer({ apiKey: KEY, rateLimits: limits });
    topics = await sinkTopics(kafka);
    twenty.faults.rateLimitStorm = 8;
    const { sink, env } = await start({
      PARLEY_CRM_BATCH: '20',
      PARLEY_TWENTY_RATE_LIMIT: String(limits.longLimit),
      PARLEY_TWENTY_RATE_WINDOW_MS: String(limits.longTtlMs),
      PARLEY_TWENTY_RATE_SHORT_LIMIT: String(limits.shortLimit),
      PARLEY_TWENTY_RATE_SHORT_WINDOW_MS: String(limits.shortTtlMs),
      PARLEY_TWENTY_BACKOFF_MAX_MS: '2000',
    });
    await produce(kafka, topics.input, conversations(10, 10, '2026-11-03'));
    await waitFor('first writes', () => (twenty.records('chatMessage').length > 0 ? true : undefined), {
      timeoutMs: 60_000,
    });
    // Twenty goes down for a while in the middle of the traffic.
    twenty.faults.outage = true;
    await produce(kafka, topics.input, conversations(10, 10, '2026-11-04'));
    await waitFor(
      'the sink to notice the outage',
      () => (twenty.requests.some((r) => r.status === 503) ? true : undefined),
      { timeoutMs: 30_000 },
    );
    const outageSeen = twenty.requests.length;
    await waitFor(
      'two more retries during the outage',
      () => (twenty.requests.length >= outageSeen + 2 ? true : undefined),
      { timeoutMs: 30_000 },
    );
    twenty.faults.outage = false;
    await waitForCommitted(kafka, env.PARLEY_KAFKA_GROUP_ID ?? '', topics.input, 180_000);

    expect(twenty.records('chatMessage')).toHaveLength(220);
    expect(twenty.records('person')).toHaveLength(10);
    // The storm's eight, and not one from the throttler itself.
    expect(twenty.requests.filter((r) => r.status === 429)).toHaveLength(8);
    expect((await readinessOf(sink)).status).toBe(200);
  }, 300_000);

  it('links every message and task to its own person when new and existing people share a batch', async () => {
    twenty = await startContractServer({ apiKey: KEY, rateLimits: null });
    topics = await sinkTopics(kafka);
    // One partition: the rooms of all four customers reach the sink in one run, so one people batch.
    topics.input = await kafka.createTopic('classifications-one', 1);
    const phone = (i: number) => `+4915120000${String(i)}`;
    const say = (i: number, n: number, complaint = false) =>
      sampleLabel({
        roomId: `!mixed-${String(i)}:parley.test`,
        eventId: `$mixed-${String(i)}-${String(n)}`,
        from: { phone: phone(i), name: `Mixed ${String(i)}` },
        sentAt: new Date(Date.parse('2026-11-07T08:00:00Z') + n * 60_000 + i * 1000).toISOString(),
        intent: complaint ? 'complaint' : 'order_status',
        sentiment: complaint ? 'negative' : 'neutral',
      });
    // Customers 0 and 1 exist already; 2 and 3 are new and come first in the next batch.
    const existing = await start({ PARLEY_CRM_BATCH: '1000' });
    await produce(kafka, topics.input, [say(0, 0), say(1, 0)]);
    await waitForCommitted(kafka, existing.env.PARLEY_KAFKA_GROUP_ID ?? '', topics.input);
    await stopAll();
    await produce(kafka, topics.input, [say(2, 1), say(3, 1, true), say(0, 2), say(1, 2), say(2, 3), say(3, 3)]);
    const again = await start({
      PARLEY_CRM_BATCH: '1000',
      PARLEY_KAFKA_GROUP_ID: existing.env.PARLEY_KAFKA_GROUP_ID ?? '',
    });
    await waitForCommitted(kafka, again.env.PARLEY_KAFKA_GROUP_ID ?? '', topics.input);

    const phoneOf = new Map(twenty.records('person').map((p) => [p.id, p.whatsappId]));
    expect(phoneOf.size).toBe(4);
    const messages = twenty.records('chatMessage');
    expect(messages).toHaveLength(8);
    for (const message of messages) {
      const customer = Number(/^\$mixed-(\d)-/.exec(String(message.externalId))?.[1]);
      expect([message.externalId, phoneOf.get(String(message.personId))]).toEqual([
        message.externalId,
        phone(customer),
      ]);
    }
    expect(twenty.records('taskTarget').map((t) => phoneOf.get(String(t.targetPersonId)))).toEqual([phone(3)]);
  }, 180_000);

  it('renames a room’s records once when its name arrives after its messages', async () => {
    twenty = await startContractServer({ apiKey: KEY, rateLimits: null });
    topics = await sinkTopics(kafka);
    const { env } = await start();
    await produce(kafka, topics.input, conversations(2, 3, '2026-11-08'));
    await waitForCommitted(kafka, env.PARLEY_KAFKA_GROUP_ID ?? '', topics.input);
    const roomOf = (r: number) => `!dm-${String(r)}:parley.test`;
    expect(
      twenty
        .records('chatMessage')
        .filter((m) => m.roomId === roomOf(0))
        .map((m) => m.room),
    ).toEqual(Array.from({ length: 4 }, () => roomOf(0)));
    const room: RoomStateV1 = {
      schemaVersion: 1,
      roomId: roomOf(0),
      homeserver: 'parley.test',
      name: 'Customer 0',
      rawName: 'Customer 0 (WA)',
      channel: { protocol: 'whatsapp', roomType: 'dm', kind: 'dm', conversation: true },
      updatedAt: '2026-11-08T09:00:00.000Z',
      updatedBy: '$state',
    };
    const producer = kafka.client().producer();
    await producer.connect();
    await producer.send({
      topic: topics.rooms,
      acks: -1,
      messages: [{ key: room.roomId, value: JSON.stringify(room) }],
    });
    await producer.disconnect();
    await waitFor(
      'the room’s records to carry its name',
      () => {
        const names = twenty
          .records('chatMessage')
          .filter((m) => m.roomId === roomOf(0))
          .map((m) => m.room);
        return names.length === 4 && names.every((n) => n === 'Customer 0') ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
    // The other room keeps its id as name, and the rename was one read and one write, not one per message.
    expect(
      new Set(
        twenty
          .records('chatMessage')
          .filter((m) => m.roomId === roomOf(1))
          .map((m) => m.room),
      ),
    ).toEqual(new Set([roomOf(1)]));
    const renames = twenty.requests.filter((r) => r.path === '/rest/chatMessages' && r.method === 'GET');
    expect(renames.length).toBeLessThanOrEqual(2);
  }, 120_000);

  it('keeps writing with a key that may not read the data model, and says so in /readyz', async () => {
    twenty = await startContractServer({ apiKey: KEY, rateLimits: null });
    topics = await sinkTopics(kafka);
    // An admin bootstrapped the workspace; the sink's key may only write records.
    const admin = await runServiceToExit(entry, { PARLEY_TWENTY_URL: twenty.url, PARLEY_TWENTY_API_KEY: KEY }, 60_000, [
      'bootstrap',
    ]);
    expect(admin.code, admin.stderr).toBe(0);
    twenty.permissions.dataModel = false;
    const { sink, env } = await start();
    await produce(kafka, topics.input, conversations(2, 2, '2026-11-09'));
    await waitForCommitted(kafka, env.PARLEY_KAFKA_GROUP_ID ?? '', topics.input);
    expect(twenty.records('chatMessage')).toHaveLength(6);
    const report = await readinessOf(sink);
    expect(report.status).toBe(200);
    expect(JSON.stringify(report.body)).toContain('lacks the Data model permission');
    expect(JSON.stringify(sink.logs)).toContain('GET /rest/metadata/objects');
  }, 120_000);

  it('stops writing and reports it in /readyz when Twenty rejects the API key', async () => {
    twenty = await startContractServer({ apiKey: 'the-real-key', rateLimits: null });
    topics = await sinkTopics(kafka);
    await produce(kafka, topics.input, conversations(1, 2, '2026-11-05'));
    const { sink } = await start({ PARLEY_TWENTY_BOOTSTRAP: 'false' });
    const ready = await waitFor(
      'readyz to report the rejected key',
      async () => {
        const report = await readinessOf(sink);
        return JSON.stringify(report.body).includes('rejected the credentials') ? report : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(ready.status).toBe(503);
    expect(twenty.records('chatMessage')).toHaveLength(0);
    expect(JSON.stringify(sink.logs)).not.toContain(KEY);
  }, 120_000);

  it('writes NDJSON records when no Twenty URL is configured', async () => {
    twenty = await startContractServer({ apiKey: KEY, rateLimits: null });
    topics = await sinkTopics(kafka);
    await produce(kafka, topics.input, conversations(2, 3, '2026-11-06'));
    const env = sinkEnv(kafka, topics, {});
    const sink = await startSink(env);
    sinks.push(sink);
    await waitForCommitted(kafka, env.PARLEY_KAFKA_GROUP_ID ?? '', topics.input);
    const lines = readFileSync(env.PARLEY_NDJSON_PATH ?? '', 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; key: string });
    expect(new Set(lines.filter((l) => l.kind === 'message').map((l) => l.key)).size).toBe(8);
    expect(new Set(lines.filter((l) => l.kind === 'contact').map((l) => l.key))).toEqual(
      new Set(['whatsapp:+491511000000', 'whatsapp:+491511000001']),
    );
    expect(twenty.requests).toHaveLength(0);
  }, 120_000);
});
