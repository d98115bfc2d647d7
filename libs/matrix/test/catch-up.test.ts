import { TOPICS } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { ActivityCollector, senderOf } from '../src/recovery/catch-up.ts';
import { DEFAULT_GHOST_RULES, DEFAULT_SIDE_RULE, EventPipeline, RoomStateCache } from '../src/index.ts';
import { AGENT, CUSTOMER, event } from './fixtures.ts';

const ours = (userId: string) => userId.startsWith('@whatsapp_');

/** Events as they sit on the events topic: key, ce_id header and the JSON bytes ingest produced. */
async function onTopic(events: ReturnType<typeof event>[]) {
  const pipeline = new EventPipeline({
    homeserver: 'parley.test',
    identity: { ghostRules: DEFAULT_GHOST_RULES, sideRule: DEFAULT_SIDE_RULE },
    rooms: new RoomStateCache({ maxRooms: 10, maxMembersPerRoom: 10 }),
    canActAs: () => false,
  });
  const { records } = await pipeline.toRecords(events, { origin: { via: 'appservice' }, stage: 'test', batchId: '1' });
  // Catch-up reads the events topic back; the rooms topic's records are not on it.
  return records
    .filter((r) => r.topic === TOPICS.matrixEvents)
    .map((r) => ({
      roomId: r.key,
      eventId: r.headers['ce_id'],
      value: Buffer.from(JSON.stringify(r.value)),
    }));
}

describe('ActivityCollector (what catch-up reads back from the events topic)', () => {
  it('collects every event id, and per room the latest sender ingest may read as', async () => {
    const collector = new ActivityCollector(ours);
    const records = await onTopic([
      event({ event_id: '$1', room_id: '!a:x', sender: CUSTOMER, type: 'm.room.message', content: { body: 'hi' } }),
      event({ event_id: '$2', room_id: '!a:x', sender: AGENT, type: 'm.room.message', content: { body: 'yes?' } }),
      event({ event_id: '$3', room_id: '!b:x', sender: AGENT, type: 'm.room.message', content: { body: 'hello' } }),
    ]);
    for (const record of records) collector.add(record);
    expect([...collector.activity.producedEventIds]).toEqual(['$1', '$2', '$3']);
    // !b had no sender in the namespace: there is nobody to read it as.
    expect([...collector.activity.readers]).toEqual([['!a:x', CUSTOMER]]);
  });

  it('skips records without an event id or a value instead of failing', () => {
    const collector = new ActivityCollector(ours);
    collector.add({ roomId: '!a:x', eventId: undefined, value: Buffer.from('{}') });
    collector.add({ roomId: '!a:x', eventId: '$1', value: null });
    collector.add({ roomId: '!a:x', eventId: '$2', value: Buffer.from('not json') });
    expect([...collector.activity.producedEventIds]).toEqual(['$1', '$2']);
    expect(collector.activity.readers.size).toBe(0);
  });
});

describe('senderOf (reads the sender without parsing the whole value)', () => {
  it("finds the envelope's sender, not a look-alike inside the content", async () => {
    const [record] = await onTopic([
      event({
        sender: CUSTOMER,
        type: 'm.room.message',
        content: { body: '"sender":{"userId":"@whatsapp_1:x"}', nested: { sender: { userId: '@whatsapp_2:x' } } },
      }),
    ]);
    expect(record && senderOf(record.value)).toBe(CUSTOMER);
  });

  it('agrees with a full parse when the id needs escaping', () => {
    const odd = '@whatsapp_"quoted"\\:x';
    const value = Buffer.from(JSON.stringify({ schemaVersion: 1, sender: { userId: odd } }));
    expect(senderOf(value)).toBe(odd);
    expect(senderOf(Buffer.from('{"schemaVersion":1}'))).toBeUndefined();
  });
});
