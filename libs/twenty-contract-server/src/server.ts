import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { AuthError, ContractError, badRequest, permissionDenied } from './errors.ts';
import { MetadataStore, type ObjectMetadata } from './metadata.ts';
import { createField, createObject, updateField } from './metadata-api.ts';
import { presentField, presentObject } from './present.ts';
import { limitReachedMessage, TWENTY_RATE_LIMITS, WorkspaceThrottle, type RateLimits } from './rate-limit.ts';
import { cursorOf, RecordStore } from './records.ts';

export interface ContractServerOptions {
  apiKey: string;
  /** Records per batch request: 200 on v2.21 (its documentation says 60). */
  batchLimit?: number;
  /** Twenty's workspace rate limits; `null` lifts them (as a self-hoster can). */
  rateLimits?: RateLimits | null;
  /** The throttle's clock (tests drive the refill arithmetic with it). */
  now?: () => number;
  /**
   * false: the key's role lacks the data-model permission, so every metadata route (reads too) answers
   * 403 PERMISSION_DENIED, as the SettingsPermissionGuard(DATA_MODEL) on Twenty's metadata controller does.
   */
  dataModelPermission?: boolean;
  /**
   * How the metadata API answers: `direct` (workspaces created by sign-up, which get the feature flag
   * IS_REST_METADATA_API_NEW_FORMAT_DIRECT: lists `{data: [...], pageInfo, totalCount}`, creates and
   * updates the bare object) or `legacy` (`{data: {objects: [...]}}`, `{data: {createOneObject}}`).
   */
  metadataFormat?: 'direct' | 'legacy';
  /** Keys that once were valid: 401 "Token has expired." */
  expiredApiKeys?: readonly string[];
}

/** Faults a test turns on and off while the server runs. */
export interface Faults {
  /** Added before every /rest answer. */
  latencyMs: number;
  /** Every /rest request answers 503 while set (Twenty down). */
  outage: boolean;
  /** The next N /rest requests answer this status. */
  failNext: { status: number; count: number } | null;
  /** The next N record requests answer 429, whatever the buckets hold (a 429 storm). */
  rateLimitStorm: number;
}

export interface LoggedRequest {
  /** When the request arrived (ms since the epoch), before any injected latency. */
  at: number;
  method: string;
  path: string;
  status: number;
  api: 'core' | 'metadata';
  records: number;
}

export interface ContractServer {
  url: string;
  faults: Faults;
  /** The key's role, changeable while the server runs (a workspace admin granting a permission). */
  permissions: { dataModel: boolean };
  requests: LoggedRequest[];
  metadata: MetadataStore;
  store: RecordStore;
  /** Every live record of an object, by singular name (for assertions). */
  records(nameSingular: string): Record<string, unknown>[];
  close(): Promise<void>;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Starts the Twenty contract server; its behaviour is the table in README.md. */
export async function startContractServer(
  options: ContractServerOptions,
  listen: { host?: string; port?: number } = {},
): Promise<ContractServer> {
  const app = buildApp(options);
  const address = await app.server.listen({ host: listen.host ?? '127.0.0.1', port: listen.port ?? 0 });
  return { ...app.state, url: address.replace(/\/$/, ''), close: () => app.server.close() };
}

export function buildApp(options: ContractServerOptions): {
  server: FastifyInstance;
  state: Omit<ContractServer, 'url' | 'close'>;
} {
  const metadata = new MetadataStore();
  const store = new RecordStore(metadata);
  const faults: Faults = { latencyMs: 0, outage: false, failNext: null, rateLimitStorm: 0 };
  const permissions = { dataModel: options.dataModelPermission !== false };
  const requests: LoggedRequest[] = [];
  const limits = options.rateLimits === null ? null : (options.rateLimits ?? TWENTY_RATE_LIMITS);
  const throttle = limits === null ? null : new WorkspaceThrottle(limits, options.now);
  const batchLimit = options.batchLimit ?? 200;
  const direct = (options.metadataFormat ?? 'direct') === 'direct';
  const server = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });

  const objectByPlural = (plural: string): ObjectMetadata => {
    const object = metadata.objectByPlural(plural);
    if (object === undefined) throw badRequest(`object '${plural}' not found. eg: companies`);
    return object;
  };
  const checkId = (id: string) => {
    if (!UUID.test(id)) throw badRequest(`'${id}' is not a valid UUID`);
  };
  const checkDepth = (depth: string | undefined) => {
    if (depth !== undefined && depth !== '0' && depth !== '1')
      throw badRequest(`'depth=${depth}' parameter invalid. Allowed values are 0, 1`);
  };
  /**
   * One token per query execution, taken once the request has been parsed: requests refused while
   * parsing (unknown object, bad limit or id) cost nothing. Metadata routes are not throttled.
   */
  const spend = () => {
    if (faults.rateLimitStorm > 0) {
      faults.rateLimitStorm -= 1;
      throw limitReached(limits?.longLimit ?? 100, limits?.longTtlMs ?? 60_000);
    }
    const refused = throttle?.take();
    if (refused !== undefined) throw limitReached(refused.limit, refused.ttlMs);
  };

  const arrivals = new WeakMap<FastifyRequest, number>();
  server.addHook('onRequest', async (request: FastifyRequest) => {
    if (!request.url.startsWith('/rest/')) return;
    arrivals.set(request, Date.now());
    const authorization = request.headers.authorization;
    if (authorization === undefined || !authorization.startsWith('Bearer '))
      throw new AuthError(403, 'Missing authentication token', 'FORBIDDEN_EXCEPTION');
    const key = authorization.slice('Bearer '.length);
    if (options.expiredApiKeys?.includes(key)) throw new AuthError(401, 'Token has expired.', 'UNAUTHENTICATED');
    if (key !== options.apiKey) throw new AuthError(401, 'Token invalid.', 'UNAUTHENTICATED');
    if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
    if (faults.outage) throw new ContractError(503, 'Service Unavailable');
    if (faults.failNext && faults.failNext.count > 0) {
      faults.failNext.count -= 1;
      throw new ContractError(faults.failNext.status, 'Injected failure');
    }
    if (request.url.startsWith('/rest/metadata') && !permissions.dataModel) throw permissionDenied();
  });
  server.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.url.startsWith('/rest/')) return;
    const path = request.url.split('?')[0] ?? request.url;
    requests.push({
      at: arrivals.get(request) ?? Date.now(),
      method: request.method,
      path,
      status: reply.statusCode,
      api: path.startsWith('/rest/metadata') ? 'metadata' : 'core',
      records: Array.isArray(request.body) ? request.body.length : request.method === 'GET' ? 0 : 1,
    });
  });
  server.setErrorHandler(async (error: unknown, _request, reply) => {
    if (error instanceof ContractError) return reply.status(error.statusCode).send(error.body);
    const status = (error as { statusCode?: number }).statusCode;
    // Body parse errors and other client errors keep Twenty's shape; the filter's fallback is 400.
    const wrapped = new ContractError(status !== undefined && status < 500 ? status : 500, (error as Error).message);
    return reply.status(wrapped.statusCode).send(wrapped.body);
  });

  /** Metadata lists: default 60, clamped to 200, ordered by id descending; the cursor is the raw id. */
  const page = <T extends Record<string, unknown>>(items: T[], query: Record<string, string | undefined>) => {
    const parsed = Number.parseInt(query.limit ?? '60', 10);
    const limit = Math.min(Number.isInteger(parsed) && parsed >= 0 ? parsed : 60, 200);
    const idOf = (item: T) => String(item.id);
    const sorted = [...items].sort((a, b) => (idOf(a) < idOf(b) ? 1 : idOf(a) > idOf(b) ? -1 : 0));
    const after = query.starting_after;
    const start = after === undefined ? 0 : sorted.findIndex((i) => idOf(i) === after) + 1;
    const slice = sorted.slice(start, start + limit);
    return {
      items: slice,
      pageInfo: {
        hasNextPage: start + limit < sorted.length,
        startCursor: slice[0] === undefined ? null : idOf(slice[0]),
        endCursor: slice.at(-1) === undefined ? null : idOf(slice.at(-1) as T),
      },
      totalCount: sorted.length,
    };
  };
  const metadataList = (name: string, result: ReturnType<typeof page>) =>
    direct
      ? { data: result.items, pageInfo: result.pageInfo, totalCount: result.totalCount }
      : { data: { [name]: result.items }, pageInfo: result.pageInfo, totalCount: result.totalCount };
  const metadataOne = (name: string, value: unknown) => (direct ? value : { data: { [name]: value } });
  type Query = { Querystring: Record<string, string | undefined> };

  // Metadata API.
  server.get<Query>('/rest/metadata/objects', async (request) =>
    metadataList(
      'objects',
      page(
        [...metadata.objects.values()].map((o) => presentObject(metadata, o)),
        request.query,
      ),
    ),
  );
  server.get<{ Params: { id: string } }>('/rest/metadata/objects/:id', async (request) => {
    const object = metadata.objects.get(request.params.id);
    if (object === undefined) throw new ContractError(404, 'Object not found', { code: 'OBJECT_METADATA_NOT_FOUND' });
    return metadataOne('object', presentObject(metadata, object));
  });
  server.post('/rest/metadata/objects', async (request, reply) =>
    reply
      .status(201)
      .send(metadataOne('createOneObject', presentObject(metadata, createObject(metadata, request.body)))),
  );
  server.get<Query>('/rest/metadata/fields', async (request) =>
    metadataList('fields', page([...metadata.fields.values()].map(presentField), request.query)),
  );
  server.post('/rest/metadata/fields', async (request, reply) =>
    reply.status(201).send(metadataOne('createOneField', presentField(createField(metadata, request.body)))),
  );
  server.patch<{ Params: { id: string } }>('/rest/metadata/fields/:id', async (request) =>
    metadataOne('updateOneField', presentField(updateField(metadata, request.params.id, request.body))),
  );

  // Core (records) API.
  server.get<Query & { Params: { plural: string } }>('/rest/:plural', async (request) => {
    const object = objectByPlural(request.params.plural);
    checkDepth(request.query.depth);
    spend();
    const found = store.find(object, {
      filter: request.query.filter,
      limit: request.query.limit,
      startingAfter: request.query.starting_after,
    });
    const first = found.records[0];
    const last = found.records.at(-1);
    return {
      data: { [object.namePlural]: found.records },
      totalCount: found.totalCount,
      pageInfo: {
        startCursor: first ? cursorOf(first) : null,
        endCursor: last ? cursorOf(last) : null,
        hasNextPage: found.hasNextPage,
        hasPreviousPage: false,
      },
    };
  });
  server.get<Query & { Params: { plural: string; id: string } }>('/rest/:plural/:id', async (request) => {
    const object = objectByPlural(request.params.plural);
    checkId(request.params.id);
    checkDepth(request.query.depth);
    spend();
    return { data: { [object.nameSingular]: store.get(object, request.params.id) } };
  });
  server.post<Query & { Params: { plural: string } }>('/rest/:plural', async (request, reply) => {
    const object = objectByPlural(request.params.plural);
    spend();
    const [record] = store.createMany(object, [request.body], request.query.upsert === 'true');
    return reply.status(201).send({ data: { [`create${capitalise(object.nameSingular)}`]: record } });
  });
  server.post<Query & { Params: { plural: string } }>('/rest/batch/:plural', async (request, reply) => {
    const object = objectByPlural(request.params.plural);
    const body = request.body;
    spend();
    if (!Array.isArray(body)) throw badRequest('args.data.forEach is not a function', { error: 'TypeError' });
    if (body.length > batchLimit) throw badRequest(`Maximum number of records to upsert is ${String(batchLimit)}.`);
    const records = body.length === 0 ? [] : store.createMany(object, body, request.query.upsert === 'true');
    return reply.status(201).send({ data: { [`create${capitalise(object.namePlural)}`]: records } });
  });
  server.patch<{ Params: { plural: string; id: string } }>('/rest/restore/:plural/:id', async (request) => {
    const object = objectByPlural(request.params.plural);
    checkId(request.params.id);
    spend();
    return { data: { [`restore${capitalise(object.nameSingular)}`]: store.restore(object, request.params.id) } };
  });
  server.patch<{ Params: { plural: string; id: string } }>('/rest/:plural/:id', async (request) => {
    const object = objectByPlural(request.params.plural);
    checkId(request.params.id);
    spend();
    const record = store.update(object, request.params.id, request.body);
    return { data: { [`update${capitalise(object.nameSingular)}`]: record } };
  });
  server.delete<Query & { Params: { plural: string; id: string } }>('/rest/:plural/:id', async (request) => {
    const object = objectByPlural(request.params.plural);
    checkId(request.params.id);
    spend();
    const deleted = store.delete(object, request.params.id, request.query.soft_delete === 'true');
    return { data: { [`delete${capitalise(object.nameSingular)}`]: deleted } };
  });

  // Control routes for out-of-process use (tools/bench, a local stack): not part of Twenty's API.
  server.put('/_contract/faults', async (request) => {
    Object.assign(faults, request.body);
    return faults;
  });
  server.get('/_contract/requests', async () => requests);

  const records = (nameSingular: string) => {
    const object = metadata.objectBySingular(nameSingular);
    return object === undefined ? [] : [...store.table(object.id).values()].filter((r) => r.deletedAt === null);
  };
  return { server, state: { faults, permissions, requests, metadata, store, records } };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Twenty's 429: the exception's generic name, the bucket in the message, no code and no Retry-After. */
const limitReached = (limit: number, ttlMs: number) => new ContractError(429, limitReachedMessage({ limit, ttlMs }));
