import { sampleLabel, sampleRetraction } from '@parley/testing';
import { describe, expect, it } from 'vitest';
import { CrmPlanner, DEFAULT_FOLLOW_UPS, FollowUpConfig } from '../src/index.ts';

const ROOM = '!dm-anna:parley.test';
const minute = 60_000;
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 9, 0) + minutes * minute).toISOString();

const planner = (config: FollowUpConfig = DEFAULT_FOLLOW_UPS) =>
  new CrmPlanner({
    followUps: config,
    conversationUrl: 'https://chat.example/#/{roomId}/{eventId}',
    roomName: (roomId) => (roomId === ROOM ? 'Anna Schmidt (WA)' : undefined),
  });

describe('CrmPlanner', () => {
  it('makes a contact keyed by WhatsApp number with name, phone and latest labels, and a record per message', () => {
    const batch = planner().plan([
      sampleLabel({ roomId: ROOM, sentAt: at(0), intent: 'order_status', sentiment: 'neutral' }),
      sampleLabel({ roomId: ROOM, sentAt: at(1), intent: 'billing', sentiment: 'positive' }),
      sampleLabel({ roomId: ROOM, sentAt: at(2), from: 'business', text: 'On its way!' }),
    ]);
    expect(batch.contacts).toEqual([
      {
        key: 'whatsapp:+4915100000001',
        matrixId: '@whatsapp_4915100000001:parley.test',
        whatsappId: '+4915100000001',
        firstName: 'Anna',
        lastName: 'Schmidt',
        lastIntent: 'billing',
        lastSentiment: 'positive',
        lastContactAt: at(1),
      },
    ]);
    expect(batch.messages.map((m) => [m.direction, m.contactKey, m.room])).toEqual([
      ['inbound', 'whatsapp:+4915100000001', 'Anna Schmidt (WA)'],
      ['inbound', 'whatsapp:+4915100000001', 'Anna Schmidt (WA)'],
      ['outbound', 'whatsapp:+4915100000001', 'Anna Schmidt (WA)'],
    ]);
  });

  it('ties an agent’s first message in a WhatsApp DM to the customer named by the chat id', () => {
    const label = sampleLabel({ roomId: '!new:parley.test', from: 'business' });
    label.message.channel.remoteChatId = '4917700000009@s.whatsapp.net';
    const batch = planner().plan([label]);
    expect(batch.contacts).toEqual([{ key: 'whatsapp:+4917700000009', whatsappId: '+4917700000009' }]);
    expect(batch.messages[0]?.contactKey).toBe('whatsapp:+4917700000009');
  });

  it('raises one unhappy-customer task per conversation episode, and a new one after a long silence', () => {
    const p = planner();
    const complaint = (minutes: number) =>
      sampleLabel({ roomId: ROOM, sentAt: at(minutes), intent: 'complaint', sentiment: 'negative' });
    const first = p.plan([complaint(0), complaint(1)]);
    expect(first.followUps).toHaveLength(1);
    expect(first.followUps[0]).toMatchObject({
      rule: 'unhappy-customer',
      title: 'Unhappy customer (complaint) in Anna Schmidt (WA)',
      dueAt: at(240),
      contactKey: 'whatsapp:+4915100000001',
    });
    expect(first.followUps[0]?.markdown).toContain('https://chat.example/#/!dm-anna%3Aparley.test/');
    expect(p.plan([complaint(30)]).followUps).toHaveLength(0);
    const nextDay = p.plan([complaint(30 + 25 * 60)]).followUps;
    expect(nextDay).toHaveLength(1);
    expect(nextDay[0]?.key).not.toBe(first.followUps[0]?.key);
  });

  it('does not raise tasks for low confidence when the rule asks for more', () => {
    const config = FollowUpConfig.parse({
      rules: [{ id: 'sure-complaint', kind: 'label', intents: ['complaint'], minConfidence: 0.8, title: 't' }],
    });
    const batch = planner(config).plan([sampleLabel({ roomId: ROOM, intent: 'complaint', confidence: 0.5 })]);
    expect(batch.followUps).toEqual([]);
  });

  it('raises the unanswered task when an answer comes too late, or by the clock when none comes', () => {
    const late = planner();
    const batch = late.plan([
      sampleLabel({ roomId: ROOM, sentAt: at(0) }),
      sampleLabel({ roomId: ROOM, sentAt: at(10) }),
      sampleLabel({ roomId: ROOM, sentAt: at(90), from: 'business' }),
    ]);
    expect(batch.followUps.map((f) => [f.rule, f.dueAt])).toEqual([['unanswered', at(120)]]);

    const onTime = planner();
    onTime.plan([
      sampleLabel({ roomId: ROOM, sentAt: at(0) }),
      sampleLabel({ roomId: ROOM, sentAt: at(30), from: 'business' }),
    ]);
    expect(onTime.due(Date.parse(at(600))).followUps).toEqual([]);

    const silent = planner();
    silent.plan([sampleLabel({ roomId: ROOM, sentAt: at(0) })]);
    expect(silent.due(Date.parse(at(59))).followUps).toEqual([]);
    const due = silent.due(Date.parse(at(61)));
    expect(due.followUps.map((f) => f.rule)).toEqual(['unanswered']);
    expect(due.contacts.map((c) => c.key)).toEqual(['whatsapp:+4915100000001']);
    expect(silent.due(Date.parse(at(120))).followUps).toEqual([]);
  });

  it('blanks a redacted message, keeping its key', () => {
    const label = sampleLabel({ roomId: ROOM, text: 'my card number is 1234' });
    const batch = planner().plan([label, sampleRetraction(label)]);
    expect(batch.messages).toHaveLength(1);
    expect(batch.messages[0]).toMatchObject({
      externalId: label.message.eventId,
      text: '',
      intent: null,
      sentiment: null,
    });
    expect(batch.messages[0]?.redactedAt).not.toBeNull();
  });

  it('plans the same records again for a replay after a restart from its saved memory', () => {
    const first = planner();
    const labels = [sampleLabel({ roomId: ROOM, sentAt: at(0), intent: 'complaint', sentiment: 'negative' })];
    const original = first.plan(labels);
    const saved = first.conversations.takeChanged();
    const restarted = new CrmPlanner({
      followUps: DEFAULT_FOLLOW_UPS,
      conversationUrl: 'x',
      roomName: () => undefined,
      restored: JSON.parse(JSON.stringify(saved)) as typeof saved,
    });
    // The rule already fired in this episode: a replayed complaint adds no second task.
    expect(original.followUps).toHaveLength(1);
    expect(restarted.plan(labels).followUps).toEqual([]);
  });

  it('renames a room once when its name arrives after its messages, and remembers it', () => {
    const names = new Map<string, string>();
    const late = new CrmPlanner({
      followUps: DEFAULT_FOLLOW_UPS,
      conversationUrl: 'x',
      roomName: (roomId) => names.get(roomId),
    });
    const first = late.plan([sampleLabel({ roomId: ROOM, sentAt: at(0) })]);
    expect(first.messages.map((m) => m.room)).toEqual([ROOM]);
    expect(late.renamesDue()).toEqual([]);
    names.set(ROOM, 'Anna Schmidt');
    expect(late.renamesDue()).toEqual([{ roomId: ROOM, from: ROOM, name: 'Anna Schmidt' }]);
    late.renamed(ROOM, 'Anna Schmidt');
    expect(late.renamesDue()).toEqual([]);
    expect(late.conversations.takeChanged().find(([roomId]) => roomId === ROOM)?.[1].roomName).toBe('Anna Schmidt');
    expect(late.plan([sampleLabel({ roomId: ROOM, sentAt: at(1) })]).messages.map((m) => m.room)).toEqual([
      'Anna Schmidt',
    ]);
  });

  it('makes no records for rooms that are not conversations', () => {
    const label = sampleLabel({ roomId: ROOM, sentAt: at(0) });
    label.message.channel = { ...label.message.channel, kind: 'management', conversation: false };
    expect(planner().plan([label])).toEqual({ contacts: [], messages: [], followUps: [] });
  });
});
