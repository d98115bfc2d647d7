import { setTimeout as sleep } from 'node:timers/promises';
import { ephemeralRecord, type TopicRecord } from '@parley/contracts';
import { backoff, errorMessage } from '@parley/service-runtime';
import type { Logger } from 'pino';
import type { EventSink } from '../appservice/transaction-processor.ts';
import type { EventPipeline } from '../event-pipeline.ts';
import type { HomeserverClient } from '../homeserver/homeserver-client.ts';
import { isRecord } from '../model/client-event.ts';
import { EphemeralEvent, type SyncResponse } from '../homeserver/sync-response.ts';

/** Between failed syncs; stop() cuts the wait short. */
const RETRY_DELAY = backoff(500, 30_000);

/** Durable storage of the last processed sync position. */
export interface SyncTokenStore {
  load(): Promise<string | undefined>;
  save(token: string): Promise<void>;
}

/** The two homeserver calls the loop makes (a HomeserverClient; a script in tests). */
export type SyncClient = Pick<HomeserverClient, 'sync' | 'messages'>;

export interface SyncLoopOptions {
  client: SyncClient;
  homeserver: string;
  pipeline: EventPipeline;
  sink: EventSink;
  tokens: SyncTokenStore;
  logger: Logger;
  /** Long-poll timeout of one /sync. */
  pollTimeoutMs?: number;
  /** Events per room in one sync; more than this arrive through gap-filling with /messages. */
  timelineLimit?: number;
  onHealth?: (healthy: boolean, detail: string) => void;
  /** Wall clock for the ephemeral records' receivedAt. */
  now?: () => Date;
  /** Delay after the nth consecutive failure. */
  retryDelayMs?: (failures: number) => number;
}

/**
 * Client-sync mode for deployments that cannot register an appservice. It long-polls /sync itself
 * rather than through matrix-js-sdk's SyncApi and stores, which keep every room's timeline in memory:
 * here only one response is held at a time and room state lives in the bounded cache, so memory does
 * not grow with the number of rooms. Each batch is produced and acknowledged before the next
 * since-token is stored, so a restart resumes without gaps.
 */
export class SyncLoop {
  private readonly options: SyncLoopOptions;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(options: SyncLoopOptions) {
    this.options = options;
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Ends the long poll under way; a batch being produced finishes first. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private filter(): string {
    return JSON.stringify({
      presence: { types: [] },
      account_data: { types: [] },
      room: {
        timeline: { limit: this.options.timelineLimit ?? 100 },
        state: { lazy_load_members: true },
        account_data: { types: [] },
      },
    });
  }

  private async loop(): Promise<void> {
    const { signal } = this.abort;
    const stopped = () => signal.aborted;
    let since = await this.options.tokens.load();
    let failures = 0;
    while (!stopped()) {
      try {
        const response = await this.options.client.sync(
          { since, filter: this.filter(), timeoutMs: since ? (this.options.pollTimeoutMs ?? 30_000) : 0 },
          signal,
        );
        // The very first sync only finds the starting point: history is the backfill tool's job.
        if (since) await this.handle(response, since);
        await this.options.tokens.save(response.next_batch);
        since = response.next_batch;
        if (failures > 0) this.options.logger.info({ failures }, 'sync recovered');
        failures = 0;
        this.options.onHealth?.(true, 'syncing');
      } catch (error) {
        if (stopped()) break; // stop() aborted the long poll
        failures += 1;
        const detail = errorMessage(error);
        this.options.onHealth?.(false, `sync failed: ${detail}`);
        if (failures === 1 || failures % 10 === 0)
          this.options.logger.warn({ failures, err: error }, 'sync failed; retrying');
        const delay = (this.options.retryDelayMs ?? RETRY_DELAY)(failures);
        await sleep(delay, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  private async handle(response: SyncResponse, since: string): Promise<void> {
    const records: TopicRecord[] = [];
    const rooms = { ...response.rooms?.join, ...response.rooms?.leave };
    for (const [roomId, room] of Object.entries(rooms)) {
      // Events in /sync leave out room_id: the room they are listed under is theirs.
      const withRoom = (events: readonly unknown[] | undefined) =>
        (events ?? []).map((event) => (isRecord(event) ? { ...event, room_id: roomId } : event));
      this.options.pipeline.observe(withRoom(room.state?.events));
      let timeline = withRoom(room.timeline?.events);
      if (room.timeline?.limited && room.timeline.prev_batch) {
        timeline = [...(await this.fillGap(roomId, room.timeline.prev_batch, since)), ...timeline];
      }
      const converted = await this.options.pipeline.toRecords(timeline, {
        origin: { via: 'sync' },
        stage: 'ingest/sync',
        batchId: `${since}/${roomId}`,
      });
      records.push(...converted.records);
      const receivedAt = (this.options.now?.() ?? new Date()).toISOString();
      for (const [index, raw] of (room.ephemeral?.events ?? []).entries()) {
        const event = EphemeralEvent.safeParse(raw);
        // Without a type there is nothing to say about it; typing and receipts always have one.
        if (!event.success) continue;
        records.push(
          ephemeralRecord(
            {
              schemaVersion: 1,
              type: event.data.type,
              roomId,
              homeserver: this.options.homeserver,
              content: event.data.content,
              receivedAt,
            },
            index,
          ),
        );
      }
    }
    await this.options.sink.publish(records);
  }

  /** Events between the last sync position and the start of a limited timeline, oldest first. */
  private async fillGap(roomId: string, from: string, to: string): Promise<unknown[]> {
    const pages: unknown[][] = [];
    let token: string | undefined = from;
    while (token) {
      const page = await this.options.client.messages(
        roomId,
        { dir: 'b', from: token, to, limit: 500 },
        undefined,
        this.abort.signal,
      );
      if (page.chunk.length === 0) break;
      pages.push(page.chunk.map((e) => (isRecord(e) ? { ...e, room_id: roomId } : e)).reverse());
      token = page.end;
    }
    return pages.reverse().flat();
  }
}
