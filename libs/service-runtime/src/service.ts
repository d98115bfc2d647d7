import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ConfigError, loadConfig, setting, type Environment } from './config.ts';
import { startTelemetry } from './telemetry.ts';
import { createHttpServer } from './http-server.ts';
import { runService, type RunningService } from './lifecycle.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetricsRegistry, type Registry } from './metrics.ts';
import { Readiness } from './readiness.ts';

/** Settings every service has. Services add theirs to these. */
export const baseSettings = {
  PARLEY_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  PARLEY_HTTP_PORT: setting.port(8080),
  PARLEY_HTTP_BODY_LIMIT_BYTES: setting.positiveInt(10 * 1024 * 1024),
  PARLEY_LOG_LEVEL: setting.logLevel(),
  PARLEY_DRAIN_TIMEOUT_MS: setting.duration(25_000),
};

type BaseConfig = z.output<z.ZodObject<typeof baseSettings>>;

/** What a service's wiring gets: its validated settings and the shared runtime pieces. */
export interface ServiceContext<C> {
  config: C & BaseConfig;
  logger: Logger;
  readiness: Readiness;
  metrics: Registry;
  http: FastifyInstance;
}

export interface ServiceDefinition<S extends z.ZodRawShape> {
  name: string;
  settings: S;
  /** Connects the service's parts; what it returns is closed on shutdown, after HTTP stops. */
  wire(context: ServiceContext<z.output<z.ZodObject<S>>>): Promise<RunningService | undefined>;
}

/** Exit code for a configuration error (sysexits EX_CONFIG), distinct from a crash. */
export const EXIT_CONFIG = 78;

/**
 * The whole lifecycle of a Parley service: validate settings (a wrong one stops the service with a
 * message naming it), wire the parts, listen, and drain on SIGTERM/SIGINT.
 */
export async function startService<S extends z.ZodRawShape>(
  definition: ServiceDefinition<S>,
  env: Environment = process.env,
): Promise<void> {
  let config: BaseConfig & z.output<z.ZodObject<S>>;
  try {
    config = loadAll(definition, env);
  } catch (error) {
    if (error instanceof ConfigError) exitOnConfigError(definition.name, error);
    throw error;
  }

  const logger = createLogger({ service: definition.name, level: config.PARLEY_LOG_LEVEL });
  const telemetry = startTelemetry(definition.name, env);
  if (telemetry.enabled) logger.info('exporting traces (OTLP, configured by OTEL_* variables)');
  const readiness = new Readiness();
  const metrics = createMetricsRegistry(definition.name);
  const http = createHttpServer({ logger, readiness, metrics, bodyLimit: config.PARLEY_HTTP_BODY_LIMIT_BYTES });

  await runService({
    name: definition.name,
    logger,
    readiness,
    drainTimeoutMs: config.PARLEY_DRAIN_TIMEOUT_MS,
    start: async () => {
      const wired = await wireOrExit(definition.name, () =>
        definition.wire({
          config,
          logger,
          readiness,
          metrics,
          http,
        }),
      );
      const address = await http.listen({ host: config.PARLEY_HTTP_HOST, port: config.PARLEY_HTTP_PORT });
      logger.info({ address }, 'listening');
      return {
        close: async () => {
          // Stop taking requests first (in-flight ones finish), then drain the service's own work.
          await http.close();
          await wired?.close();
          // Last, so the spans of the drained work are exported too.
          await telemetry.shutdown().catch((error: unknown) => {
            logger.warn({ err: error }, 'trace export failed at shutdown');
          });
        },
      };
    },
  });
}

/** Validates the base and the service's own settings, reporting every bad one of both together. */
function loadAll<S extends z.ZodRawShape>(
  definition: ServiceDefinition<S>,
  env: Environment,
): BaseConfig & z.output<z.ZodObject<S>> {
  const problems: ConfigError['problems'][number][] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const options = { service: definition.name, env };
  const base = attempt(() => loadConfig(z.object(baseSettings), options));
  const own = attempt(() => loadConfig(z.object(definition.settings), options));
  if (base === undefined || own === undefined) throw new ConfigError(problems, definition.name);
  return { ...base, ...own };
}

/** Settings that can only be checked while wiring (a file they name, a combination) stop start-up the same way. */
async function wireOrExit<T>(service: string, wire: () => Promise<T>): Promise<T> {
  try {
    return await wire();
  } catch (error) {
    if (error instanceof ConfigError) exitOnConfigError(service, error);
    throw error;
  }
}

function exitOnConfigError(service: string, error: ConfigError): never {
  process.stderr.write(
    JSON.stringify({ level: 'fatal', service, msg: error.message, problems: error.problems }) + '\n',
  );
  process.exit(EXIT_CONFIG);
}
