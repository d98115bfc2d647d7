import {
  deadLetterRecord,
  eventRecord,
  roomStateRecord,
  TOPICS,
  type MatrixEventV1,
  type TopicRecord,
} from '@parley/contracts';
import { looseFields, parseClientEvent } from './model/client-event.ts';
import type { IdentityContext } from './model/identity.ts';
import { normaliseEvent } from './model/normalise.ts';
import { RoomDirectory } from './rooms/room-directory.ts';
import type { RoomStateCache } from './rooms/room-state-cache.ts';

export interface PipelineOptions {
  homeserver: string;
  identity: IdentityContext;
  rooms: RoomStateCache;
  /** Decides when a room's record goes to the rooms topic; one is made from the above when absent. */
  directory?: RoomDirectory;
  /** Users ingest may act as when reading a room's state (its appservice namespace). */
  canActAs: (userId: string) => boolean;
  now?: () => Date;
}

export interface PipelineResult {
  records: TopicRecord[];
  events: number;
  deadLettered: number;
  byKind: Partial<Record<MatrixEventV1['kind'], number>>;
}

/** Where a batch of events came from, for the normalised `origin` and for dead letters. */
export interface BatchSource {
  origin: MatrixEventV1['origin'];
  /** Dead-letter bookkeeping: names the stage and the batch. */
  stage: string;
  batchId: string;
}

/**
 * Client-format events in, Kafka records out, whatever the source (appservice transaction, sync,
 * backfill): normalised events, room-level state changes, and dead letters for malformed events.
 * Events are handled in order, so each is tagged with the room state as of that event.
 */
export class EventPipeline {
  private readonly options: PipelineOptions;
  readonly directory: RoomDirectory;

  constructor(options: PipelineOptions) {
    this.options = options;
    this.directory =
      options.directory ?? new RoomDirectory({ homeserver: options.homeserver, identity: options.identity });
  }

  /** Takes state into the room cache without producing anything (a sync's state block). */
  observe(rawEvents: readonly unknown[]): void {
    for (const raw of rawEvents) {
      const parsed = parseClientEvent(raw);
      if (parsed.ok) this.options.rooms.apply(parsed.event);
    }
  }

  /** Whether ingest may read rooms as this user (it is in the appservice's namespace). */
  canActAs(userId: string): boolean {
    return this.options.canActAs(userId);
  }

  async toRecords(rawEvents: readonly unknown[], source: BatchSource): Promise<PipelineResult> {
    const { homeserver, identity, rooms } = this.options;
    const result: PipelineResult = { records: [], events: 0, deadLettered: 0, byKind: {} };
    const failedAt = (this.options.now?.() ?? new Date()).toISOString();
    for (const [index, raw] of rawEvents.entries()) {
      const parsed = parseClientEvent(raw);
      if (!parsed.ok) {
        result.deadLettered += 1;
        result.records.push(
          deadLetterRecord({
            topic: TOPICS.matrixEventsDlq,
            key: deadLetterKey(raw),
            id: `${source.batchId}/${index}`,
            producer: source.stage,
            value: {
              reason: 'invalid_event',
              error: parsed.error,
              stage: source.stage,
              source: source.origin.txnId === undefined ? {} : { txnId: source.origin.txnId },
              raw,
              failedAt,
            },
          }),
        );
        continue;
      }
      const event = parsed.event;
      const asUser = this.options.canActAs(event.sender) ? event.sender : undefined;
      // State first: a join may be what lets us read the room's state now.
      rooms.apply(event);
      const room = await rooms.view(event.room_id, asUser);
      const normalised = normaliseEvent(event, room, { homeserver, identity, origin: source.origin });
      // The room's record goes first whenever it is new to the topic or changed, by whatever route
      // ingest learned it: a state event here, or the state just read from the homeserver.
      const entry = this.directory.changed(room);
      if (entry) result.records.push(roomStateRecord(entry, { eventId: event.event_id, ts: event.origin_server_ts }));
      result.records.push(eventRecord(normalised));
      result.events += 1;
      result.byKind[normalised.kind] = (result.byKind[normalised.kind] ?? 0) + 1;
    }
    return result;
  }
}

function deadLetterKey(raw: unknown): string {
  const { roomId } = looseFields(raw);
  return roomId !== undefined && roomId.length > 0 ? roomId : 'unknown';
}
