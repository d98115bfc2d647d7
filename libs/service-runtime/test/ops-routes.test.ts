import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../src/http-server.ts';
import { createLogger } from '../src/logger.ts';
import { createMetricsRegistry } from '../src/metrics.ts';
import { Readiness, type ReadinessReport } from '../src/readiness.ts';

function setup() {
  const readiness = new Readiness();
  const metrics = createMetricsRegistry('unit');
  const logger = createLogger({ service: 'unit', level: 'silent' });
  const app = createHttpServer({ logger, readiness, metrics });
  return { app, readiness };
}

describe('ops routes', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it('answers liveness regardless of dependencies', async () => {
    const { app, readiness } = setup();
    close = () => app.close();
    readiness.expect('kafka');
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('is not ready until every expected dependency reports ready, and not ready while draining', async () => {
    const { app, readiness } = setup();
    close = () => app.close();
    readiness.expect('kafka');
    readiness.expect('ollama');
    let response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    readiness.report('kafka', true, 'connected');
    readiness.report('ollama', false, 'HTTP 503 from Ollama');
    response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json<ReadinessReport>().dependencies['ollama']).toMatchObject({
      ready: false,
      detail: 'HTTP 503 from Ollama',
    });
    readiness.report('ollama', true, 'model loaded');
    response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    readiness.markShuttingDown();
    response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json<ReadinessReport>().shuttingDown).toBe(true);
  });

  it('exposes Prometheus metrics with the service label', async () => {
    const { app } = setup();
    close = () => app.close();
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toMatch(/parley_process_cpu_user_seconds_total\{service="unit"\}/);
  });
});

describe('logger', () => {
  it('writes JSON lines with the service name and redacts credentials', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const logger = createLogger({ service: 'ingest', level: 'info', destination });
    logger.info({ hsToken: 'secret-hs', request: { authorization: 'Bearer abc' }, apiKey: 'k' }, 'hello');
    const line = JSON.parse(lines.join('')) as Record<string, unknown>;
    expect(line).toMatchObject({
      service: 'ingest',
      level: 'info',
      msg: 'hello',
      hsToken: '[redacted]',
      apiKey: '[redacted]',
    });
    expect(JSON.stringify(line)).not.toContain('secret-hs');
    expect(JSON.stringify(line)).not.toContain('Bearer abc');
  });
});
