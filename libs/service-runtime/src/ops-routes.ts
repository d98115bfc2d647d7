import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { Readiness } from './readiness.ts';

export interface OpsRoutesOptions {
  readiness: Readiness;
  metrics: Registry;
}

/**
 * Liveness, readiness and metrics. Liveness says only that the event loop answers: restarting a
 * service because Kafka is down would not bring Kafka back, so dependencies belong to readiness.
 */
export const opsRoutes: FastifyPluginAsync<OpsRoutesOptions> = async (app: FastifyInstance, options) => {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
    const report = options.readiness.snapshot();
    return reply.code(report.ready ? 200 : 503).send({ status: report.ready ? 'ready' : 'not ready', ...report });
  });

  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    const body = await options.metrics.metrics();
    return reply.type(options.metrics.contentType).send(body);
  });
};
