import type { HomeserverClient } from './appservice/homeserver-client.ts';
import { AppserviceInterest } from './appservice/interest.ts';
import type { EventSink } from './appservice/transaction-processor.ts';
import type { EventPipeline } from './event-pipeline.ts';

/** What ingest already produced lately: the event ids, and per room a user it may read the room as. */
export interface RecentActivity {
  producedEventIds: ReadonlySet<string>;
  readers: ReadonlyMap<string, string>;
}

/**
 * Gathers recent activity from normalised events (the values of the events topic): each event id, and
 * for each room the latest sender ingest may act as (an appservice reads a room as one of its users).
 */
export function activityFrom(values: Iterable<unknown>, canActAs: (userId: string) => boolean): RecentActivity {
  const producedEventIds = new Set<string>();
  const readers = new Map<string, string>();
  for (const value of values) {
    const event = value as { eventId?: unknown; roomId?: unknown; sender?: { userId?: unknown } } | null;
    if (typeof event?.eventId !== 'string') continue;
    producedEventIds.add(event.eventId);
    const sender = event.sender?.userId;
    if (typeof event.roomId === 'string' && typeof sender === 'string' && canActAs(sender))
      readers.set(event.roomId, sender);
  }
  return { producedEventIds, readers };
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

interface MessagesPage {
  end?: string;
  chunk: { event_id?: unknown; origin_server_ts?: unknown }[];
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
  let from: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ dir: 'b', limit: String(options.pageSize) });
    if (from) query.set('from', from);
    const page = await options.client.request<MessagesPage>(
      'GET',
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?${query.toString()}`,
      undefined,
      reader,
    );
    for (const event of page.chunk) {
      const ts = typeof event.origin_server_ts === 'number' ? event.origin_server_ts : 0;
      if (ts < sinceMs || newestFirst.length >= options.maxEventsPerRoom) return newestFirst.reverse();
      if (interest.sentToAppservice(event) && ts <= untilMs) newestFirst.push(event);
    }
    if (page.end === undefined || page.chunk.length === 0) return newestFirst.reverse();
    from = page.end;
  }
}

function eventIdOf(event: unknown): string | undefined {
  const id = (event as { event_id?: unknown } | null)?.event_id;
  return typeof id === 'string' ? id : undefined;
}
