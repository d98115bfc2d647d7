import { setTimeout as sleep } from 'node:timers/promises';
import { ephemeralRecord, type TopicRecord } from '@parley/contracts';
import { backoff, errorMessage } from '@parley/service-runtime';
import { createClient, MatrixError, Method, type MatrixClient } from 'matrix-js-sdk';
import type { Logger } from 'pino';
import type { EventSink } from '../appservice/transaction-processor.ts';
import type { EventPipeline } from '../event-pipeline.ts';

/** Between failed syncs; stop() cuts the wait short. */
const RETRY_DELAY = backoff(500, 30_000);

/** Durable storage of the last processed sync position. */
export interface SyncTokenStore {
  load(): Promise<string | undefined>;
  save(token: string): Promise<void>;
}

export interface SyncLoopOptions {
  baseUrl: string;
  accessToken: string;
  userId: string;
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
}

interface SyncRoom {
  timeline?: { events?: Record<string, unknown>[]; limited?: boolean; prev_batch?: string };
  state?: { events?: Record<string, unknown>[] };
  ephemeral?: { events?: Record<string, unknown>[] };
}

interface SyncResponse {
  next_batch: string;
  rooms?: { join?: Record<string, SyncRoom>; leave?: Record<string, SyncRoom> };
}

interface MessagesPage {
  chunk: Record<string, unknown>[];
  end?: string;
}

/**
 * Client-sync mode for deployments that cannot register an appservice. It long-polls /sync through
 * matrix-js-sdk's HTTP layer (authentication, Matrix errors, abort) but not its SyncApi and stores,
 * which keep every room's timeline in memory: here only one response is held at a time and room
 * state lives in the bounded cache, so memory does not grow with the number of rooms. Each batch is
 * produced and acknowledged before the next since-token is stored, so a restart resumes without gaps.
 */
export class SyncLoop {
  private readonly options: SyncLoopOptions;
  private readonly client: MatrixClient;
  private abort = new AbortController();
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(options: SyncLoopOptions) {
    this.options = options;
    this.client = createClient({ baseUrl: options.baseUrl, accessToken: options.accessToken, userId: options.userId });
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
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
    let since = await this.options.tokens.load();
    let failures = 0;
    while (!this.stopped) {
      try {
        const response = await this.client.http.authedRequest<SyncResponse>(
          Method.Get,
          '/sync',
          {
            filter: this.filter(),
            timeout: String(since ? (this.options.pollTimeoutMs ?? 30_000) : 0),
            set_presence: 'offline',
            ...(since && { since }),
          },
          undefined,
          {
            priority: 'auto',
            abortSignal: this.abort.signal,
            localTimeoutMs: (this.options.pollTimeoutMs ?? 30_000) + 15_000,
          },
        );
        // The very first sync only finds the starting point: history is the backfill tool's job.
        if (since) await this.handle(response, since);
        await this.options.tokens.save(response.next_batch);
        since = response.next_batch;
        if (failures > 0) this.options.logger.info({ failures }, 'sync recovered');
        failures = 0;
        this.options.onHealth?.(true, 'syncing');
      } catch (error) {
        if (this.abort.signal.aborted) break; // stop() aborted the long poll
        failures += 1;
        const detail =
          error instanceof MatrixError ? `${error.httpStatus ?? ''} ${error.errcode ?? ''}` : errorMessage(error);
        this.options.onHealth?.(false, `sync failed: ${detail}`);
        if (failures === 1 || failures % 10 === 0)
          this.options.logger.warn({ failures, err: detail }, 'sync failed; retrying');
        await sleep(RETRY_DELAY(failures), undefined, { signal: this.abort.signal }).catch(() => undefined);
      }
    }
  }

  private async handle(response: SyncResponse, since: string): Promise<void> {
    const records: TopicRecord[] = [];
    const rooms = { ...response.rooms?.join, ...response.rooms?.leave };
    for (const [roomId, room] of Object.entries(rooms)) {
      const withRoom = (events: Record<string, unknown>[] | undefined) =>
        (events ?? []).map((e) => ({ ...e, room_id: roomId }));
      this.options.pipeline.observe(withRoom(room.state?.events));
      let timeline: Record<string, unknown>[] = withRoom(room.timeline?.events);
      if (room.timeline?.limited && room.timeline.prev_batch) {
        timeline = [...(await this.fillGap(roomId, room.timeline.prev_batch, since)), ...timeline];
      }
      const converted = await this.options.pipeline.toRecords(timeline, {
        origin: { via: 'sync' },
        stage: 'ingest/sync',
        batchId: `${since}/${roomId}`,
      });
      records.push(...converted.records);
      for (const [index, event] of (room.ephemeral?.events ?? []).entries()) {
        const type = typeof event['type'] === 'string' ? event['type'] : undefined;
        if (!type) continue;
        const content = (event['content'] ?? {}) as Record<string, unknown>;
        records.push(
          ephemeralRecord(
            {
              schemaVersion: 1,
              type,
              roomId,
              homeserver: this.options.homeserver,
              content,
              receivedAt: new Date().toISOString(),
            },
            index,
          ),
        );
      }
    }
    await this.options.sink.publish(records);
  }

  /** Events between the last sync position and the start of a limited timeline, oldest first. */
  private async fillGap(roomId: string, from: string, to: string): Promise<Record<string, unknown>[]> {
    const pages: Record<string, unknown>[][] = [];
    let token: string | undefined = from;
    while (token) {
      const page: MessagesPage = await this.client.http.authedRequest<MessagesPage>(
        Method.Get,
        `/rooms/${encodeURIComponent(roomId)}/messages`,
        { dir: 'b', from: token, to, limit: '500' },
        undefined,
        { priority: 'auto', abortSignal: this.abort.signal },
      );
      if (page.chunk.length === 0) break;
      pages.push(page.chunk.map((e) => ({ ...e, room_id: roomId })).reverse());
      token = page.end;
    }
    return pages.reverse().flat();
  }
}
