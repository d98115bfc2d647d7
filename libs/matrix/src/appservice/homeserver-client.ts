import type { ClientEvent } from '../client-event.ts';

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

  async request<T>(method: string, path: string, body?: unknown, asUser?: string): Promise<T> {
    const url = new URL(path, this.options.baseUrl);
    if (asUser) url.searchParams.set('user_id', asUser);
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${this.options.asToken}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
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
      const errcode = (parsed as { errcode?: string } | undefined)?.errcode;
      throw new HomeserverError(
        `${method} ${url.pathname} answered ${response.status} ${errcode ?? ''}`.trim(),
        response.status,
        errcode,
      );
    }
    return parsed as T;
  }

  /** Asks the homeserver to call our /ping (Matrix 1.7); proves both directions work. */
  async ping(appserviceId: string): Promise<{ duration_ms: number }> {
    return this.request('POST', `/_matrix/client/v1/appservice/${encodeURIComponent(appserviceId)}/ping`, {
      transaction_id: `parley-${Date.now()}`,
    });
  }

  async roomState(roomId: string, asUser?: string): Promise<ClientEvent[]> {
    return this.request('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state`, undefined, asUser);
  }
}
