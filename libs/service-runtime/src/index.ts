export { ConfigError, loadConfig, setting, type Environment, type LoadConfigOptions } from './config.ts';
export { createLogger, REDACTED_PATHS, type Logger, type LoggerSettings } from './logger.ts';
export { createMetricsRegistry, type Registry } from './metrics.ts';
export { Readiness, type DependencyState, type ReadinessReport } from './readiness.ts';
export { opsRoutes, type OpsRoutesOptions } from './ops-routes.ts';
export { createHttpServer, type HttpServerOptions } from './http-server.ts';
export { DrainTimeoutError, runService, type RunningService, type RunServiceOptions } from './lifecycle.ts';
export { baseSettings, EXIT_CONFIG, startService, type ServiceContext, type ServiceDefinition } from './service.ts';
export { startTelemetry, type Telemetry } from './telemetry.ts';
