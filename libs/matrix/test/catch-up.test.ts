import { describe, expect, it } from 'vitest';
import { activityFrom } from '../src/catch-up.ts';

describe('activityFrom (what catch-up reads back from the events topic)', () => {
  const event = (eventId: string, roomId: string, userId: string) => ({ eventId, roomId, sender: { userId } });
  const ours = (userId: string) => userId.startsWith('@whatsapp_');

  it('collects every event id, and per room the latest sender ingest may read as', () => {
    const activity = activityFrom(
      [
        event('$1', '!a:x', '@whatsapp_1:x'),
        event('$2', '!a:x', '@agent:x'),
        event('$3', '!a:x', '@whatsapp_2:x'),
        event('$4', '!b:x', '@agent:x'),
      ],
      ours,
    );
    expect([...activity.producedEventIds]).toEqual(['$1', '$2', '$3', '$4']);
    // !b had no sender in the namespace: there is nobody to read it as.
    expect([...activity.readers]).toEqual([['!a:x', '@whatsapp_2:x']]);
  });

  it('skips values that are not normalised events instead of failing', () => {
    const activity = activityFrom(
      [null, 42, { roomId: '!a:x' }, { eventId: 7 }, event('$1', '!a:x', '@whatsapp_1:x')],
      ours,
    );
    expect([...activity.producedEventIds]).toEqual(['$1']);
  });
});
