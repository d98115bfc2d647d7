import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { messageMetrics, type ConversationInput } from '../src/index.ts';

const say = (day: string, keywords: string[], side: 'customer' | 'business' = 'customer'): ConversationInput => ({
  kind: 'label',
  roomId: '!r:example.org',
  channel: { protocol: 'whatsapp', roomType: 'dm' },
  eventId: `$${day}${keywords.join('')}${side}`,
  at: `2026-03-${day}T10:00:00.000Z`,
  side,
  personKey: 'whatsapp:+4915112345678',
  intent: 'complaint',
  sentiment: 'negative',
  score: -0.6,
  keywords,
});

describe('messageMetrics', () => {
  it('counts customer messages by channel, intent and sentiment, and keeps the week’s top keywords by event time', async () => {
    const registry = new Registry();
    const metrics = messageMetrics(registry);
    metrics.observe([
      say('01', ['parcel', 'late']),
      say('03', ['parcel']),
      say('02', ['refund'], 'business'),
      say('09', ['parcel', 'refund', 'refund']),
    ]);
    const text = await registry.metrics();
    expect(text).toContain(
      'parley_customer_messages_total{channel="whatsapp",intent="complaint",sentiment="negative"} 3',
    );
    // The week ending on the 9th (the 3rd to the 9th): the 1st has left it; the business message counts nowhere; a keyword
    // counts once per message.
    expect(text).toContain('parley_keyword_messages_week{keyword="parcel"} 2');
    expect(text).toContain('parley_keyword_messages_week{keyword="refund"} 1');
    expect(text).not.toContain('keyword="late"');
  });
});
