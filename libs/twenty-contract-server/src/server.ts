import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ContractError, badRequest } from './errors.ts';
import { MetadataStore, type ObjectMetadata } from './metadata.ts';
import { createField, createObject, updateField, withFields } from './metadata-api.ts';
import { WorkspaceThrottle, TWENTY_RATE_LIMITS, type RateLimits } from './rate-limit.ts';
import { cursorOf, RecordStore } from './records.ts';

export interface ContractServerOptions {
  apiKey: string;
  /** Records per batch request (twenty.md: 60, documented for REST and GraphQL). */
  batchLimit?: number;
  /** Twenty's workspace rate limits; `null` lifts them (as a self-hoster can). */
  rateLimits?: RateLimits | null;
  /** false: the key's role lacks data-model permission, so metadata writes answer 403. */
  canEditDataModel?: boolean;
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
  const requests: LoggedRequest[] = [];
  const throttle = options.rateLimits === null ? null : new WorkspaceThrottle(options.rateLimits ?? TWENTY_RATE_LIMITS);
  const batchLimit = options.batchLimit ?? 60;
  const server = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });

  const objectByPlural = (plural: string): ObjectMetadata => {
    const object = metadata.objectByPlural(plural);
    if (object === undefined) throw badRequest(`object '${plural}' not found`);
    return object;
  };

  const arrivals = new WeakMap<FastifyRequest, number>();
  server.addHook('onRequest', async (request: FastifyRequest) => {
    if (!request.url.startsWith('/rest/')) return;
    arrivals.set(request, Date.now());
    if (request.headers.authorization !== `Bearer ${options.apiKey}`)
      throw new ContractError(401, 'Token invalid.', 'UNAUTHENTICATED');
    if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
    if (faults.outage) throw new ContractError(503, 'Service Unavailable');
    if (faults.failNext && faults.failNext.count > 0) {
      faults.failNext.count -= 1;
      throw new ContractError(faults.failNext.status, 'Injected failure');
    }
    const core = !request.url.startsWith('/rest/metadata');
    if (core && faults.rateLimitStorm > 0) {
      faults.rateLimitStorm -= 1;
      throw new ContractError(429, 'Rate limit reached. Please try again later.', 'LIMIT_REACHED');
    }
    // Only record (query-runner) executions cost a token, one per request whatever its size.
    if (core && throttle && !throttle.take())
      throw new ContractError(429, 'Rate limit reached. Please try again later.', 'LIMIT_REACHED');
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

  const requireDataModel = () => {
    if (options.canEditDataModel === false) throw new ContractError(403, 'Missing permission: data model', 'FORBIDDEN');
  };
  const page = <T extends { id: string }>(items: T[], query: Record<string, string | undefined>, max: number) => {
    const limit = Math.min(Number(query.limit ?? max), max);
    const after = query.starting_after ? Buffer.from(query.starting_after, 'base64url').toString() : undefined;
    const start = after === undefined ? 0 : items.findIndex((i) => i.id === after) + 1;
    const slice = items.slice(start, start + limit);
    return {
      items: slice,
      pageInfo: {
        hasNextPage: start + limit < items.length,
        startCursor: slice[0] ? Buffer.from(slice[0].id).toString('base64url') : null,
        endCursor: slice.at(-1) ? Buffer.from(slice.at(-1)?.id ?? '').toString('base64url') : null,
      },
      totalCount: items.length,
    };
  };
  type Query = { Querystring: Record<string, string | undefined> };

  // Metadata API.
  server.get<Query>('/rest/metadata/objects', async (request) => {
    const result = page(
      [...metadata.objects.values()].map((o) => withFields(metadata, o)),
      request.query,
      1000,
    );
    return { data: { objects: result.items }, pageInfo: result.pageInfo, totalCount: result.totalCount };
  });
  server.get<{ Params: { id: string } }>('/rest/metadata/objects/:id', async (request) => {
    const object = metadata.objects.get(request.params.id);
    if (object === undefined) throw new ContractError(404, 'Object not found', 'OBJECT_METADATA_NOT_FOUND');
    return { data: { object: withFields(metadata, object) } };
  });
  server.post('/rest/metadata/objects', async (request, reply) => {
    requireDataModel();
    return reply.status(201).send({ data: { createOneObject: createObject(metadata, request.body) } });
  });
  server.get<Query>('/rest/metadata/fields', async (request) => {
    const result = page([...metadata.fields.values()], request.query, 1000);
    return { data: { fields: result.items }, pageInfo: result.pageInfo, totalCount: result.totalCount };
  });
  server.post('/rest/metadata/fields', async (request, reply) => {
    requireDataModel();
    return reply.status(201).send({ data: { createOneField: createField(metadata, request.body) } });
  });
  server.patch<{ Params: { id: string } }>('/rest/metadata/fields/:id', async (request) => {
    requireDataModel();
    return { data: { updateOneField: updateField(metadata, request.params.id, request.body) } };
  });

  // Core (records) API.
  server.get<Query & { Params: { plural: string } }>('/rest/:plural', async (request) => {
    const object = objectByPlural(request.params.plural);
    const found = store.find(object, {
      filter: request.query.filter,
      limit: request.query.limit,
      startingAfter: request.query.starting_after,
    });
    const first = found.records[0];
    const last = found.records.at(-1);
    return {
      data: { [object.namePlural]: found.records },
      pageInfo: {
        hasNextPage: found.hasNextPage,
        startCursor: first ? cursorOf(first) : null,
        endCursor: last ? cursorOf(last) : null,
      },
      totalCount: found.totalCount,
    };
  });
  server.get<{ Params: { plural: string; id: string } }>('/rest/:plural/:id', async (request) => {
    const object = objectByPlural(request.params.plural);
    return { data: { [object.nameSingular]: store.get(object, request.params.id) } };
  });
  server.post<Query & { Params: { plural: string } }>('/rest/:plural', async (request, reply) => {
    const object = objectByPlural(request.params.plural);
    const [record] = store.createMany(object, [request.body], request.query.upsert === 'true');
    return reply.status(201).send({ data: { [`create${capitalise(object.nameSingular)}`]: record } });
  });
  server.post<Query & { Params: { plural: string } }>('/rest/batch/:plural', async (request, reply) => {
    const object = objectByPlural(request.params.plural);
    const body = request.body;
    if (!Array.isArray(body)) throw badRequest('Input must be an array');
    if (body.length === 0) throw badRequest('Input array must not be empty');
    if (body.length > batchLimit) throw badRequest(`Maximum number of records to upsert is ${batchLimit}`);
    const records = store.createMany(object, body, request.query.upsert === 'true');
    return reply.status(201).send({ data: { [object.namePlural]: records } });
  });
  server.patch<{ Params: { plural: string; id: string } }>('/rest/:plural/:id', async (request) => {
    const object = objectByPlural(request.params.plural);
    const record = store.update(object, request.params.id, request.body);
    return { data: { [`update${capitalise(object.nameSingular)}`]: record } };
  });
  server.delete<Query & { Params: { plural: string; id: string } }>('/rest/:plural/:id', async (request) => {
    const object = objectByPlural(request.params.plural);
    store.delete(object, request.params.id, request.query.soft_delete === 'true');
    return { data: { [`delete${capitalise(object.nameSingular)}`]: { id: request.params.id } } };
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
  return { server, state: { faults, requests, metadata, store, records } };
}
