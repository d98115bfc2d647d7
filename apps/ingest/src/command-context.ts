import { topicDefinitions } from '@parley/contracts';
import { AcknowledgedProducer, kafkaClientFromSettings, reachCluster } from '@parley/kafka';
import { HomeserverClient } from '@parley/matrix';
import { ConfigError, createLogger, loadConfig, setting, type Logger } from '@parley/service-runtime';
import type { Kafka } from 'kafkajs';
import { z } from 'zod';
import { resolveAppserviceIdentity } from './appservice-identity.ts';
import type { IngestConfig } from './pipeline-from-settings.ts';
import { ingestSettings } from './settings.ts';

/** What a command that reads the homeserver and produces to Kafka works with (backfill, directory). */
export interface CommandContext {
  config: IngestConfig;
  logger: Logger;
  homeserver: HomeserverClient;
  kafka: Kafka;
  producer: AcknowledgedProducer;
}

/**
 * Runs `work` with the service's settings, the homeserver as the appservice, and a connected producer
 * (topics created first when the settings say so); returns its exit code, 78 for a wrong setting.
 */
export async function withCommandContext(
  name: string,
  work: (context: CommandContext) => Promise<number>,
): Promise<number> {
  let config;
  try {
    config = loadConfig(z.object({ ...ingestSettings, PARLEY_LOG_LEVEL: setting.logLevel() }), { service: 'ingest' });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 78;
    }
    throw error;
  }
  const logger = createLogger({ service: `ingest-${name}`, level: config.PARLEY_LOG_LEVEL });
  const identity = resolveAppserviceIdentity(config);
  const homeserver = new HomeserverClient({ baseUrl: config.PARLEY_HOMESERVER_URL, asToken: identity.asToken });
  let kafka: Kafka;
  try {
    kafka = kafkaClientFromSettings(
      { ...config, PARLEY_KAFKA_CLIENT_ID: `${config.PARLEY_KAFKA_CLIENT_ID}-${name}` },
      logger,
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 78;
  }
  const producer = new AcknowledgedProducer(kafka, { timeoutMs: config.PARLEY_PUBLISH_TIMEOUT_MS });
  // A command fails fast where a service would wait: whoever runs it sees the error and can run it again.
  await reachCluster(kafka, config.PARLEY_KAFKA_CREATE_TOPICS, topicDefinitions(config.PARLEY_KAFKA_PARTITIONS));
  await producer.connect();
  try {
    return await work({ config, logger, homeserver, kafka, producer });
  } finally {
    await producer.disconnect();
  }
}
