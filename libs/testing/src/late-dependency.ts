import { expect } from 'vitest';
import { spawnService, type ServiceProcess } from './service-process.ts';
import { tcpProxy, type TcpProxy } from './tcp-proxy.ts';
import { waitFor } from './wait.ts';

export interface Readiness {
  ready: boolean;
  dependencies: Record<string, { ready: boolean; detail: string }>;
}

export async function readinessOf(service: ServiceProcess): Promise<{ status: number; body: Readiness }> {
  const response = await fetch(`${service.url}/readyz`);
  return { status: response.status, body: (await response.json()) as Readiness };
}

/**
 * Starts a service whose Kafka is not there yet (its brokers point at a closed proxy port), and checks
 * that it runs, says in /readyz that it is waiting for Kafka and why. Opening the proxy makes Kafka
 * appear; the caller then checks that the service works.
 */
export async function startBeforeKafka(
  entry: string,
  brokers: readonly string[],
  env: Record<string, string>,
): Promise<{
  service: ServiceProcess;
  kafka: TcpProxy;
  untilKafkaReady: () => Promise<Readiness>;
  /** SIGTERM to the service, then the proxy closed; the service's exit code. */
  stop: () => Promise<number | null>;
}> {
  const [host = '127.0.0.1', port = '9092'] = (brokers[0] ?? '').split(':');
  const kafka = await tcpProxy({ host, port: Number(port) });
  const service = await spawnService({
    entry,
    env: { PARLEY_HTTP_HOST: '127.0.0.1', ...env, PARLEY_KAFKA_BROKERS: `127.0.0.1:${kafka.port}` },
  });
  const waiting = await waitFor('/readyz to say the service waits for Kafka', async () => {
    const { status, body } = await readinessOf(service);
    return body.dependencies['kafka']?.detail.startsWith('waiting for Kafka') ? { status, body } : undefined;
  });
  expect(waiting.status).toBe(503);
  expect(waiting.body.dependencies['kafka']).toMatchObject({ ready: false });
  expect(waiting.body.dependencies['kafka']?.detail).toContain(`127.0.0.1:${kafka.port}`);
  const untilKafkaReady = () =>
    waitFor('/readyz to say Kafka is ready', async () => {
      const { body } = await readinessOf(service);
      return body.dependencies['kafka']?.ready ? body : undefined;
    });
  const stop = async () => {
    const code = await service.stop('SIGTERM');
    await kafka.close();
    return code;
  };
  return { service, kafka, untilKafkaReady, stop };
}
