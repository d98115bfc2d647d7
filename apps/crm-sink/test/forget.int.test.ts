import { createHash } from 'node:crypto';
import { AuditV1, type RoomStateV1 } from '@parley/contracts';
import { runServiceToExit, sampleLabel, startKafka, waitFor } from '@parley/testing';
import { startContractServer } from '@parley/twenty-contract-server';
import { describe, expect, it } from 'vitest';
import { entry, produce, sinkEnv, sinkTopics, startSink } from './harness.ts';

const KEY = 'forget-key';
const ANNA = '+4915100000011';
const BEN = '+4915100000022';

const room = (roomId: string, roomType: 'dm' | 'group', name: string): RoomStateV1 => ({
  schemaVersion: 1,
  roomId,
  homeserver: 'parley.test',
  name,
  channel: { protocol: 'whatsapp', roomType },
  updatedAt: '2026-11-01T00:00:00.000Z',
  updatedBy: '$state',
});

describe('forget: erasure on request (real Kafka, the Twenty contract server)', () => {
  it("removes a person's CRM records, tombstones their direct room and conversations, audits without personal data, and is idempotent", async () => {
    const kafka = await startKafka();
    const twenty = await startContractServer({ apiKey: KEY, rateLimits: null });
    const topics = await sinkTopics(kafka);
    const auditTopic = await kafka.createTopic('audit', 1);
    const env = sinkEnv(kafka, topics, {
      PARLEY_TWENTY_URL: twenty.url,
      PARLEY_TWENTY_API_KEY: KEY,
      PARLEY_AUDIT_TOPIC: auditTopic,
    });
    const rooms = [
      room('!anna-dm:parley.test', 'dm', 'Anna (WA)'),
      room('!shop-group:parley.test', 'group', 'Shop group (WA)'),
      room('!ben-dm:parley.test', 'dm', 'Ben (WA)'),
    ];
    const producer = kafka.client().producer();
    await producer.connect();
    await producer.send({
      topic: topics.rooms,
      acks: -1,
      messages: rooms.map((r) => ({ key: r.roomId, value: JSON.stringify(r) })),
    });
    await producer.disconnect();
    const anna = { phone: ANNA, name: 'Anna Schmidt' };
    await produce(kafka, topics.input, [
      sampleLabel({
        roomId: '!anna-dm:parley.test',
        eventId: '$a1',
        from: anna,
        intent: 'complaint',
        sentiment: 'negative',
      }),
      sampleLabel({ roomId: '!anna-dm:parley.test', eventId: '$a2', from: anna }),
      sampleLabel({ roomId: '!shop-group:parley.test', eventId: '$a3', from: anna }),
      sampleLabel({ roomId: '!ben-dm:parley.test', eventId: '$b1', from: { phone: BEN, name: 'Ben Meyer' } }),
    ]);
    const sink = await startSink(env);
    try {
      await waitFor(
        'four chat messages in Twenty',
        () => (twenty.records('chatMessage').length === 4 ? true : undefined),
        {
          timeoutMs: 90_000,
        },
      );
      await kafka.waitForCommitted(env['PARLEY_KAFKA_GROUP_ID'] ?? '', topics.input);
    } finally {
      expect(await sink.stop('SIGTERM'), sink.stderr()).toBe(0);
    }
    expect(twenty.records('person')).toHaveLength(2);
    const tasksBefore = twenty.records('task').length;
    expect(tasksBefore).toBeGreaterThanOrEqual(1);

    const forget = await runServiceToExit(entry, env, 120_000, ['forget', '--phone', '+49 151 0000 0011']);
    expect(forget.code, forget.stderr).toBe(0);
    expect(JSON.parse(forget.stdout)).toEqual({
      found: true,
      removed: { people: 1, chatMessages: 3, conversations: 2, tasks: tasksBefore, tombstones: 5 },
    });
    // Ben and his message stay; nothing of Anna's does.
    expect(twenty.records('person').map((p) => p['whatsappId'])).toEqual([BEN]);
    expect(twenty.records('chatMessage').map((m) => m['externalId'])).toEqual(['$b1']);
    expect(twenty.records('conversation').map((c) => c['externalId'])).toEqual(['!ben-dm:parley.test/$b1']);
    expect(twenty.records('task')).toHaveLength(0);

    // Her direct room is deleted from the compacted rooms and sink-state topics; the group room is not.
    const latest = async (topic: string) => {
      const total = (await kafka.endOffsets(topic)).reduce((sum, p) => sum + Number(p.offset), 0);
      const records = await kafka.collect(topic, (all) => all.length >= total, 30_000);
      return new Map(records.map((r) => [r.key, r.value]));
    };
    const roomsNow = await latest(topics.rooms);
    expect(roomsNow.get('!anna-dm:parley.test')).toBeNull();
    expect(roomsNow.get('!shop-group:parley.test')).not.toBeNull();
    expect(roomsNow.get('!ben-dm:parley.test')).not.toBeNull();
    const stateNow = await latest(topics.state);
    expect(stateNow.get('room/!anna-dm:parley.test')).toBeNull();
    expect(stateNow.get('room/!ben-dm:parley.test')).not.toBeNull();
    // The identifiers the sink kept for her (her number) go; Ben's stay.
    expect(stateNow.get(`identity/whatsapp:${ANNA}`)).toBeNull();
    expect(stateNow.get(`identity/whatsapp:${BEN}`)).not.toBeNull();
    // Her conversations go (the direct room's, and the group's where she was the customer); Ben's stays.
    const conversationsNow = await latest(topics.conversations);
    expect(conversationsNow.get('!anna-dm:parley.test/$a1')).toBeNull();
    expect(conversationsNow.get('!shop-group:parley.test/$a3')).toBeNull();
    expect(conversationsNow.get('!ben-dm:parley.test/$b1')).toMatchObject({ personKey: `whatsapp:${BEN}` });

    const [audit, ...more] = await kafka.collect(auditTopic, (records) => records.length >= 1, 30_000);
    expect(more).toEqual([]);
    expect(AuditV1.parse(audit?.value)).toMatchObject({
      action: 'erasure',
      subjectSha256: createHash('sha256').update(`phone:${ANNA}`).digest('hex'),
      removed: { people: 1, chatMessages: 3, conversations: 2, tasks: tasksBefore, tombstones: 5 },
    });
    expect(JSON.stringify(audit)).not.toMatch(/4915100000011|Anna/);

    // Asked again: nothing left to remove, and that is recorded too.
    const again = await runServiceToExit(entry, env, 120_000, ['forget', '--phone', ANNA]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      found: false,
      removed: { people: 0, chatMessages: 0, conversations: 0, tasks: 0, tombstones: 0 },
    });
    await twenty.close();
  }, 300_000);

  it('refuses a request that names nobody, or an ambiguous one, with the usage', async () => {
    for (const args of [['forget'], ['forget', '--phone', '123'], ['forget', '--phone', ANNA, '--matrix-id', '@a:b']]) {
      const result = await runServiceToExit(entry, {}, 30_000, args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('usage: parley-crm-sink forget');
    }
  });
});
