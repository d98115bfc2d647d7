import { TOPICS, type TopicRecord } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import {
  backfillRoom,
  DEFAULT_GHOST_RULES,
  DEFAULT_SIDE_RULE,
  EventPipeline,
  RoomStateCache,
  type BackfillCheckpoint,
  type HomeserverClient,
} from '../src/index.ts';

const ROOM = '!history:parley.test';
const event = (n: number) => ({
  event_id: `$e${String(n)}`,
  room_id: ROOM,
  sender: '@whatsapp_4915100000001:parley.test',
  origin_server_ts: 1_796_000_000_000 + n,
  type: 'm.room.message',
  content: { msgtype: 'm.text', body: `message ${String(n)}` },
});

/**
 * A room's history paged forward as /messages pages it: tokens are positions, `end` is absent on the
 * last page. An injected client (the paging contract, not a homeserver imitation: the real one is
 * exercised by backfill.int.test.ts).
 */
function history(count: number): Pick<HomeserverClient, 'messages'> & { requests: number } {
  const events = Array.from({ length: count }, (_, i) => event(i));
  const pager = {
    requests: 0,
    messages: async (_roomId: string, page: { dir: 'b' | 'f'; limit: number; from?: string | undefined }) => {
      pager.requests += 1;
      const start = Number(page.from ?? '0');
      const chunk = events.slice(start, start + page.limit);
      const next = start + chunk.length;
      return { start: String(start), ...(next < count && { end: String(next) }), chunk };
    },
  };
  return pager;
}

function setup() {
  const produced: string[] = [];
  const saved = new Map<string, BackfillCheckpoint>();
  let failAt: number | undefined;
  const sink = {
    publish: async (records: readonly TopicRecord[]) => {
      const ids = records
        .filter((r) => r.topic === TOPICS.matrixEvents)
        .map((r) => r.key + '|' + String(r.headers['ce_id']));
      if (failAt !== undefined && produced.length + ids.length > failAt) throw new Error('Kafka down');
      produced.push(...ids.map((id) => id.split('|')[1] ?? ''));
    },
  };
  const pipeline = new EventPipeline({
    homeserver: 'parley.test',
    identity: { ghostRules: DEFAULT_GHOST_RULES, sideRule: DEFAULT_SIDE_RULE },
    rooms: new RoomStateCache({ maxRooms: 10, maxMembersPerRoom: 10 }),
    canActAs: () => true,
  });
  const checkpoints = {
    get: (roomId: string) => saved.get(roomId),
    set: async (roomId: string, checkpoint: BackfillCheckpoint) => {
      saved.set(roomId, checkpoint);
    },
  };
  return {
    produced,
    saved,
    failAfter: (n: number | undefined) => (failAt = n),
    run: (client: Pick<HomeserverClient, 'messages'>) =>
      backfillRoom(ROOM, { client, pipeline, sink, checkpoints, asUser: '@parley:parley.test', pageSize: 3 }),
  };
}

describe('backfillRoom (injected pager and sink)', () => {
  it('produces a room oldest first, page by page, and a second run produces nothing', async () => {
    const s = setup();
    expect(await s.run(history(7))).toEqual({ events: 7, pages: 3 });
    expect(s.produced).toEqual(Array.from({ length: 7 }, (_, i) => `$e${String(i)}`));
    expect(s.saved.get(ROOM)).toEqual({ token: '6', lastEventId: '$e6' });
    const again = history(7);
    expect(await s.run(again)).toEqual({ events: 0, pages: 1 });
    expect(again.requests).toBe(1);
    expect(s.produced).toHaveLength(7);
  });

  it('resumes after a failed page from its checkpoint: nothing missing, nothing twice', async () => {
    const s = setup();
    s.failAfter(4);
    await expect(s.run(history(8))).rejects.toThrow('Kafka down');
    expect(s.produced).toEqual(['$e0', '$e1', '$e2']);
    s.failAfter(undefined);
    await s.run(history(8));
    expect(s.produced).toEqual(Array.from({ length: 8 }, (_, i) => `$e${String(i)}`));
  });

  it('picks up events that arrived after a finished run', async () => {
    const s = setup();
    await s.run(history(4));
    await s.run(history(6));
    expect(s.produced).toEqual(Array.from({ length: 6 }, (_, i) => `$e${String(i)}`));
  });
});
