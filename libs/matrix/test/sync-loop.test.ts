import { TOPICS, type TopicRecord } from '@parley/contracts';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GHOST_RULES,
  DEFAULT_SIDE_RULE,
  EventPipeline,
  HomeserverError,
  RoomStateCache,
  SyncLoop,
  type SyncClient,
  type SyncResponse,
} from '../src/index.ts';

const ROOM = '!r:parley.test';

const message = (id: string, ts: number) => ({
  event_id: id,
  sender: '@alice:parley.test',
  origin_server_ts: ts,
  type: 'm.room.message',
  content: { msgtype: 'm.text', body: id },
});

type Step = SyncResponse | Error;

/**
 * A homeserver that answers each /sync from a script (then holds the long poll until aborted), and
 * /messages from a map of pages by `from` token; every call is recorded.
 */
function scripted(steps: Step[], pages: Record<string, { chunk: unknown[]; end?: string }> = {}) {
  const syncs: (string | undefined)[] = [];
  const gapCalls: { from: string | undefined; to: string | undefined }[] = [];
  let answered = 0;
  let idle: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    idle = resolve;
  });
  const client: SyncClient = {
    sync: async (request, signal) => {
      syncs.push(request.since);
      const step = steps.shift();
      if (step === undefined) {
        idle();
        return new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => {
            reject(new DOMException('aborted', 'AbortError'));
          });
        });
      }
      answered += 1;
      if (step instanceof Error) throw step;
      return step;
    },
    messages: async (_room, page) => {
      gapCalls.push({ from: page.from, to: page.to });
      const found = pages[page.from ?? ''];
      return { start: page.from ?? '', chunk: found?.chunk ?? [], ...(found?.end !== undefined && { end: found.end }) };
    },
  };
  return { client, syncs, gapCalls, finished, answered: () => answered };
}

function loop(client: SyncClient, stored: string | undefined) {
  const published: TopicRecord[][] = [];
  const saved: string[] = [];
  const health: string[] = [];
  const sync = new SyncLoop({
    client,
    homeserver: 'parley.test',
    pipeline: new EventPipeline({
      homeserver: 'parley.test',
      identity: { ghostRules: DEFAULT_GHOST_RULES, sideRule: DEFAULT_SIDE_RULE },
      rooms: new RoomStateCache({ maxRooms: 10, maxMembersPerRoom: 10 }),
      canActAs: () => false,
    }),
    sink: {
      publish: async (records) => {
        published.push([...records]);
      },
    },
    tokens: {
      load: async () => stored,
      save: async (token) => {
        saved.push(token);
      },
    },
    logger: pino({ level: 'silent' }),
    onHealth: (healthy, detail) => health.push(`${String(healthy)} ${detail}`),
    now: () => new Date('2026-01-01T00:00:00Z'),
    retryDelayMs: () => 1,
  });
  return { sync, published, saved, health };
}

const eventIds = (records: readonly TopicRecord[]) =>
  records.filter((r) => r.topic === TOPICS.matrixEvents).map((r) => (r.value as { eventId: string }).eventId);

describe('SyncLoop (scripted homeserver)', () => {
  it('takes the first sync as its starting point only, then produces each batch before storing its token', async () => {
    const home = scripted([
      { next_batch: 's1', rooms: { join: { [ROOM]: { timeline: { events: [message('$before', 1)] } } } } },
      { next_batch: 's2', rooms: { join: { [ROOM]: { timeline: { events: [message('$a', 2), message('$b', 3)] } } } } },
    ]);
    const { sync, published, saved } = loop(home.client, undefined);
    sync.start();
    await home.finished;
    await sync.stop();
    // History before the first sync is the backfill's: $before is not produced.
    expect(published.map(eventIds)).toEqual([['$a', '$b']]);
    expect(saved).toEqual(['s1', 's2']);
    expect(home.syncs).toEqual([undefined, 's1', 's2']);
  });

  it('resumes from the stored token and fills a limited timeline from /messages, oldest first, without gaps', async () => {
    const home = scripted(
      [
        {
          next_batch: 's9',
          rooms: {
            join: {
              [ROOM]: { timeline: { events: [message('$5', 5)], limited: true, prev_batch: 'p4' } },
            },
          },
        },
      ],
      // Newest first, as dir=b pages come: $4 $3, then $2, then nothing more before the stored token.
      { p4: { chunk: [message('$4', 4), message('$3', 3)], end: 'p2' }, p2: { chunk: [message('$2', 2)], end: 'p1' } },
    );
    const { sync, published } = loop(home.client, 's1');
    sync.start();
    await home.finished;
    await sync.stop();
    expect(published.map(eventIds)).toEqual([['$2', '$3', '$4', '$5']]);
    expect(home.gapCalls).toEqual([
      { from: 'p4', to: 's1' },
      { from: 'p2', to: 's1' },
      { from: 'p1', to: 's1' },
    ]);
  });

  it('produces typing and receipts as ephemeral records of their room, skipping one without a type', async () => {
    const home = scripted([
      {
        next_batch: 's2',
        rooms: {
          join: {
            [ROOM]: {
              ephemeral: {
                events: [{ type: 'm.typing', content: { user_ids: ['@alice:parley.test'] } }, { content: {} }],
              },
            },
          },
        },
      },
    ]);
    const { sync, published } = loop(home.client, 's1');
    sync.start();
    await home.finished;
    await sync.stop();
    const ephemeral = published.flat().filter((r) => r.topic === TOPICS.matrixEphemeral);
    expect(ephemeral.map((r) => r.value)).toEqual([
      {
        schemaVersion: 1,
        type: 'm.typing',
        roomId: ROOM,
        homeserver: 'parley.test',
        content: { user_ids: ['@alice:parley.test'] },
        receivedAt: '2026-01-01T00:00:00.000Z',
      },
    ]);
  });

  it('reports a failing homeserver in its health, keeps the token, retries and recovers', async () => {
    const home = scripted([
      new HomeserverError('GET /_matrix/client/v3/sync answered 502', 502, undefined),
      { next_batch: 's2', rooms: { join: { [ROOM]: { timeline: { events: [message('$a', 2)] } } } } },
    ]);
    const { sync, published, saved, health } = loop(home.client, 's1');
    sync.start();
    await home.finished;
    await sync.stop();
    expect(health).toEqual(['false sync failed: GET /_matrix/client/v3/sync answered 502', 'true syncing']);
    // The failed attempt and the retry both start from the stored token.
    expect(home.syncs).toEqual(['s1', 's1', 's2']);
    expect(saved).toEqual(['s2']);
    expect(published.map(eventIds)).toEqual([['$a']]);
  });

  it('stops a long poll under way at once, storing nothing', async () => {
    const home = scripted([]);
    const { sync, saved, published } = loop(home.client, 's1');
    sync.start();
    await home.finished;
    await sync.stop();
    expect(home.syncs).toEqual(['s1']);
    expect(saved).toEqual([]);
    expect(published).toEqual([]);
  });
});
