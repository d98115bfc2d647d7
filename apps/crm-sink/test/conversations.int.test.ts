import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConversationV1, type ClassificationV1 } from '@parley/contracts';
import {
  readinessOf,
  sampleLabel,
  sampleRetraction,
  startKafka,
  uniqueName,
  waitFor,
  type ServiceProcess,
  type TestKafka,
} from '@parley/testing';
import { startContractServer } from '@parley/twenty-contract-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { produce, sinkEnv, sinkTopics, startSink, waitForCommitted, type SinkTopics } from './harness.ts';

const at = (hhmm: string) => `2026-03-02T${hhmm}:00.000Z`;
const customer = { phone: '+4915112345678', name: 'Mia Wagner' };
const ROOM = '!support:parley.test';
const WAITING = '!waiting:parley.test';

/**
 * A scripted support conversation with known times: a complaint answered after 12 minutes, a follow-up
 * question, quiet for over two hours (resolved at the answer), the customer back (reopened), answered, and
 * a thank-you (closing signal). In another room a question nobody answers.
 */
function script(): ClassificationV1[] {
  const label = (minute: string, eventId: string, options: Parameters<typeof sampleLabel>[0]) =>
    sampleLabel({ roomId: ROOM, eventId, sentAt: at(minute), from: customer, ...options });
  return [
    label('10:00', '$c1', { intent: 'complaint', sentiment: 'negative', keywords: ['parcel', 'late'] }),
    label('10:12', '$b1', { from: 'business', intent: 'other' }),
    label('10:20', '$c2', { intent: 'order_status', keywords: ['parcel', 'tracking'] }),
    label('10:25', '$b2', { from: 'business', intent: 'other' }),
    label('13:00', '$c3', { intent: 'complaint', sentiment: 'negative', keywords: ['parcel', 'damaged'] }),
    label('13:05', '$b3', { from: 'business', intent: 'other' }),
    label('13:06', '$c4', { intent: 'feedback', sentiment: 'positive', keywords: ['thanks'] }),
    sampleLabel({ roomId: WAITING, eventId: '$w1', sentAt: at('09:00'), from: { phone: '+4915199999999' } }),
  ];
}

/** The value of the Prometheus sample `name` whose labels include `labels` (undefined: none). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const found = new Map([...(match[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}

/** The latest value per key of a compacted topic's records, tombstones removing the key. */
function latest(records: { key: string; value: unknown }[]): Map<string, ConversationV1> {
  const out = new Map<string, ConversationV1>();
  for (const record of records)
    if (record.value === null) out.delete(record.key);
    else out.set(record.key, ConversationV1.parse(record.value));
  return out;
}

/** The default rules, and a retention task for a person entering at risk (off by default). */
const RULES = `
rules:
  - { id: unhappy-customer, kind: label, sentiments: [negative], intents: [complaint, cancellation, refund], title: 'Unhappy customer ({intent}) in {room}' }
  - { id: unanswered, kind: unanswered, afterMinutes: 60, title: 'Customer waiting for an answer in {room}' }
people:
  retention: { segment: at-risk, title: 'Customer at risk: {contact}' }
`;

describe('crm-sink conversations (real Kafka, NDJSON target)', () => {
  let kafka: TestKafka;
  const rulesFile = join(mkdtempSync(join(tmpdir(), 'rules-')), 'follow-ups.yaml');
  writeFileSync(rulesFile, RULES);
  const sinks: ServiceProcess[] = [];

  beforeAll(async () => {
    kafka = await startKafka();
  });
  afterAll(async () => {
    for (const sink of sinks) await sink.stop('SIGKILL');
  });

  /** Runs a sink over the topics until the conversations say `done`; returns them. */
  async function runSink(topics: SinkTopics, done: (c: Map<string, ConversationV1>) => boolean) {
    const env = sinkEnv(kafka, topics, { PARLEY_FOLLOW_UP_CHECK_MS: '3000', PARLEY_FOLLOW_UP_RULES_FILE: rulesFile });
    const sink = await startSink(env);
    sinks.push(sink);
    await waitForCommitted(kafka, env.PARLEY_KAFKA_GROUP_ID ?? '', topics.input);
    const records = await kafka.collect(topics.conversations, (r) => done(latest(r)), 60_000);
    metrics = await (await fetch(`${sink.url}/metrics`)).text();
    expect(await sink.stop('SIGTERM'), sink.stderr()).toBe(0);
    written = readFileSync(env.PARLEY_NDJSON_PATH ?? '', 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { kind: string; key: string; record: Record<string, unknown> });
    return latest(records);
  }
  let metrics = '';
  let written: { kind: string; key: string; record: Record<string, unknown> }[] = [];
  const settled = (c: Map<string, ConversationV1>) =>
    c.get(`${ROOM}/$c1`)?.status === 'resolved' && c.get(`${WAITING}/$w1`)?.breached.resolution === true;

  it('measures a scripted conversation, reopens it, closes it on a thank-you, and a replay gives the same records', async () => {
    const topics = await sinkTopics(kafka);
    await produce(kafka, topics.input, script());
    const first = await runSink(topics, settled);
    expect([...first.keys()].sort()).toEqual([`${ROOM}/$c1`, `${WAITING}/$w1`]);
    expect(first.get(`${ROOM}/$c1`)).toMatchObject({
      roomId: ROOM,
      channel: { protocol: 'whatsapp' },
      personKey: 'whatsapp:+4915112345678',
      status: 'resolved',
      resolvedBy: 'closing-signal',
      openedAt: at('10:00'),
      resolvedAt: at('13:06'),
      reopened: 1,
      firstResponseSeconds: 720,
      responseSeconds: [720, 300, 300],
      resolutionSeconds: 3 * 3600 + 6 * 60,
      messages: { customer: 4, business: 3 },
      intents: { complaint: 2, order_status: 1, feedback: 1 },
      sentiment: { start: 'negative', end: 'positive', trend: 'improving' },
      keywords: ['parcel', 'late', 'tracking', 'damaged', 'thanks'],
      followUps: ['unhappy-customer'],
      // Targets by default: first response within 60 minutes, resolution within 24 hours.
      breached: { firstResponse: false, resolution: false },
    });
    expect(first.get(`${WAITING}/$w1`)).toMatchObject({
      status: 'open',
      awaitingReplySince: at('09:00'),
      firstResponseSeconds: null,
      breached: { firstResponse: true, resolution: true },
    });

    // Measured once each, by channel: one first response of 12 minutes, one resolution, one reopening,
    // and the waiting room's two missed targets.
    const whatsapp = { channel: 'whatsapp' };
    expect(sample(metrics, 'parley_conversation_first_response_seconds_count', whatsapp)).toBe(1);
    expect(sample(metrics, 'parley_conversation_first_response_seconds_bucket', { ...whatsapp, le: '900' })).toBe(1);
    expect(sample(metrics, 'parley_conversation_first_response_seconds_bucket', { ...whatsapp, le: '300' })).toBe(0);
    expect(sample(metrics, 'parley_conversation_resolution_seconds_count', whatsapp)).toBe(1);
    expect(sample(metrics, 'parley_conversation_reopened_total', whatsapp)).toBe(1);
    for (const target of ['first_response', 'resolution'])
      expect(sample(metrics, 'parley_conversation_targets_breached_total', { ...whatsapp, target })).toBe(1);
    expect(sample(metrics, 'parley_conversations_open', whatsapp)).toBe(1);

    // The person's rollup rides on their contact; opening with a complaint put them at risk once (one
    // retention task). Once the clock (here the wall clock, months after the script) has moved on, the
    // resolved conversation's person is dormant: 90 days without contact.
    const mia = written.filter((w) => w.kind === 'contact' && w.key === 'whatsapp:+4915112345678').at(-1);
    expect(mia?.record.rollup).toMatchObject({
      conversations: 1,
      openConversations: 0,
      firstContactAt: at('10:00'),
      medianFirstResponseMinutes: 12,
      segment: 'dormant',
    });
    const retention = written.filter((w) => w.kind === 'followUp' && w.record.rule === 'segment-at-risk');
    expect(retention.map((w) => w.record.roomId)).toEqual([ROOM]);

    // The same classifications into fresh state and conversation topics, in a new consumer group.
    const replayTopics = { ...(await sinkTopics(kafka)), input: topics.input };
    const replay = await runSink(replayTopics, settled);
    expect(replay).toEqual(first);
    expect(written.filter((w) => w.kind === 'followUp' && w.record.rule === 'segment-at-risk')).toHaveLength(1);
  }, 240_000);

  it("writes each conversation into Twenty's conversation object, linked to its person and its chat messages", async () => {
    const twenty = await startContractServer({ apiKey: 'conversation-key', rateLimits: null });
    try {
      const topics = await sinkTopics(kafka);
      await produce(kafka, topics.input, script());
      const env = sinkEnv(kafka, topics, {
        PARLEY_TWENTY_URL: twenty.url,
        PARLEY_TWENTY_API_KEY: 'conversation-key',
        PARLEY_FOLLOW_UP_RULES_FILE: rulesFile,
      });
      const sink = await startSink(env);
      sinks.push(sink);
      await waitForCommitted(kafka, env.PARLEY_KAFKA_GROUP_ID ?? '', topics.input);
      const resolved = await waitFor(
        'the resolved conversation in Twenty',
        () => twenty.records('conversation').find((c) => c.externalId === `${ROOM}/$c1` && c.status === 'RESOLVED'),
        { timeoutMs: 60_000 },
      );
      expect(await sink.stop('SIGTERM'), sink.stderr()).toBe(0);
      const mia = twenty.records('person').find((p) => p.whatsappId === customer.phone);
      expect(resolved).toMatchObject({
        personId: mia?.id,
        channel: 'WHATSAPP',
        roomId: ROOM,
        openedAt: at('10:00'),
        resolvedAt: at('13:06'),
        firstResponseMinutes: 12,
        resolutionMinutes: 186,
        customerMessages: 4,
        businessMessages: 3,
        reopened: 1,
        mainIntent: 'COMPLAINT',
        intents: 'complaint, feedback, order_status',
        sentimentStart: 'NEGATIVE',
        sentimentEnd: 'POSITIVE',
        sentimentTrend: 'improving',
        followUpRaised: true,
        firstResponseBreached: false,
        resolutionBreached: false,
      });
      // Every message of the room points at its conversation; the other room's at its own.
      const messages = twenty.records('chatMessage');
      expect(messages.filter((m) => m.roomId === ROOM).map((m) => m.conversationId)).toEqual(
        Array.from({ length: 7 }, () => resolved.id),
      );
      const waiting = twenty.records('conversation').find((c) => c.externalId === `${WAITING}/$w1`);
      expect(waiting).toMatchObject({ status: 'OPEN', firstResponseBreached: true, firstResponseMinutes: null });
      expect(messages.find((m) => m.externalId === '$w1')?.conversationId).toBe(waiting?.id);
      // Twenty's own filter answers "open conversations by first response": the waiting one only.
      const open = await fetch(`${twenty.url}/rest/conversations?filter=status[eq]:OPEN`, {
        headers: { authorization: 'Bearer conversation-key' },
      });
      const body = (await open.json()) as { data: { conversations: { externalId: string }[] } };
      expect(body.data.conversations.map((c) => c.externalId)).toEqual([`${WAITING}/$w1`]);
    } finally {
      await twenty.close();
    }
  }, 240_000);

  it('stays not ready, naming the topic, when the conversations topic is missing', async () => {
    const topics = await sinkTopics(kafka);
    const missing = uniqueName('no-such-conversations');
    const sink = await startSink(sinkEnv(kafka, topics, { PARLEY_CONVERSATIONS_TOPIC: missing }));
    sinks.push(sink);
    const detail = await waitFor(
      'readiness naming the missing topic',
      async () => {
        const text = JSON.stringify(await readinessOf(sink));
        return text.includes(missing) ? text : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(detail).toContain(`reading ${missing}`);
    expect(await sink.stop('SIGTERM'), sink.stderr()).toBe(0);
  }, 120_000);

  it('takes a redacted message out of its conversation: its keywords and labels are gone from the record', async () => {
    const topics = await sinkTopics(kafka);
    const messages = script();
    await produce(kafka, topics.input, messages);
    await runSink(topics, settled);
    const redacted = messages.find((m) => m.message.eventId === '$c3');
    if (redacted?.kind !== 'label') throw new Error('fixture');
    await produce(kafka, topics.input, [sampleRetraction(redacted)]);
    // The sink restarts from its saved conversations and applies the redaction.
    const after = await runSink(topics, (c) => c.get(`${ROOM}/$c1`)?.messages.customer === 3);
    const conversation = after.get(`${ROOM}/$c1`);
    expect(conversation?.entries.map((e) => e.eventId)).not.toContain('$c3');
    expect(conversation?.keywords).not.toContain('damaged');
    expect(conversation?.intents).toEqual({ complaint: 1, order_status: 1, feedback: 1 });
  }, 240_000);
});
