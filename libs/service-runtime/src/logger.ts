import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths that never reach the log, whatever level: credentials, and message bodies that must stay
 * out of info-level logs (callers log bodies, if ever, at debug and under `body`).
 */
export const REDACTED_PATHS = [
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'hsToken',
  '*.hsToken',
  'asToken',
  '*.asToken',
  'apiKey',
  '*.apiKey',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.query.access_token',
  'headers.authorization',
];

export interface LoggerSettings {
  service: string;
  level: LoggerOptions['level'];
  /** Destination stream; defaults to stdout. Tests pass a buffer to read the logs. */
  destination?: pino.DestinationStream;
}

/** Structured JSON logs with the service name on every line. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: settings.service },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}

export type { Logger };
