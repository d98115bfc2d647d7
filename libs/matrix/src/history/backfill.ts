import { z } from 'zod';
import type { HomeserverClient } from '../homeserver/homeserver-client.ts';
import type { EventSink } from '../appservice/transaction-processor.ts';
import type { EventPipeline } from '../event-pipeline.ts';
import { eventIdOf } from '../homeserver/room-history.ts';

/** Where a room's backfill stopped: the token to page on from, and the last event already produced. */
export const BackfillCheckpoint = z.object({ token: z.string().min(1), lastEventId: z.string().optional() });
export type BackfillCheckpoint = z.infer<typeof BackfillCheckpoint>;

export interface BackfillCheckpoints {
  get(roomId: string): BackfillCheckpoint | undefined;
  set(roomId: string, checkpoint: BackfillCheckpoint): Promise<void>;
}

export interface BackfillOptions {
  /** The homeserver (only its `/messages` pager is used). */
  client: Pick<HomeserverClient, 'messages'>;
  pipeline: EventPipeline;
  sink: EventSink;
  checkpoints: BackfillCheckpoints;
  /** The user whose view of the room is read (identity assertion as the appservice). */
  asUser: string;
  pageSize: number;
  onPage?: (progress: { roomId: string; events: number; pages: number }) => void;
}

/**
 * Pages a room's history forward from its oldest visible event (or from the checkpoint of an earlier
 * run) and produces it like live events, with the same event ids. Each page is acknowledged by Kafka
 * before its checkpoint is stored, so an interrupted run resumes without gaps, and a finished room
 * produces nothing on the next run.
 */
export async function backfillRoom(
  roomId: string,
  options: BackfillOptions,
): Promise<{ events: number; pages: number }> {
  let checkpoint = options.checkpoints.get(roomId);
  let events = 0;
  let pages = 0;
  for (;;) {
    const page = await options.client.messages(
      roomId,
      { dir: 'f', limit: options.pageSize, from: checkpoint?.token },
      options.asUser,
    );
    let chunk = page.chunk;
    // A page re-read from a checkpoint taken at the very end of the room starts with produced events.
    const last = checkpoint?.lastEventId;
    if (last !== undefined) {
      const seenAt = chunk.findIndex((e) => eventIdOf(e) === last);
      if (seenAt >= 0) chunk = chunk.slice(seenAt + 1);
    }
    if (chunk.length > 0) {
      const converted = await options.pipeline.toRecords(chunk, {
        origin: { via: 'backfill' },
        stage: 'ingest/backfill',
        batchId: `${roomId}/${page.start}`,
      });
      await options.sink.publish(converted.records);
      events += chunk.length;
    }
    pages += 1;
    const lastEvent = eventIdOf(chunk.at(-1));
    const next: BackfillCheckpoint = {
      token: page.end ?? checkpoint?.token ?? page.start,
      ...(typeof lastEvent === 'string' ? { lastEventId: lastEvent } : last !== undefined ? { lastEventId: last } : {}),
    };
    if (chunk.length > 0 || page.end !== undefined) await options.checkpoints.set(roomId, next);
    checkpoint = next;
    options.onPage?.({ roomId, events, pages });
    // No `end` means no more events; an empty chunk alone does not (the spec allows empty pages).
    if (page.end === undefined || (page.chunk.length === 0 && page.end === page.start)) break;
  }
  return { events, pages };
}
