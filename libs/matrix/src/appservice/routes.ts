import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TransactionBody, TransactionOutcome } from './transaction-processor.ts';

export interface AppserviceRoutesOptions {
  hsToken: string;
  /** Largest transaction body accepted, in bytes; larger ones get 413 M_TOO_LARGE. */
  bodyLimit: number;
  /** Accept the legacy `access_token` query parameter (Synapse's use_appservice_legacy_authorization). */
  allowQueryToken: boolean;
  onTransaction(txnId: string, body: TransactionBody): Promise<TransactionOutcome>;
  onPing?: (transactionId: string | undefined) => void;
}

export class MatrixError {
  readonly status: number;
  readonly errcode: string;
  readonly error: string;
  constructor(status: number, errcode: string, error: string) {
    this.status = status;
    this.errcode = errcode;
    this.error = error;
  }
}

function send(reply: FastifyReply, e: MatrixError): FastifyReply {
  return reply.code(e.status).send({ errcode: e.errcode, error: e.error });
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares tokens in constant time (hashing first, so their lengths do not leak either). */
export function tokensMatch(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function authenticate(request: FastifyRequest, options: AppserviceRoutesOptions): MatrixError | undefined {
  const header = request.headers.authorization;
  const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
  const query = AccessTokenQuery.safeParse(request.query).data?.access_token;
  const queryToken = options.allowQueryToken && typeof query === 'string' ? query : undefined;
  if (bearer !== undefined && queryToken !== undefined && bearer !== queryToken) {
    return new MatrixError(403, 'M_FORBIDDEN', 'Authorization header and access_token differ');
  }
  const token = bearer ?? queryToken;
  if (token === undefined && typeof query === 'string') {
    return new MatrixError(403, 'M_FORBIDDEN', 'access_token in the query is not allowed; use Authorization: Bearer');
  }
  if (token === undefined) {
    return new MatrixError(401, 'M_UNAUTHORIZED', 'Missing Authorization: Bearer <hs_token>');
  }
  return tokensMatch(token, options.hsToken) ? undefined : new MatrixError(403, 'M_FORBIDDEN', 'Bad token');
}

/** Query and bodies as the homeserver sends them; each event is judged later, by the pipeline. */
const AccessTokenQuery = z.looseObject({ access_token: z.unknown() });
const PingBody = z.looseObject({ transaction_id: z.string().optional() });
const TransactionBodySchema = z.looseObject({
  events: z.array(z.unknown()),
  ephemeral: z.array(z.unknown()).optional(),
  'de.sorunome.msc2409.ephemeral': z.array(z.unknown()).optional(),
});

function isTransactionBody(body: unknown): body is TransactionBody {
  return TransactionBodySchema.safeParse(body).success;
}

/**
 * The Application Service API that the homeserver calls, as an encapsulated Fastify plugin meant to
 * be registered under the prefix /_matrix/app/v1. Everything it answers is Matrix error JSON.
 */
export const appserviceRoutes: FastifyPluginAsync<AppserviceRoutesOptions> = async (app, options) => {
  app.addHook('onRequest', async (request, reply) => {
    const failure = authenticate(request, options);
    if (failure) return send(reply, failure);
    return undefined;
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return send(reply, new MatrixError(413, 'M_TOO_LARGE', 'Transaction body is over the configured limit'));
    }
    if (error.statusCode === 400 || error.statusCode === 415) {
      return send(reply, new MatrixError(400, 'M_NOT_JSON', `Body is not valid JSON: ${error.message}`));
    }
    request.log.error({ err: error }, 'appservice request failed');
    return send(reply, new MatrixError(500, 'M_UNKNOWN', 'Internal error'));
  });

  app.setNotFoundHandler((_request, reply) =>
    send(reply, new MatrixError(404, 'M_UNRECOGNIZED', 'Unrecognized request')),
  );

  app.put<{ Params: { txnId: string } }>(
    '/transactions/:txnId',
    { bodyLimit: options.bodyLimit },
    async (request, reply) => {
      if (!isTransactionBody(request.body)) {
        return send(reply, new MatrixError(400, 'M_BAD_JSON', 'Body must be an object with an "events" array'));
      }
      const { txnId } = request.params;
      try {
        const outcome = await options.onTransaction(txnId, request.body);
        request.log.debug({ txnId, ...outcome }, 'transaction acknowledged');
        return await reply.code(200).send({});
      } catch (error) {
        // Not acknowledging makes the homeserver keep the transaction and retry it: nothing is lost.
        request.log.warn(
          { txnId, err: error instanceof Error ? error.message : String(error) },
          'transaction not acknowledged',
        );
        return send(reply, new MatrixError(503, 'M_UNKNOWN', 'Events could not be stored yet; retry later'));
      }
    },
  );

  app.post('/ping', async (request, reply) => {
    const transactionId = PingBody.safeParse(request.body).data?.transaction_id;
    options.onPing?.(transactionId);
    return reply.code(200).send({});
  });

  // Parley creates no users or rooms on demand; answering fast keeps Synapse from waiting.
  app.get('/users/:userId', async (_request, reply) =>
    send(reply, new MatrixError(404, 'M_NOT_FOUND', 'No such user')),
  );
  app.get('/rooms/:alias', async (_request, reply) =>
    send(reply, new MatrixError(404, 'M_NOT_FOUND', 'No such room alias')),
  );
};
