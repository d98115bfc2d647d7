import { HTTPError, MatrixError, MatrixHttpApi, Method, TypedEventEmitter, type IRequestOpts } from 'matrix-js-sdk';
import { z } from 'zod';
import { parseClientEvent, type ClientEvent } from '../model/client-event.ts';
import { SyncResponse } from './sync-response.ts';

export class HomeserverError extends Error {
  override readonly name = 'HomeserverError';
  readonly status: number;
  readonly errcode: string | undefined;
  constructor(message: string, status: number, errcode: string | undefined, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
    this.errcode = errcode;
  }
}

export interface HomeserverClientOptions {
  baseUrl: string;
  /** The appservice's as_token, or in sync mode the syncing user's access token. */
  asToken: string;
  timeoutMs?: number;
}

export interface RequestOptions {
  query?: QueryDict;
  body?: Record<string, unknown>;
  /** Identity assertion as an appservice user (`user_id`). */
  asUser?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

type QueryDict = Record<string, string>;
type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
const METHODS: Record<HttpMethod, Method> = {
  GET: Method.Get,
  POST: Method.Post,
  PUT: Method.Put,
  DELETE: Method.Delete,
};

/**
 * Parley's one way to call the homeserver's Client-Server API: matrix-js-sdk's HTTP layer (auth header,
 * Matrix errors, timeouts, abort) without its sync engine and stores, every answer checked with zod.
 */
export class HomeserverClient {
  private readonly options: HomeserverClientOptions;
  private readonly http: MatrixHttpApi<{ baseUrl: string; prefix: string; accessToken: string; onlyData: true }>;

  constructor(options: HomeserverClientOptions) {
    this.options = options;
    this.http = new MatrixHttpApi(new TypedEventEmitter(), {
      baseUrl: options.baseUrl,
      prefix: '',
      accessToken: options.asToken,
      useAuthorizationHeader: true,
      onlyData: true,
    });
  }

  /**
   * One call (as `asUser` when given); the answer is checked against `schema`, and an answer of another
   * shape is a HomeserverError like a failed call. An abort through `signal` rejects with its AbortError.
   */
  async request<S extends z.ZodType>(
    method: HttpMethod,
    path: string,
    schema: S,
    options: RequestOptions = {},
  ): Promise<z.output<S>> {
    const query: QueryDict = { ...options.query, ...(options.asUser !== undefined && { user_id: options.asUser }) };
    let answer: unknown;
    try {
      const call: IRequestOpts = {
        priority: 'auto',
        localTimeoutMs: options.timeoutMs ?? this.options.timeoutMs ?? 30_000,
      };
      if (options.signal) call.abortSignal = options.signal;
      answer = await this.http.authedRequest<unknown>(METHODS[method], path, query, options.body, call);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (error instanceof MatrixError || error instanceof HTTPError) {
        const errcode = error instanceof MatrixError ? error.errcode : undefined;
        throw new HomeserverError(
          `${method} ${path} answered ${String(error.httpStatus ?? 0)} ${errcode ?? ''}`.trim(),
          error.httpStatus ?? 0,
          errcode,
          { cause: error },
        );
      }
      // Unreachable, timed out, or a success that was not JSON (a proxy's page).
      throw new HomeserverError(`${method} ${path} failed: ${String(error)}`, 0, undefined, { cause: error });
    }
    const checked = schema.safeParse(answer);
    if (!checked.success)
      throw new HomeserverError(
        `${method} ${path} answered with an unexpected body: ${z.prettifyError(checked.error)}`,
        200,
        undefined,
      );
    return checked.data;
  }

  /** Asks the homeserver to call our /ping (Matrix 1.7); proves both directions work. */
  async ping(appserviceId: string): Promise<{ duration_ms: number }> {
    return this.request('POST', `/_matrix/client/v1/appservice/${encodeURIComponent(appserviceId)}/ping`, Ping, {
      body: { transaction_id: `parley-${String(Date.now())}` },
    });
  }

  /** The room's current state events; any that are not client events are left out. */
  async roomState(roomId: string, asUser?: string): Promise<ClientEvent[]> {
    const events = await this.request('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state`, Events, {
      ...(asUser !== undefined && { asUser }),
    });
    return events.flatMap((raw) => {
      const parsed = parseClientEvent(raw);
      return parsed.ok ? [parsed.event] : [];
    });
  }

  /** The rooms `asUser` has joined. */
  async joinedRooms(asUser: string): Promise<string[]> {
    return (await this.request('GET', '/_matrix/client/v3/joined_rooms', JoinedRooms, { asUser })).joined_rooms;
  }

  /**
   * One page of a room's history (`/messages`), as `asUser` (an appservice user) or as the token's own
   * user; its events stay unparsed for the pipeline to judge.
   */
  async messages(
    roomId: string,
    page: { dir: 'b' | 'f'; limit: number; from?: string | undefined; to?: string | undefined },
    asUser?: string,
    signal?: AbortSignal,
  ): Promise<MessagesPage> {
    return this.request('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages`, MessagesPage, {
      query: {
        dir: page.dir,
        limit: String(page.limit),
        ...(page.from !== undefined && { from: page.from }),
        ...(page.to !== undefined && { to: page.to }),
      },
      ...(asUser !== undefined && { asUser }),
      ...(signal && { signal }),
    });
  }

  /** The events around one event (`/context`); Synapse splits `limit` between before and after. */
  async context(roomId: string, eventId: string, limit: number, asUser: string): Promise<ContextPage> {
    return this.request(
      'GET',
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/context/${encodeURIComponent(eventId)}`,
      ContextPage,
      { query: { limit: String(limit) }, asUser },
    );
  }

  /** One `/sync` as the token's user; a long poll of `timeoutMs` (0: answer at once). */
  async sync(
    request: { since?: string | undefined; filter: string; timeoutMs: number },
    signal?: AbortSignal,
  ): Promise<SyncResponse> {
    return this.request('GET', '/_matrix/client/v3/sync', SyncResponse, {
      query: {
        filter: request.filter,
        timeout: String(request.timeoutMs),
        set_presence: 'offline',
        ...(request.since !== undefined && { since: request.since }),
      },
      // The long poll plus the homeserver's time to answer.
      timeoutMs: request.timeoutMs + 15_000,
      ...(signal && { signal }),
    });
  }
}

const Ping = z.looseObject({ duration_ms: z.number() });
const Events = z.array(z.unknown());
const JoinedRooms = z.looseObject({ joined_rooms: z.array(z.string()) });

/** A page of `/messages`: `end` absent means there is no more history in that direction. */
export const MessagesPage = z.looseObject({
  start: z.string(),
  end: z.string().optional(),
  chunk: z.array(z.unknown()),
});
export type MessagesPage = z.infer<typeof MessagesPage>;

export const ContextPage = z.looseObject({
  start: z.string().optional(),
  events_before: z.array(z.unknown()).default([]),
});
export type ContextPage = z.infer<typeof ContextPage>;
