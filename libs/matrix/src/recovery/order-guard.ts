import type { TopicRecord } from '@parley/contracts';
import type { Logger } from 'pino';
import { HomeserverError, type HomeserverClient } from '../homeserver/homeserver-client.ts';
import { AppserviceInterest } from './interest.ts';
import type { RecentActivity } from './catch-up.ts';
import type { EventPipeline } from '../event-pipeline.ts';
import { looseFields } from '../model/client-event.ts';
import { eventIdOf, historyBackwards, timestampOf } from '../homeserver/room-history.ts';

export interface OrderGuardOptions {
  client: HomeserverClient;
  pipeline: EventPipeline;
  /** What is already on the events topic since `sinceMs` (read back from Kafka when a guard arms). */
  loadActivity: (sinceMs: number) => Promise<RecentActivity>;
  /** How far before a recovery to look; 0 turns the guard off. */
  lookbackMs: number;
  /** How long the guard stays on after a recovery, and after the last replayed transaction. */
  windowMs: number;
  /** A transaction carrying an event older than this is the homeserver replaying what it held back. */
  replayAgeMs: number;
  /** Stops walking a room's history back after this many missing events (catch-up does the rest). */
  maxEventsPerRoom: number;
  /** Turns the guard off for the rest of its window rather than remember more event ids than this. */
  maxTracked: number;
  logger: Logger;
  now?: () => number;
}

/** Events to produce ahead of a transaction's own, because they precede them and never arrived. */
export interface Predecessors {
  records: TopicRecord[];
  /** Event ids, for the log and the metric. */
  eventIds: string[];
}

type State =
  | { kind: 'off' }
  | { kind: 'pending'; sinceMs: number }
  | {
      kind: 'armed';
      sinceMs: number;
      untilMs: number;
      produced: Set<string>;
      readers: Map<string, string>;
    };

/**
 * Keeps each room in order when the homeserver skips a transaction around a recovery.
 *
 * Why: Synapse marks an appservice down after a failed transaction and stores later ones for its
 * recoverer. A transaction it creates in the moment between the recoverer finding its queue empty and
 * marking the appservice up again is stored and never sent, while the next ones are sent live. Catch-up
 * produces such events later, after their successors. From each recovery until the homeserver has been
 * quiet for a window, the guard asks the homeserver, before a transaction is produced, for the events
 * that precede its first event in each room, and produces the ones missing from the topic first.
 * While the guard is off (no recovery lately), transactions are produced without any extra request.
 */
export class OrderGuard {
  private readonly options: OrderGuardOptions;
  private readonly now: () => number;
  private state: State = { kind: 'off' };
  private arming: Promise<void> | undefined;
  private lastReplayMs = Number.NEGATIVE_INFINITY;

  constructor(options: OrderGuardOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** A recovery begins (ingest starts, or a transaction failed): arm before the next transaction. */
  recoveryStarted(): void {
    if (this.options.lookbackMs === 0) return;
    const sinceMs = this.now() - this.options.lookbackMs;
    this.state = {
      kind: 'pending',
      sinceMs: this.state.kind === 'off' ? sinceMs : Math.min(sinceMs, this.state.sinceMs),
    };
  }

  /** Reads what is already on the topic, once per recovery; transactions wait for it. */
  async arm(): Promise<void> {
    if (this.state.kind !== 'pending') return;
    const { sinceMs } = this.state;
    this.arming ??= this.options
      .loadActivity(sinceMs)
      .then((activity) => {
        // A failure while loading made it pending again, from a start no later than this one.
        if (this.state.kind !== 'pending') return;
        this.state = {
          kind: 'armed',
          sinceMs: Math.min(sinceMs, this.state.sinceMs),
          untilMs: this.now() + this.options.windowMs,
          produced: new Set(activity.producedEventIds),
          readers: new Map(activity.readers),
        };
      })
      .finally(() => {
        this.arming = undefined;
      });
    await this.arming;
  }

  /** Milliseconds since the homeserver last replayed a held-back transaction (catch-up waits for quiet). */
  msSinceLastReplay(): number {
    return this.now() - this.lastReplayMs;
  }

  /**
   * The events that precede this transaction's in their rooms and are not on the topic, as records to
   * produce first. Throws only when the guard cannot arm (Kafka unreachable): the transaction then
   * fails and the homeserver retries it.
   */
  async predecessors(events: readonly unknown[]): Promise<Predecessors> {
    const none: Predecessors = { records: [], eventIds: [] };
    if (this.state.kind === 'pending') await this.arm();
    const state = this.state;
    if (state.kind !== 'armed') return none;
    const now = this.now();
    const firsts = firstEventPerRoom(events);
    if (firsts.some((e) => now - e.ts > this.options.replayAgeMs)) {
      this.lastReplayMs = now;
      state.untilMs = Math.max(state.untilMs, now + this.options.windowMs);
    }
    if (now > state.untilMs) {
      this.state = { kind: 'off' };
      return none;
    }

    const missing: unknown[] = [];
    for (const first of firsts) {
      const reader = first.senders.find((s) => this.options.pipeline.canActAs(s)) ?? state.readers.get(first.roomId);
      if (reader === undefined || first.ts < state.sinceMs) continue;
      state.readers.set(first.roomId, reader);
      try {
        const interest = new AppserviceInterest((u) => this.options.pipeline.canActAs(u), [reader, ...first.senders]);
        // Back through the transaction's own events of the room: who was joined just before the first.
        for (const event of [...first.events].reverse()) interest.sentToAppservice(event);
        missing.push(...(await this.missingBefore(first.roomId, first.eventId, interest, reader, state)));
      } catch (error) {
        if (error instanceof HomeserverError && error.status >= 400 && error.status < 500) {
          // Not readable as this user (left, or history hidden): nothing to compare against.
          this.options.logger.debug({ roomId: first.roomId, err: error }, 'order check skipped a room');
          continue;
        }
        this.state = { kind: 'off' };
        this.options.logger.warn(
          { err: error },
          'order check off until the next recovery: the homeserver did not answer',
        );
        return none;
      }
    }
    if (missing.length === 0) return none;
    const converted = await this.options.pipeline.toRecords(missing, {
      origin: { via: 'backfill' },
      stage: 'ingest/order-guard',
      batchId: `order-guard/${String(now)}`,
    });
    return { records: converted.records, eventIds: missing.map(eventIdOf).filter((id) => id !== undefined) };
  }

  /** These events are on the topic now (or dead-lettered): never produce them again from history. */
  produced(events: readonly unknown[], extraIds: readonly string[] = []): void {
    const state = this.state;
    if (state.kind !== 'armed') return;
    for (const id of extraIds) state.produced.add(id);
    for (const event of events) {
      const id = eventIdOf(event);
      if (id !== undefined && timestampOf(event) >= state.sinceMs) state.produced.add(id);
    }
    if (state.produced.size > this.options.maxTracked) {
      this.state = { kind: 'off' };
      this.options.logger.warn(
        { tracked: state.produced.size },
        'order check off until the next recovery: too many recent events to track',
      );
    }
  }

  /**
   * Walks the room back from the event until one that is on the topic, older than the window, or the
   * cap, collecting the events the homeserver should have sent.
   */
  private async missingBefore(
    roomId: string,
    eventId: string,
    interest: AppserviceInterest,
    reader: string,
    state: Extract<State, { kind: 'armed' }>,
  ): Promise<unknown[]> {
    const { client } = this.options;
    // Synapse splits the limit between before and after: 20 gives the 10 events before.
    const context = await client.context(roomId, eventId, 20, reader);
    async function* before(): AsyncGenerator {
      const first = context.events_before;
      yield* first;
      if (context.start !== undefined && first.length > 0)
        yield* historyBackwards(client, roomId, reader, 100, context.start);
    }
    const newestFirst: unknown[] = [];
    for await (const event of before()) {
      const id = eventIdOf(event);
      if (id === undefined) continue;
      if (state.produced.has(id) || timestampOf(event) < state.sinceMs) break;
      // A portal's set-up, before any of our users joined, never was ours to receive.
      if (!interest.sentToAppservice(event)) continue;
      newestFirst.push(event);
      if (newestFirst.length >= this.options.maxEventsPerRoom) break;
    }
    return newestFirst.reverse();
  }
}

interface RoomFirst {
  roomId: string;
  eventId: string;
  ts: number;
  senders: string[];
  events: unknown[];
}

/** For each room of a transaction: its events (in order), the first one, and their senders. */
function firstEventPerRoom(events: readonly unknown[]): RoomFirst[] {
  const byRoom = new Map<string, RoomFirst>();
  for (const event of events) {
    const { roomId, eventId, sender, ts } = looseFields(event);
    if (roomId === undefined || eventId === undefined) continue;
    let first = byRoom.get(roomId);
    if (!first) {
      first = { roomId, eventId, ts, senders: [], events: [] };
      byRoom.set(roomId, first);
    }
    first.events.push(event);
    if (sender !== undefined && !first.senders.includes(sender)) first.senders.push(sender);
  }
  return [...byRoom.values()];
}
