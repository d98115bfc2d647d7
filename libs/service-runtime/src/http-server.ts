import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { opsRoutes } from './ops-routes.ts';
import type { Readiness } from './readiness.ts';

export interface HttpServerOptions {
  logger: Logger;
  readiness: Readiness;
  metrics: Registry;
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number;
}

/**
 * The Fastify instance every service listens with. Ops routes are registered as their own
 * encapsulated plugin; services add theirs beside it.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  // Widened on purpose: routes see Fastify's logger interface, which pino implements.
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Per-request lines would carry URLs (and a legacy access_token query) at info level.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  app.register(opsRoutes, { readiness: options.readiness, metrics: options.metrics });
  return app;
}
