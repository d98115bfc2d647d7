import { Kafka, logLevel, type KafkaConfig, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';
import { kafkaSecurity } from './security.ts';
import type { KafkaSettings } from './settings.ts';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Bound on connecting and on each request, so a dead broker surfaces as an error, not a hang. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** TLS and SASL (see `kafkaSecurity`); plaintext without. */
  security?: Pick<KafkaConfig, 'ssl' | 'sasl'>;
}

/** A kafkajs client whose logs go through the service's JSON logger. */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 10_000,
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(options.logger),
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 5 },
    ...options.security,
  });
}

/** The client a service's Kafka settings describe (brokers, client id, TLS and SASL, checked now). */
export function kafkaClientFromSettings(settings: KafkaSettings, logger: Logger): Kafka {
  return createKafkaClient({
    brokers: settings.PARLEY_KAFKA_BROKERS,
    clientId: settings.PARLEY_KAFKA_CLIENT_ID,
    logger,
    security: kafkaSecurity(settings, settings.PARLEY_KAFKA_CLIENT_ID),
  });
}

function pinoLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      if (level === logLevel.ERROR || level === logLevel.NOTHING) child.error(extra, message);
      else if (level === logLevel.WARN) child.warn(extra, message);
      else if (level === logLevel.INFO) child.info(extra, message);
      else child.debug(extra, message);
    };
}
