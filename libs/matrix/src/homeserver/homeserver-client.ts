import { z } from 'zod';
import { parseClientEvent, type ClientEvent } from '../model/client-event.ts';

export class HomeserverError extends Error {
  override readonly name = 'HomeserverError';
  readonly status: number;
  readonly errcode: string | undefined;
  constructor(message: string, status: number, errcode: string | undefined) {
    super(message);
    this.status = status;
    this.errcode = errcode;
  }
}

export interface HomeserverClientOptions {
  baseUrl: string;
  asToken: string;
  timeoutMs?: number;
}

/** The few Client-Server API calls ingest makes as the appservice (identity assertion with user_id). */
export class HomeserverClient {
  private readonly options: HomeserverClientOptions;

  constructor(options: HomeserverClientOptions) {
    this.options = options;
  }

  /**
   * One Client-Server API call as the appservice (as `asUser` when given); the answer is checked
   * against `schema`, and an answer of another shape is a HomeserverError like a failed call.
   */
  async request<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    options: { body?: unknown; asUser?: string } = {},
  ): Promise<z.output<S>> {
    const url = new URL(path, this.options.baseUrl);
    if (options.asUser) url.searchParams.set('user_id', options.asUser);
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${this.options.asToken}`,
        ...(options.body !== undefined && { 'content-type': 'application/json' }),
      },
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      // A proxy's HTML error page: reported below by status.
    }
    if (!response.ok) {
      const errcode = MatrixErrorBody.safeParse(parsed).data?.errcode;
      throw new HomeserverError(
        `${method} ${url.pathname} answered ${response.status} ${errcode ?? ''}`.trim(),
        response.status,
        errcode,
      );
    }
    const checked = schema.safeParse(parsed);
    if (!checked.success)
      throw new HomeserverError(
        `${method} ${url.pathname} answered ${response.status} with an unexpected body: ${z.prettifyError(checked.error)}`,
        response.status,
        undefined,
      );
    return checked.data;
  }

  /** Asks the homeserver to call our /ping (Matrix 1.7); proves both directions work. */
  async ping(appserviceId: string): Promise<{ duration_ms: number }> {
    return this.request('POST', `/_matrix/client/v1/appservice/${encodeURIComponent(appserviceId)}/ping`, Ping, {
      body: { transaction_id: `parley-${Date.now()}` },
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

  /** One page of a room's history (`/messages`); its events stay unparsed for the pipeline to judge. */
  async messages(
    roomId: string,
    page: { dir: 'b' | 'f'; limit: number; from?: string | undefined },
    asUser: string,
  ): Promise<MessagesPage> {
    const query = new URLSearchParams({ dir: page.dir, limit: String(page.limit) });
    if (page.from !== undefined) query.set('from', page.from);
    return this.request(
      'GET',
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?${query.toString()}`,
      MessagesPage,
      { asUser },
    );
  }

  /** The events around one event (`/context`); Synapse splits `limit` between before and after. */
  async context(roomId: string, eventId: string, limit: number, asUser: string): Promise<ContextPage> {
    return this.request(
      'GET',
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/context/${encodeURIComponent(eventId)}?limit=${String(limit)}`,
      ContextPage,
      { asUser },
    );
  }
}

const MatrixErrorBody = z.looseObject({ errcode: z.string() });
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
