import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GHOST_RULES,
  DEFAULT_SIDE_RULE,
  EventPipeline,
  HomeserverClient,
  OrderGuard,
  RoomStateCache,
  type OrderGuardOptions,
} from '../src/index.ts';

const MINUTE = 60_000;
const OURS = /^@whatsapp_/;

/**
 * The guard's state machine with an injected clock and activity loader. Its homeserver is an address
 * nothing listens on: a guard that asks it anything meets a connection error, which it must survive.
 */
function guard(overrides: Partial<OrderGuardOptions> = {}) {
  const clock = { now: 10 * MINUTE };
  const loads: number[] = [];
  const warnings: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = JSON.parse(chunk.toString()) as { level: number; msg: string };
      if (line.level === 40) warnings.push(line.msg);
      done();
    },
  });
  const pipeline = new EventPipeline({
    homeserver: 'parley.test',
    identity: { ghostRules: DEFAULT_GHOST_RULES, sideRule: DEFAULT_SIDE_RULE },
    rooms: new RoomStateCache({ maxRooms: 10, maxMembersPerRoom: 10 }),
    canActAs: (userId) => OURS.test(userId),
  });
  const order = new OrderGuard({
    client: new HomeserverClient({ baseUrl: 'http://127.0.0.1:9', asToken: 'unused' }),
    pipeline,
    loadActivity: async (sinceMs) => {
      loads.push(sinceMs);
      return { producedEventIds: new Set(['$already']), readers: new Map() };
    },
    lookbackMs: 5 * MINUTE,
    windowMs: 2 * MINUTE,
    replayAgeMs: MINUTE,
    maxEventsPerRoom: 100,
    maxTracked: 3,
    logger: pino({ level: 'debug' }, sink),
    now: () => clock.now,
    ...overrides,
  });
  return { order, clock, loads, warnings };
}

const event = (id: string, ts: number, sender = '@alice:parley.test', room = '!r:parley.test') => ({
  event_id: id,
  room_id: room,
  sender,
  origin_server_ts: ts,
  type: 'm.room.message',
  content: { msgtype: 'm.text', body: id },
});

describe('OrderGuard (injected clock and activity)', () => {
  it('does nothing, and reads nothing back, with a lookback of 0', async () => {
    const { order, loads } = guard({ lookbackMs: 0 });
    order.recoveryStarted();
    expect(await order.predecessors([event('$1', 10 * MINUTE)])).toEqual({ records: [], eventIds: [] });
    expect(loads).toEqual([]);
  });

  it('reads the topic back once per recovery, from the lookback before it, however many transactions wait', async () => {
    const { order, loads } = guard();
    order.recoveryStarted();
    await Promise.all([order.predecessors([event('$1', 10 * MINUTE)]), order.predecessors([event('$2', 10 * MINUTE)])]);
    expect(loads).toEqual([5 * MINUTE]);
    // Another recovery reads back again, from no later than the earlier start.
    order.recoveryStarted();
    await order.arm();
    expect(loads).toEqual([5 * MINUTE, 5 * MINUTE]);
  });

  it('asks the homeserver only for rooms it can read, and turns itself off when the homeserver does not answer', async () => {
    const { order, warnings } = guard();
    order.recoveryStarted();
    // No sender of ours and no known reader: nothing to ask, nothing missing.
    expect(await order.predecessors([event('$1', 10 * MINUTE)])).toEqual({ records: [], eventIds: [] });
    expect(warnings).toEqual([]);
    // A ghost of ours can read the room: the guard asks, the homeserver is unreachable, the guard stops.
    expect(await order.predecessors([event('$2', 10 * MINUTE, '@whatsapp_4915100000001:parley.test')])).toEqual({
      records: [],
      eventIds: [],
    });
    expect(warnings).toEqual(['order check off until the next recovery: the homeserver did not answer']);
  });

  it('stays on while the homeserver replays held-back transactions, and switches off after a quiet window', async () => {
    const { order, clock, loads, warnings } = guard();
    const ghost = '@whatsapp_4915100000001:parley.test';
    order.recoveryStarted();
    await order.arm();
    clock.now += 90_000;
    // An event two minutes old: a replay, which keeps the guard on for another window from now.
    await order.predecessors([event('$old', clock.now - 2 * MINUTE)]);
    expect(order.msSinceLastReplay()).toBe(0);
    clock.now += 90_000;
    expect(order.msSinceLastReplay()).toBe(90_000);
    await order.predecessors([event('$3', clock.now)]);
    clock.now += 3 * MINUTE;
    await order.predecessors([event('$4', clock.now)]);
    // Off: a later transaction of a room our ghost reads asks the homeserver nothing (were it on, the
    // unreachable homeserver would have turned it off with a warning) and nothing is read back again.
    await order.predecessors([event('$5', clock.now, ghost)]);
    expect(warnings).toEqual([]);
    expect(loads).toHaveLength(1);
  });

  it('turns itself off rather than track more event ids than allowed', async () => {
    const { order, warnings } = guard();
    order.recoveryStarted();
    await order.arm();
    order.produced([event('$a', 10 * MINUTE), event('$b', 10 * MINUTE)]);
    expect(warnings).toEqual([]);
    order.produced([event('$c', 10 * MINUTE)]);
    expect(warnings).toEqual(['order check off until the next recovery: too many recent events to track']);
  });
});
