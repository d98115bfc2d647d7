import type { HomeserverClient } from '../homeserver/homeserver-client.ts';
import { AppserviceInterest } from './interest.ts';
import type { EventSink } from '../appservice/transaction-processor.ts';
import type { EventPipeline } from '../event-pipeline.ts';
import { eventIdOf, historyBackwards, timestampOf } from '../homeserver/room-history.ts';

/** What ingest already produced lately: the event ids, and per room a user it may read the room as. */
export interface RecentActivity {
  producedEventIds: ReadonlySet<string>;
  readers: ReadonlyMap<string, string>;
}

const SENDER_OBJECT = Buffer.from('"sender":{"userId":"');

/**
 * The sender of a normalised event, read from its JSON bytes without parsing them all: catch-up reads
 * minutes of the events topic, and parsing every value cost ingest a sixth of its CPU under load. The
 * first `"sender":{"userId":"` is the envelope's own (it precedes `raw`, and quotes inside strings are
 * escaped); an escape inside the id falls back to a full parse.
 */
export function senderOf(value: Buffer): string | undefined {
  const at = value.indexOf(SENDER_OBJECT);
  if (at < 0) return undefined;
  const start = at + SENDER_OBJECT.length;
  const end = value.indexOf(0x22, start);
  if (end < 0) return undefined;
  const id = value.toString('utf8', start, end);
  if (!id.includes('\\')) return id;
  const parsed = JSON.parse(value.toString('utf8')) as { sender?: { userId?: unknown } } | null;
  return typeof parsed?.sender?.userId === 'string' ? parsed.sender.userId : undefined;
}

/**
 * Gathers recent activity from the events topic, record by record: each event id (the `ce_id`
 * header), and for each room (the key) the latest sender ingest may act as (an appservice reads a room
 * as one of its users).
 */
export class ActivityCollector {
  private readonly producedEventIds = new Set<string>();
  private readonly readers = new Map<string, string>();
  private readonly canActAs: (userId: string) => boolean;

  constructor(canActAs: (userId: string) => boolean) {
    this.canActAs = canActAs;
  }

  add(record: { roomId: string | undefined; eventId: string | undefined; value: Buffer | null }): void {
    if (record.eventId === undefined) return;
    this.producedEventIds.add(record.eventId);
    if (record.roomId === undefined || record.value === null) return;
    const sender = senderOf(record.value);
    if (sender !== undefined && this.canActAs(sender)) this.readers.set(record.roomId, sender);
  }

  /** A message of the events topic as a Kafka client hands it over: room in the key, event id in `ce_id`. */
  addMessage(message: {
    key: Buffer | string | null;
    value: Buffer | null;
    headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  }): void {
    const id = message.headers?.['ce_id'];
    this.add({
      roomId: message.key?.toString(),
      eventId: (Array.isArray(id) ? id[0] : id)?.toString(),
      value: message.value,
    });
  }

  get activity(): RecentActivity {
    return { producedEventIds: this.producedEventIds, readers: this.readers };
  }
}

export interface CatchUpOptions {
  client: HomeserverClient;
  pipeline: EventPipeline;
  sink: EventSink;
  /** Events per /messages page. */
  pageSize: number;
  /** Stops paging a room back after this many events, however busy it was. */
  maxEventsPerRoom: number;
}

export interface CatchUpResult {
  rooms: number;
  scanned: number;
  recovered: number;
  failedRooms: string[];
}

/**
 * Reads each recently active room's history within a time window and produces the events that never
 * reached ingest (with their own event ids, as backfill does).
 *
 * Why: a homeserver can lose appservice transactions. Synapse, for one, creates a transaction without
 * sending it when the appservice is marked down, and if that happens in the moment between its
 * recoverer finding the queue empty and marking the appservice up again, nothing sends it until the
 * appservice fails again. Reading the rooms' history after each recovery closes that hole.
 */
export async function catchUpRooms(
  activity: RecentActivity,
  window: { sinceMs: number; untilMs: number },
  options: CatchUpOptions,
): Promise<CatchUpResult> {
  const result: CatchUpResult = { rooms: 0, scanned: 0, recovered: 0, failedRooms: [] };
  for (const [roomId, reader] of activity.readers) {
    result.rooms += 1;
    let history: unknown[];
    try {
      history = await historyWithin(roomId, reader, window, options);
    } catch {
      // Left the room, or the homeserver refused: the other rooms still get their catch-up.
      result.failedRooms.push(roomId);
      continue;
    }
    result.scanned += history.length;
    const missing = history.filter((e) => !activity.producedEventIds.has(eventIdOf(e) ?? ''));
    if (missing.length === 0) continue;
    const converted = await options.pipeline.toRecords(missing, {
      origin: { via: 'backfill' },
      stage: 'ingest/catch-up',
      batchId: `catch-up/${roomId}`,
    });
    await options.sink.publish(converted.records);
    result.recovered += missing.length;
  }
  return result;
}

/**
 * The room's events sent within the window that the homeserver would have sent to the appservice,
 * oldest first. Later events are left alone: the homeserver may still be delivering them, and producing
 * them here too would only duplicate them.
 */
async function historyWithin(
  roomId: string,
  reader: string,
  { sinceMs, untilMs }: { sinceMs: number; untilMs: number },
  options: CatchUpOptions,
): Promise<unknown[]> {
  const newestFirst: unknown[] = [];
  const interest = new AppserviceInterest((userId) => options.pipeline.canActAs(userId), [reader]);
  for await (const event of historyBackwards(options.client, roomId, reader, options.pageSize)) {
    const ts = timestampOf(event);
    if (ts < sinceMs || newestFirst.length >= options.maxEventsPerRoom) break;
    if (interest.sentToAppservice(event) && ts <= untilMs) newestFirst.push(event);
  }
  return newestFirst.reverse();
}
