import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CatchUpScheduler,
  DEFAULT_GHOST_RULES,
  DEFAULT_SIDE_RULE,
  EventPipeline,
  HomeserverClient,
  RoomStateCache,
  type RecentActivity,
} from '../src/index.ts';

const SECOND = 1000;

/** A scheduler whose passes find no active room (so they ask the homeserver nothing) and whose clock is faked. */
function scheduler(quietFor: () => number, loadActivity?: (sinceMs: number) => Promise<RecentActivity>) {
  const loads: number[] = [];
  const outcomes: string[] = [];
  const created = new CatchUpScheduler({
    client: new HomeserverClient({ baseUrl: 'http://127.0.0.1:9', asToken: 'unused' }),
    pipeline: new EventPipeline({
      homeserver: 'parley.test',
      identity: { ghostRules: DEFAULT_GHOST_RULES, sideRule: DEFAULT_SIDE_RULE },
      rooms: new RoomStateCache({ maxRooms: 10, maxMembersPerRoom: 10 }),
      canActAs: () => false,
    }),
    sink: { publish: async () => undefined },
    pageSize: 10,
    maxEventsPerRoom: 10,
    lookbackMs: 60 * SECOND,
    delayMs: 10 * SECOND,
    settleMs: 5 * SECOND,
    loadActivity:
      loadActivity ??
      (async (sinceMs) => {
        loads.push(sinceMs);
        return { producedEventIds: new Set(), readers: new Map() };
      }),
    msSinceLastReplay: quietFor,
    onPass: (outcome) => outcomes.push('error' in outcome ? `failed: ${String(outcome.error)}` : 'done'),
  });
  return { scheduler: created, loads, outcomes };
}

describe('CatchUpScheduler (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits for the homeserver to be quiet for the delay, then passes once from the lookback', async () => {
    let lastReplayAt = Date.now();
    const { scheduler: s, loads, outcomes } = scheduler(() => Date.now() - lastReplayAt);
    s.afterRecovery();
    await vi.advanceTimersByTimeAsync(6 * SECOND);
    lastReplayAt = Date.now(); // a replayed transaction: the wait starts over
    await vi.advanceTimersByTimeAsync(8 * SECOND);
    expect(loads).toEqual([]);
    await vi.advanceTimersByTimeAsync(3 * SECOND);
    expect(loads).toEqual([1_000_000 - 60 * SECOND]);
    expect(outcomes).toEqual(['done']);
  });

  it('runs one pass at a time and merges recoveries during a pass into one more, from the earliest time', async () => {
    let release: () => void = () => undefined;
    const loads: number[] = [];
    const { scheduler: s, outcomes } = scheduler(
      () => Number.POSITIVE_INFINITY,
      async (sinceMs) => {
        loads.push(sinceMs);
        if (loads.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return { producedEventIds: new Set(), readers: new Map() };
      },
    );
    s.afterRecovery();
    await vi.advanceTimersByTimeAsync(10 * SECOND); // first pass starts and hangs
    s.afterRecovery();
    await vi.advanceTimersByTimeAsync(1 * SECOND);
    s.afterRecovery();
    await vi.advanceTimersByTimeAsync(10 * SECOND); // both due while the first runs: queued as one
    expect(loads).toHaveLength(1);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(loads).toEqual([1_000_000 - 60 * SECOND, 1_000_000 + 10 * SECOND - 60 * SECOND]);
    expect(outcomes).toEqual(['done', 'done']);
  });

  it('reports a failed pass, and runs nothing after stop', async () => {
    const { scheduler: s, outcomes } = scheduler(
      () => Number.POSITIVE_INFINITY,
      () => Promise.reject(new Error('events topic unreadable')),
    );
    s.afterRecovery();
    await vi.advanceTimersByTimeAsync(10 * SECOND);
    expect(outcomes).toEqual(['failed: Error: events topic unreadable']);
    s.afterRecovery();
    await s.stop();
    await vi.advanceTimersByTimeAsync(60 * SECOND);
    expect(outcomes).toHaveLength(1);
  });
});
