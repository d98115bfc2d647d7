import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Environment } from './config.ts';

export interface Telemetry {
  /** Whether spans are exported (an OTLP endpoint is configured, or processors were given). */
  enabled: boolean;
  /** Flushes what is buffered and stops; called last on shutdown. */
  shutdown(): Promise<void>;
}

/**
 * The OpenTelemetry SDK, configured by the standard OTEL_* variables (endpoint, protocol, headers,
 * sampler, resource attributes). Without OTEL_EXPORTER_OTLP_ENDPOINT (or the traces endpoint) nothing
 * starts: no exporter tries to reach a collector that is not there. Tests pass their own processors.
 */
export function startTelemetry(
  service: string,
  env: Environment = process.env,
  spanProcessors?: SpanProcessor[],
): Telemetry {
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  const configured = endpoint !== undefined && endpoint !== '';
  if (env['OTEL_SDK_DISABLED'] === 'true' || (!configured && spanProcessors === undefined))
    return { enabled: false, shutdown: async () => undefined };
  const sdk = new NodeSDK({
    serviceName: env['OTEL_SERVICE_NAME'] ?? service,
    ...(spanProcessors === undefined ? {} : { spanProcessors }),
    // Metrics are Prometheus (/metrics) and logs are JSON on stdout; OTLP carries traces unless the
    // standard variables ask for more.
    ...(env['OTEL_METRICS_EXPORTER'] === undefined ? { metricReaders: [] } : {}),
    ...(env['OTEL_LOGS_EXPORTER'] === undefined ? { logRecordProcessors: [] } : {}),
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}
