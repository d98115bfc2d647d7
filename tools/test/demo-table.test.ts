import { ConversationV1 } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { conversationTable, duration } from '../demo/table.ts';

const conversation = ConversationV1.parse({
  schemaVersion: 1,
  conversationId: '!r:x/$1',
  roomId: '!r:x',
  channel: { protocol: 'whatsapp', roomType: 'dm' },
  personKey: 'whatsapp:+34612345678',
  status: 'resolved',
  startedAt: '2026-03-02T10:00:00.000Z',
  openedAt: '2026-03-02T10:00:00.000Z',
  lastMessageAt: '2026-03-02T13:06:00.000Z',
  resolvedAt: '2026-03-02T13:06:00.000Z',
  resolvedBy: 'closing-signal',
  reopened: 0,
  firstResponseSeconds: 720,
  responseSeconds: [720],
  resolutionSeconds: 11_160,
  awaitingReplySince: null,
  messages: { customer: 2, business: 1 },
  intents: { order_status: 1, feedback: 1 },
  sentiment: { start: 'neutral', end: 'positive', average: 0.3, trend: 'improving' },
  keywords: [],
  followUps: [],
  breached: { firstResponse: false, resolution: false },
  entries: [
    { eventId: '$1', at: '2026-03-02T10:00:00.000Z', side: 'customer', keywords: [] },
    { eventId: '$2', at: '2026-03-02T10:12:00.000Z', side: 'business', keywords: [] },
    { eventId: '$3', at: '2026-03-02T13:06:00.000Z', side: 'customer', keywords: [] },
  ],
});

describe("the demo's conversation table", () => {
  it('shows first response, resolution, sentiment and segment per conversation, aligned', () => {
    const lines = conversationTable([
      { name: 'Lucía Fernández', conversation, segment: 'new' },
      { name: 'Jonas Becker', conversation: undefined, segment: undefined },
    ]);
    expect(lines[0]).toMatch(/^conversation\s+status\s+first response\s+resolution\s+sentiment\s+segment$/);
    expect(lines[2]).toMatch(/^Lucía Fernández\s+resolved\s+12 min\s+3\.1 h\s+neutral → positive \(improving\)\s+new$/);
    expect(lines[3]).toMatch(/^Jonas Becker\s+—\s+—\s+—\s+—\s+—$/);
    expect(lines[2]?.indexOf('resolved')).toBe(lines[0]?.indexOf('status'));
    expect(lines[2]?.indexOf('new')).toBe(lines[0]?.indexOf('segment'));
  });

  it('reads durations as people do', () => {
    expect([45, 720, 11_160, 200_000, null].map(duration)).toEqual(['45 s', '12 min', '3.1 h', '2.3 d', '—']);
  });
});
