import type { Channel } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import {
  ConversationRules,
  ConversationTracker,
  engagementScore,
  PeopleLedger,
  PeopleRules,
  type ConversationInput,
} from '../src/index.ts';

const channel: Channel = { protocol: 'whatsapp', roomType: 'dm', kind: 'dm' };
const rules = ConversationRules.parse({ gapMinutes: 24 * 60, resolveAfterQuietMinutes: 60 });
const people = PeopleRules.parse({ retention: { segment: 'at-risk', title: 'Customer at risk: {contact}' } });
let n = 0;
const say = (
  day: string,
  side: 'customer' | 'business',
  intent = 'order_status',
  score = 0,
  roomId = '!mia:example.org',
): ConversationInput => ({
  kind: 'label',
  roomId,
  channel,
  eventId: `$m${String(++n)}`,
  at: `2026-03-${day}:00.000Z`,
  side,
  personKey: side === 'customer' ? 'whatsapp:+4915112345678' : null,
  intent,
  sentiment: score < 0 ? 'negative' : score > 0 ? 'positive' : 'neutral',
  score,
  keywords: [],
});

describe('PeopleLedger', () => {
  it('rolls a person up across conversations and raises one retention entry when they turn at risk', () => {
    const tracker = new ConversationTracker(rules);
    const ledger = new PeopleLedger(people);
    const step = (inputs: ConversationInput[]) => ledger.update(tracker.apply(inputs), tracker.clock);

    const first = step([say('01T10:00', 'customer', 'purchase_inquiry', 0.6), say('01T10:10', 'business')]);
    expect(first.rollups[0]).toMatchObject({ conversations: 1, segment: 'new', medianFirstResponseSeconds: 600 });
    expect(first.entered).toEqual([]);
    // Two days later a complaint, unanswered: an open risk.
    const complaint = say('03T09:00', 'customer', 'complaint', -0.8);
    const second = step([complaint]);
    expect(second.rollups[0]).toMatchObject({
      conversations: 2,
      openConversations: 1,
      openRisk: true,
      sentimentTrend: 'worsening',
      segment: 'at-risk',
      riskMessages: 1,
      purchaseMessages: 1,
    });
    expect(second.entered).toEqual([
      expect.objectContaining({
        segment: 'at-risk',
        from: 'new',
        roomId: '!mia:example.org',
        eventId: complaint.eventId,
      }),
    ]);
    // Still at risk: not entered again.
    expect(step([say('03T09:05', 'customer', 'complaint', -0.9)]).entered).toEqual([]);
    // Answered and resolved: still worsening on average, so still at risk until the mood turns.
    const calmer = step([say('03T09:20', 'business'), say('03T09:30', 'customer', 'feedback', 0.9)]);
    expect(calmer.rollups[0]?.openRisk).toBe(false);
  });

  it('reports no entry for the segments it restores, and computes the engagement score as documented', () => {
    const tracker = new ConversationTracker(rules);
    tracker.apply([say('05T10:00', 'customer', 'complaint', -0.9, '!ben:example.org')]);
    const restored = new PeopleLedger(people, tracker.current(), tracker.clock);
    expect(restored.update([], tracker.clock)).toEqual({ rollups: [], entered: [] });
    // 30 days quiet halves recency; 3 purchase messages max it; 6 conversations max frequency.
    expect(
      engagementScore({
        daysSinceLastContact: 30,
        purchaseMessages: 3,
        conversations: 6,
        averageSentiment: 1,
        riskMessages: 0,
      }),
    ).toBe(Math.round(100 * (0.35 * 0.5 + 0.25 + 0.2 + 0.2)));
    expect(
      engagementScore({
        daysSinceLastContact: 0,
        purchaseMessages: 0,
        conversations: 1,
        averageSentiment: -1,
        riskMessages: 3,
      }),
    ).toBe(Math.round(100 * (0.35 + 0.2 / 6) - 15));
  });
});

describe('PeopleLedger.sweep', () => {
  it('moves a person whom time alone changes (dormant after 90 quiet days), once per day of the clock', () => {
    const tracker = new ConversationTracker(rules);
    const ledger = new PeopleLedger(people);
    ledger.update(tracker.apply([say('10T10:00', 'customer'), say('10T10:05', 'business')]), tracker.clock);
    expect(ledger.sweep('2026-03-11T00:00:00.000Z').map((r) => r.segment)).toEqual([]);
    const later = ledger.sweep('2026-07-01T00:00:00.000Z');
    expect(later.map((r) => [r.personKey, r.segment])).toEqual([['whatsapp:+4915112345678', 'dormant']]);
    expect(ledger.sweep('2026-07-01T12:00:00.000Z')).toEqual([]);
  });
});

describe('PeopleLedger entries', () => {
  it('reports entering a segment once while a person stays in it, however many messages follow', () => {
    const tracker = new ConversationTracker(rules);
    const ledger = new PeopleLedger(people);
    const entries = [
      say('20T10:00', 'customer', 'complaint', -0.8, '!eve:example.org'),
      say('20T10:05', 'business', 'other', 0, '!eve:example.org'),
      say('20T10:06', 'customer', 'complaint', -0.9, '!eve:example.org'),
    ].flatMap((input) => ledger.update(tracker.apply([input]), tracker.clock).entered);
    expect(entries.map((e) => e.segment)).toEqual(['at-risk']);
  });
});
