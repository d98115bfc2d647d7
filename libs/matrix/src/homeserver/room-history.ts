import type { HomeserverClient } from './homeserver-client.ts';
import { looseFields } from '../model/client-event.ts';

/**
 * A room's events, newest first, read as `reader` page by page (`/messages`, dir=b) from `from` or from
 * the newest event. Callers stop by leaving the loop; no page is requested that is not read.
 */
export async function* historyBackwards(
  client: HomeserverClient,
  roomId: string,
  reader: string,
  pageSize: number,
  from?: string,
): AsyncGenerator {
  let token = from;
  for (;;) {
    const page = await client.messages(roomId, { dir: 'b', limit: pageSize, from: token }, reader);
    const chunk = page.chunk;
    yield* chunk;
    if (page.end === undefined || chunk.length === 0) return;
    token = page.end;
  }
}

export function eventIdOf(event: unknown): string | undefined {
  return looseFields(event).eventId;
}

/** origin_server_ts, or 0 when the event has none. */
export function timestampOf(event: unknown): number {
  return looseFields(event).ts;
}
