import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { z } from 'zod';
import { TwentyAuthError, TwentyRequestError, TwentyStoppedError } from './errors.ts';
import type { TwentyPacer } from './pacer.ts';
import { errorMessage } from '@parley/service-runtime';

export interface TwentyClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Paces every request, reads and metadata included, so that Twenty's throttler refuses none. */
  pacer: TwentyPacer;
  requestTimeoutMs?: number;
  /** Backoff after 429, 5xx and network errors: full jitter on base·2^attempt, capped. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Aborts waits and retries when the service stops. */
  signal?: AbortSignal;
  /** Told about every attempt, for metrics and logs. */
  onAttempt?: (attempt: { method: string; path: string; status: number | 'network'; retryInMs?: number }) => void;
}

export interface RequestOptions {
  /** Called at least every second while the request waits (a Kafka heartbeat keeps the partition). */
  onWait?: () => Promise<void>;
}

type Json = Record<string, unknown>;

const tracer = trace.getTracer('@parley/twenty');

/**
 * Twenty's REST API. Every request takes a token from the shared bucket; 429, 5xx and network errors
 * are retried with exponential backoff and jitter for as long as it takes (nothing is dropped while
 * Twenty is down); 401/403 become `TwentyAuthError`; other 4xx become `TwentyRequestError`.
 */
export class TwentyClient {
  private readonly options: Required<Omit<TwentyClientOptions, 'signal' | 'onAttempt'>> &
    Pick<TwentyClientOptions, 'signal' | 'onAttempt'>;

  constructor(options: TwentyClientOptions) {
    this.options = {
      requestTimeoutMs: 30_000,
      backoffBaseMs: 500,
      backoffMaxMs: 60_000,
      ...options,
      baseUrl: options.baseUrl.replace(/\/$/, ''),
    };
  }

  get = (path: string, options?: RequestOptions) => this.request('GET', path, undefined, options);
  post = (path: string, body: unknown, options?: RequestOptions) => this.request('POST', path, body, options);
  patch = (path: string, body: unknown, options?: RequestOptions) => this.request('PATCH', path, body, options);
  delete = (path: string, options?: RequestOptions) => this.request('DELETE', path, undefined, options);

  /** One logical request as a client span; retries are events on it. */
  request(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<Json> {
    return tracer.startActiveSpan(
      `twenty ${method}`,
      { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'url.path': path.split('?')[0] ?? path } },
      async (span) => {
        try {
          return await this.send(method, path, body, options, (status, retryInMs) => {
            span.addEvent('retry', { 'http.response.status_code': String(status), 'parley.retry_in_ms': retryInMs });
          });
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    options: RequestOptions,
    onRetry: (status: number | 'network', retryInMs: number) => void,
  ): Promise<Json> {
    const { signal } = this.options;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new TwentyStoppedError(`stopped before ${method} ${path}`);
      await this.waitFor(this.options.pacer.take(signal), options.onWait);
      let response: Response;
      try {
        const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
        response = await fetch(`${this.options.baseUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.options.apiKey}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch {
        if (signal?.aborted) throw new TwentyStoppedError(`stopped during ${method} ${path}`);
        // A network error or timeout: Twenty may be restarting; retried like a 503.
        const retryInMs = this.backoff(attempt);
        this.options.onAttempt?.({ method, path, status: 'network', retryInMs });
        onRetry('network', retryInMs);
        await this.pause(retryInMs, options.onWait);
        continue;
      }
      const text = await response.text();
      if (response.ok) {
        this.options.onAttempt?.({ method, path, status: response.status });
        return parseBody(method, path, response.status, text);
      }
      if (response.status === 429) this.options.pacer.refused(parseError(text).messages.join(' '));
      if (response.status === 429 || response.status >= 500) {
        const retryInMs = this.backoff(attempt);
        this.options.onAttempt?.({ method, path, status: response.status, retryInMs });
        onRetry(response.status, retryInMs);
        await this.pause(retryInMs, options.onWait);
        continue;
      }
      this.options.onAttempt?.({ method, path, status: response.status });
      const { messages, code } = parseError(text);
      if (response.status === 401 || response.status === 403)
        throw new TwentyAuthError(method, path, response.status, messages, code);
      throw new TwentyRequestError(method, path, response.status, messages, code);
    }
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** Math.min(attempt, 20));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private async pause(ms: number, onWait: (() => Promise<void>) | undefined): Promise<void> {
    for (let waited = 0; waited < ms; waited += 1000) {
      await this.guard(sleep(Math.min(1000, ms - waited), undefined, this.signalOption()));
      await onWait?.();
    }
  }

  /** Waits for `promise`, calling `onWait` every second meanwhile. */
  private async waitFor(promise: Promise<void>, onWait: (() => Promise<void>) | undefined): Promise<void> {
    const state = { done: false };
    const guarded = this.guard(promise).finally(() => {
      state.done = true;
    });
    for (;;) {
      await Promise.race([guarded, sleep(1000, undefined, { ref: false })]);
      if (state.done) break;
      await onWait?.();
    }
    await guarded;
  }

  private signalOption(): { signal?: AbortSignal } {
    return this.options.signal ? { signal: this.options.signal } : {};
  }

  private async guard(promise: Promise<unknown>): Promise<void> {
    try {
      await promise;
    } catch (error) {
      if (this.options.signal?.aborted) throw new TwentyStoppedError('stopped while waiting');
      throw error;
    }
  }
}

const ErrorBody = z.looseObject({
  messages: z.array(z.unknown()).optional(),
  message: z.string().optional(),
  code: z.string().optional(),
  error: z.string().optional(),
});

/**
 * Twenty's error bodies: records API `{statusCode, error, messages}` (a `code` only on some, such as
 * phone conflicts and permissions), metadata `{error: METADATA_VALIDATION_ERROR, message, errors}`.
 */
function parseError(text: string): { messages: string[]; code?: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { messages: [text.slice(0, 500)] };
  }
  const body = ErrorBody.safeParse(raw);
  if (!body.success) return { messages: [text.slice(0, 500)] };
  const { messages, message, code } = body.data;
  const nested = /"code":"([A-Z_]+)"/.exec(text)?.[1];
  const texts = messages?.map(String) ?? (message === undefined ? [text.slice(0, 500)] : [message]);
  const found = code ?? (body.data.error === 'METADATA_VALIDATION_ERROR' ? nested : undefined);
  return { messages: texts, ...(found === undefined ? {} : { code: found }) };
}

const JsonObject = z.record(z.string(), z.unknown());

/** A 2xx body must be a JSON object (or empty); anything else is a server fault, not something to cast. */
function parseBody(method: string, path: string, status: number, text: string): Json {
  if (text === '') return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new TwentyRequestError(method, path, status, [`answer is not JSON: ${text.slice(0, 200)}`]);
  }
  const body = JsonObject.safeParse(raw);
  if (!body.success) throw new TwentyRequestError(method, path, status, ['answer is not a JSON object']);
  return body.data;
}

const RecordList = z.array(z.looseObject({ id: z.string() }));

/**
 * The records of a records-API answer: `{data: {<name>: [...]}}` for lists and batches (the key is
 * `people`, `createPeople`… depending on the handler). Records are checked to carry an id.
 */
export function recordsOf(body: Json): Json[] {
  const data = body.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [];
  for (const value of Object.values(data)) {
    const records = RecordList.safeParse(value);
    if (records.success) return records.data;
  }
  return [];
}
