import type { Channel, ConversationV1 } from '@parley/contracts';
import { ConversationV1 as ConversationSchema } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { ConversationRules, ConversationTracker, type ConversationInput } from '../src/index.ts';

const channel: Channel = { protocol: 'whatsapp', roomType: 'dm', kind: 'dm' };
const rules = ConversationRules.parse({
  gapMinutes: 24 * 60,
  resolveAfterQuietMinutes: 60,
  targets: { firstResponseMinutes: 10, resolutionHours: 2 },
});
const at = (hhmm: string, day = '01') => `2026-03-${day}T${hhmm}:00.000Z`;
let counter = 0;
const customer = (
  time: string,
  intent = 'question',
  sentiment: 'negative' | 'neutral' | 'positive' = 'neutral',
  score = 0,
  keywords: string[] = [],
  roomId = '!dm:example.org',
): ConversationInput => ({
  kind: 'label',
  roomId,
  channel,
  eventId: `$c${String(++counter)}`,
  at: time,
  side: 'customer',
  personKey: 'whatsapp:15551234567',
  intent,
  sentiment,
  score,
  keywords,
});
const agent = (time: string, roomId = '!dm:example.org'): ConversationInput => ({
  kind: 'label',
  roomId,
  channel,
  eventId: `$b${String(++counter)}`,
  at: time,
  side: 'business',
  personKey: null,
  intent: 'other',
  sentiment: 'neutral',
  score: 0,
  keywords: [],
});
const latest = (tracker: ConversationTracker) => new Map([...tracker.current()].map((c) => [c.conversationId, c]));

describe('ConversationTracker', () => {
  it('measures first response, every reply, and resolves by quiet at the last answer once the clock passes', () => {
    const tracker = new ConversationTracker(rules);
    const script = [
      customer(at('10:00'), 'complaint', 'negative', -0.8, ['refund', 'late']),
      customer(at('10:03'), 'complaint', 'negative', -0.6, ['refund']),
      agent(at('10:12')),
      customer(at('10:20'), 'question', 'neutral', 0.1, ['delivery']),
      agent(at('10:25')),
    ];
    const [first] = tracker.apply(script);
    const value = first?.value as ConversationV1;
    expect(ConversationSchema.parse(value)).toEqual(value);
    expect(value).toMatchObject({
      conversationId: `!dm:example.org/${script[0]?.kind === 'label' ? script[0].eventId : ''}`,
      status: 'open',
      personKey: 'whatsapp:15551234567',
      openedAt: at('10:00'),
      firstResponseSeconds: 720,
      responseSeconds: [720, 300],
      awaitingReplySince: null,
      messages: { customer: 3, business: 2 },
      intents: { complaint: 2, question: 1 },
      sentiment: { start: 'negative', end: 'neutral', average: -0.433, trend: 'improving' },
      keywords: ['refund', 'late', 'delivery'],
      breached: { firstResponse: true, resolution: false },
    });
    // Another room's message at 11:30 moves the stream's clock past the quiet hour after 10:25.
    const changes = tracker.apply([customer(at('11:30'), 'question', 'neutral', 0, [], '!other:example.org')]);
    const resolved = changes.find((c) => c.value?.roomId === '!dm:example.org')?.value;
    expect(resolved).toMatchObject({
      status: 'resolved',
      resolvedAt: at('10:25'),
      resolvedBy: 'quiet',
      resolutionSeconds: 1500,
      breached: { firstResponse: true, resolution: false },
    });
  });

  it('reopens when the customer comes back after the quiet time, and a closing signal resolves at once', () => {
    const tracker = new ConversationTracker(rules);
    tracker.apply([customer(at('09:00')), agent(at('09:05'))]);
    const back = tracker.apply([customer(at('11:00'), 'complaint', 'negative', -0.5)]);
    expect(back[0]?.value).toMatchObject({
      status: 'open',
      reopened: 1,
      resolvedAt: null,
      awaitingReplySince: at('11:00'),
    });
    tracker.apply([agent(at('11:02'))]);
    const thanks = tracker.apply([customer(at('11:04'), 'feedback', 'positive', 0.9)]);
    expect(thanks[0]?.value).toMatchObject({
      status: 'resolved',
      resolvedBy: 'closing-signal',
      resolvedAt: at('11:04'),
      reopened: 1,
      responseSeconds: [300, 120],
      sentiment: { trend: 'improving', end: 'positive' },
    });
    // A day later is a new conversation, not a reopening.
    const next = tracker.apply([customer(at('12:00', '03'))]);
    expect(next.map((c) => c.value?.reopened)).toEqual([0]);
    expect(new Set([...tracker.current()].map((c) => c.conversationId)).size).toBe(2);
  });

  it('keeps an edit at its message’s time; a redaction takes the message out, all of them leave a tombstone', () => {
    const tracker = new ConversationTracker(rules);
    const original = customer(at('10:00'), 'question', 'neutral', 0, ['invoice']);
    tracker.apply([original, agent(at('10:05'))]);
    const edit = { ...original, at: at('10:30'), intent: 'refund', keywords: ['refund'] } as ConversationInput;
    const edited = tracker.apply([edit])[0]?.value;
    expect(edited?.entries[0]).toMatchObject({ at: at('10:00'), intent: 'refund', keywords: ['refund'] });
    expect(edited?.keywords).toEqual(['refund']);
    const redacted = tracker.apply([
      { kind: 'retraction', roomId: original.roomId, eventId: original.eventId, at: at('10:40') },
    ]);
    expect(redacted[0]?.value).toMatchObject({ messages: { customer: 0, business: 1 }, keywords: [], intents: {} });
    expect(JSON.stringify(redacted[0]?.value)).not.toContain('refund');
    const agentId = edited?.entries[1]?.eventId ?? '';
    const gone = tracker.apply([{ kind: 'retraction', roomId: original.roomId, eventId: agentId, at: at('10:41') }]);
    expect(gone).toEqual([{ conversationId: edited?.conversationId, value: null }]);
    expect([...tracker.current()]).toEqual([]);
  });

  it('gives the same records however the messages are split into runs, and after a restart from its records', () => {
    const script = [
      customer(at('08:00'), 'order', 'positive', 0.6, ['shoes']),
      agent(at('08:30')),
      customer(at('08:31'), 'complaint', 'negative', -0.7, ['size']),
      customer(at('10:00', '02'), 'question', 'neutral', 0, ['return']),
      agent(at('10:01', '02')),
      customer(at('13:00', '02'), 'feedback', 'positive', 0.8, ['thanks']),
    ];
    const whole = new ConversationTracker(rules);
    whole.apply(script);
    whole.advance(Date.parse(at('00:00', '05')));
    const oneByOne = new ConversationTracker(rules);
    for (const input of script.slice(0, 3)) oneByOne.apply([input]);
    const restarted = new ConversationTracker(rules, oneByOne.current());
    restarted.apply(script.slice(3, 5));
    restarted.apply(script.slice(5));
    restarted.advance(Date.parse(at('00:00', '05')));
    expect(latest(restarted)).toEqual(latest(whole));
    const records = [...whole.current()];
    expect(records.map((r) => [r.status, r.resolvedBy, r.reopened])).toEqual([
      ['open', null, 0],
      // The thank-you three hours after the answer confirms the quiet resolution; it does not reopen.
      ['resolved', 'quiet', 0],
    ]);
    // The first one is still waiting for an answer to 08:31: both targets lapsed by the clock.
    expect(records[0]?.breached).toEqual({ firstResponse: true, resolution: true });
  });

  it('starts a new conversation when one reaches maxMessages, so a busy group never outgrows a Kafka record', () => {
    const tracker = new ConversationTracker({ ...rules, maxMessages: 3 });
    tracker.apply([customer(at('10:00')), agent(at('10:01')), customer(at('10:02')), customer(at('10:03'))]);
    expect([...tracker.current()].map((c) => c.messages)).toEqual([
      { customer: 2, business: 1 },
      { customer: 1, business: 0 },
    ]);
  });

  it('reports each transition once for metrics: first response, resolution, breaches, reopening', () => {
    const tracker = new ConversationTracker(rules);
    const opened = tracker.apply([customer(at('10:00'))]);
    expect(opened[0]?.transitions).toEqual({ breached: [], reopened: false });
    const answered = tracker.apply([agent(at('10:30'))]);
    // 30 minutes: past the 10-minute first-response target.
    expect(answered[0]?.transitions).toEqual({
      firstResponseSeconds: 1800,
      breached: ['firstResponse'],
      reopened: false,
    });
    const resolved = tracker.advance(Date.parse(at('12:00')));
    expect(resolved[0]?.transitions).toEqual({ resolutionSeconds: 1800, breached: [], reopened: false });
    const back = tracker.apply([customer(at('12:10'))]);
    // Reopened at 12:10, unresolved more than two hours after it opened: the resolution target lapses.
    expect(back[0]?.transitions).toEqual({ breached: ['resolution'], reopened: true });
    expect(tracker.openByChannel()).toEqual(new Map([['whatsapp', 1]]));
  });

  it('records the follow-up rules raised in a room on its current conversation, once each', () => {
    const tracker = new ConversationTracker(rules);
    tracker.apply(
      [customer(at('10:00'), 'complaint', 'negative', -0.9)],
      [{ roomId: '!dm:example.org', rule: 'unhappy' }],
    );
    const again = tracker.apply([customer(at('10:01'))], [{ roomId: '!dm:example.org', rule: 'unhappy' }]);
    expect(again[0]?.value?.followUps).toEqual(['unhappy']);
  });
});
