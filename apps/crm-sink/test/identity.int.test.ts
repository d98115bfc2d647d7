import type { ClassificationV1, LabelV1 } from '@parley/contracts';
import {
  runServiceToExit,
  sampleLabel,
  startKafka,
  waitFor,
  type ServiceProcess,
  type TestKafka,
} from '@parley/testing';
import { startContractServer, type ContractServer } from '@parley/twenty-contract-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entry, produce, sinkEnv, sinkTopics, startSink, waitForCommitted, type SinkTopics } from './harness.ts';

const KEY = 'identity-key';
const PHONE = '+4915112345678';
const WHATSAPP = `whatsapp:${PHONE}`;
const SIGNAL_ID = '@signal_0a1b2c:parley.test';
const SIGNAL = `matrix:${SIGNAL_ID}`;
const TELEGRAM_ID = '@telegram_777:parley.test';
const TELEGRAM = `matrix:${TELEGRAM_ID}`;
const at = (hhmm: string) => `2026-04-01T${hhmm}:00.000Z`;

/** A customer message on another bridge: its ghost, its remote id (a number on Signal here), its network. */
function onBridge(label: LabelV1, protocol: string, userId: string, remoteUserId: string): LabelV1 {
  return {
    ...label,
    message: {
      ...label.message,
      sender: { userId, displayName: 'Mia W.', isBridgeGhost: true, remoteUserId, side: 'customer' },
      channel: { protocol, roomType: 'dm' },
    },
  };
}

/** One customer on WhatsApp, on Signal with the same number, and on Telegram (nothing shared). */
function script(): ClassificationV1[] {
  const wa = (hhmm: string, id: string, intent = 'order_status') =>
    sampleLabel({
      roomId: '!wa:parley.test',
      eventId: id,
      sentAt: at(hhmm),
      from: { phone: PHONE, name: 'Mia Wagner' },
      intent,
    });
  return [
    wa('09:00', '$wa1'),
    sampleLabel({ roomId: '!wa:parley.test', eventId: '$wa2', sentAt: at('09:05'), from: 'business', intent: 'other' }),
    onBridge(
      sampleLabel({ roomId: '!sig:parley.test', eventId: '$sig1', sentAt: at('10:00'), intent: 'billing' }),
      'signal',
      SIGNAL_ID,
      PHONE,
    ),
    onBridge(
      sampleLabel({
        roomId: '!tg:parley.test',
        eventId: '$tg1',
        sentAt: at('11:00'),
        intent: 'complaint',
        sentiment: 'negative',
      }),
      'telegram',
      TELEGRAM_ID,
      '777',
    ),
  ];
}

describe('one person across channels (real Kafka, the Twenty contract server)', () => {
  let kafka: TestKafka;
  const sinks: ServiceProcess[] = [];

  beforeAll(async () => {
    kafka = await startKafka();
  });
  afterAll(async () => {
    for (const sink of sinks) await sink.stop('SIGKILL');
  });

  /** Who each chat message is on (the person's contact key), and each person's links, as Twenty holds them. */
  interface PersonView {
    linked: string;
    mergedInto: string;
    conversations: unknown;
  }
  function people(twenty: ContractServer): {
    messages: Record<string, string | undefined>;
    conversations: Record<string, string | undefined>;
    linked: Record<string, PersonView>;
  } {
    const persons = twenty.records('person');
    const keyOf = (id: unknown) => {
      const p = persons.find((r) => r.id === id);
      return p === undefined
        ? undefined
        : typeof p.whatsappId === 'string' && p.whatsappId !== ''
          ? `whatsapp:${p.whatsappId}`
          : `matrix:${String(p.matrixId)}`;
    };
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    const messages = Object.fromEntries(
      twenty.records('chatMessage').map((m) => [text(m.externalId), keyOf(m.personId)]),
    );
    const conversations = Object.fromEntries(
      twenty.records('conversation').map((c) => [text(c.roomId), keyOf(c.personId)]),
    );
    const linked = Object.fromEntries(
      persons.map((p): [string, PersonView] => [
        keyOf(p.id) ?? '',
        { linked: text(p.linkedIdentities), mergedInto: text(p.parleyMergedInto), conversations: p.conversationCount },
      ]),
    );
    return { messages, conversations, linked };
  }

  async function run(topics: SinkTopics, twenty: ContractServer) {
    const env = sinkEnv(kafka, topics, {
      PARLEY_TWENTY_URL: twenty.url,
      PARLEY_TWENTY_API_KEY: KEY,
      PARLEY_FOLLOW_UP_CHECK_MS: '2000',
    });
    const sink = await startSink(env);
    sinks.push(sink);
    await waitForCommitted(kafka, env.PARLEY_KAFKA_GROUP_ID ?? '', topics.input);
    return { env, sink };
  }

  it('links contacts by a shared number and by an operator, explains it, reverses it, and a replay reproduces it', async () => {
    const twenty = await startContractServer({ apiKey: KEY, rateLimits: null });
    const topics = await sinkTopics(kafka);
    // The Signal customer writes first: nothing links them yet, so they get a person of their own.
    const isSignal = (l: ClassificationV1) => l.message.eventId === '$sig1';
    await produce(kafka, topics.input, script().filter(isSignal));
    const { env, sink } = await run(topics, twenty);
    await waitFor('the Signal message', () => people(twenty).messages.$sig1, { timeoutMs: 60_000 });
    expect(people(twenty).messages.$sig1).toBe(SIGNAL);
    await produce(
      kafka,
      topics.input,
      script().filter((l) => !isSignal(l)),
    );

    // The Signal contact has the WhatsApp number: one person, named by the number, saying why; the Signal
    // message and conversation moved to it.
    const merged = await waitFor(
      'the Signal messages on the WhatsApp person',
      () => {
        const now = people(twenty);
        // The Signal contact's own record stays, marked as merged; each room's messages are written last.
        const written = now.messages.$wa2 !== undefined && now.messages.$tg1 !== undefined;
        return written && now.linked[WHATSAPP]?.conversations === 2 && now.linked[SIGNAL]?.mergedInto === WHATSAPP
          ? now
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(merged.messages).toEqual({ $wa1: WHATSAPP, $wa2: WHATSAPP, $sig1: WHATSAPP, $tg1: TELEGRAM });
    expect(merged.conversations).toEqual({
      '!wa:parley.test': WHATSAPP,
      '!sig:parley.test': WHATSAPP,
      '!tg:parley.test': TELEGRAM,
    });
    expect(merged.linked[WHATSAPP]?.linked).toBe(`${SIGNAL}: same phone:${PHONE} (seen ${at('10:00')}, $sig1)`);
    const ownPeople = Object.entries(merged.linked).filter(([, p]) => p.mergedInto === '');
    expect(ownPeople.map(([key]) => key).sort()).toEqual([TELEGRAM, WHATSAPP]);

    // An operator links Telegram: its message and conversation move; its own record says where it went.
    const link = await runServiceToExit(entry, env, 60_000, [
      'identity',
      'link',
      TELEGRAM,
      WHATSAPP,
      '--note',
      'confirmed on a call',
      '--by',
      'ops',
    ]);
    expect(link.code, link.stderr).toBe(0);
    const linked = await waitFor(
      'the Telegram message on the WhatsApp person',
      () => {
        const now = people(twenty);
        // The contact's own record is marked last.
        return now.linked[TELEGRAM]?.mergedInto === WHATSAPP && now.linked[WHATSAPP]?.conversations === 3
          ? now
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(linked.conversations['!tg:parley.test']).toBe(WHATSAPP);
    expect(linked.linked[TELEGRAM]?.mergedInto).toBe(WHATSAPP);
    expect(linked.linked[WHATSAPP]?.linked).toContain(`${TELEGRAM}: linked by ops at `);
    expect(linked.linked[WHATSAPP]?.linked).toContain(': confirmed on a call');
    const explain = await runServiceToExit(entry, env, 60_000, ['identity', 'explain', TELEGRAM]);
    expect(explain.code, explain.stderr).toBe(0);
    expect(JSON.parse(explain.stdout)).toMatchObject({
      person: WHATSAPP,
      members: [WHATSAPP, SIGNAL, TELEGRAM],
      shared: [
        { contactKey: WHATSAPP, evidence: { identifier: `phone:${PHONE}`, eventId: '$wa1' } },
        { contactKey: SIGNAL, evidence: { identifier: `phone:${PHONE}`, eventId: '$sig1' } },
      ],
      links: [{ a: TELEGRAM, b: WHATSAPP, decision: 'same', by: 'ops', note: 'confirmed on a call' }],
    });

    // The number was a shared family phone: the operator separates Signal, which gets a person of its own.
    const separate = await runServiceToExit(entry, env, 60_000, [
      'identity',
      'separate',
      WHATSAPP,
      SIGNAL,
      '--by',
      'ops',
    ]);
    expect(separate.code, separate.stderr).toBe(0);
    const apart = await waitFor(
      'the Signal message on its own person',
      () => {
        const now = people(twenty);
        // Messages, then conversations move; the contact's own record is unmarked last.
        const moved = now.conversations['!sig:parley.test'] === SIGNAL && now.linked[SIGNAL]?.mergedInto === '';
        return moved && now.linked[WHATSAPP]?.conversations === 2 ? now : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(apart.messages).toEqual({ $wa1: WHATSAPP, $wa2: WHATSAPP, $sig1: SIGNAL, $tg1: WHATSAPP });
    expect(apart.conversations['!sig:parley.test']).toBe(SIGNAL);
    expect(apart.linked[SIGNAL]).toMatchObject({ mergedInto: '', conversations: 1 });
    expect(apart.linked[WHATSAPP]?.linked).not.toContain(SIGNAL);
    expect(await sink.stop('SIGTERM'), sink.stderr()).toBe(0);

    // A replay of the same input and decisions into a fresh CRM and fresh state gives the same people.
    const fresh = await startContractServer({ apiKey: KEY, rateLimits: null });
    try {
      const replayTopics = { ...(await sinkTopics(kafka)), input: topics.input, decisions: topics.decisions };
      const replay = await run(replayTopics, fresh);
      const again = await waitFor(
        'the replayed people',
        () => {
          const now = people(fresh);
          const all = Object.keys(now.messages).length === 4 && Object.keys(now.conversations).length === 3;
          return all && now.messages.$tg1 === WHATSAPP && now.messages.$sig1 === SIGNAL ? now : undefined;
        },
        { timeoutMs: 60_000 },
      );
      expect(await replay.sink.stop('SIGTERM'), replay.sink.stderr()).toBe(0);
      expect(again.messages).toEqual(apart.messages);
      expect(again.conversations).toEqual(apart.conversations);
      expect(again.linked[WHATSAPP]?.linked).toBe(apart.linked[WHATSAPP]?.linked);
      expect(again.linked[WHATSAPP]?.conversations).toBe(2);
    } finally {
      await fresh.close();
      await twenty.close();
    }
  }, 300_000);

  it('refuses a decision that does not name two contacts, with the usage', async () => {
    for (const args of [
      ['identity', 'link', WHATSAPP],
      ['identity', 'link', WHATSAPP, WHATSAPP],
      ['identity', 'merge', WHATSAPP, SIGNAL],
      ['identity', 'link', '+4915112345678', SIGNAL],
    ]) {
      const result = await runServiceToExit(entry, { PARLEY_LOG_LEVEL: 'error' }, 30_000, args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('usage: parley-crm-sink identity');
    }
  }, 120_000);
});
