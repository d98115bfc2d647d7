import { topicDefinitions, TOPICS } from '@parley/contracts';
import {
  AcknowledgedProducer,
  CompactedTopicMap,
  createKafkaClient,
  DurableRecentIds,
  ensureTopics,
} from '@parley/kafka';
import { appserviceRoutes, HomeserverClient, TransactionProcessor, type TransactionBody } from '@parley/matrix';
import type { ServiceDefinition } from '@parley/service-runtime';
import { Counter, Histogram } from 'prom-client';
import { resolveAppserviceIdentity } from './appservice-identity.ts';
import { pipelineFromSettings } from './pipeline-from-settings.ts';
import { RecoveryLoop } from './recovery-loop.ts';
import { ingestSettings } from './settings.ts';

/**
 * ingest: the homeserver pushes appservice transactions; each is normalised and produced to Kafka and
 * acknowledged only once Kafka acknowledged it.
 */
export const ingestService: ServiceDefinition<typeof ingestSettings> = {
  name: 'ingest',
  settings: ingestSettings,
  wire: async ({ config, logger, readiness, metrics, http }) => {
    const identity = resolveAppserviceIdentity(config);
    readiness.expect('kafka');
    readiness.expect('homeserver', 'waiting for the homeserver to ping us');

    const kafka = createKafkaClient({
      brokers: config.PARLEY_KAFKA_BROKERS,
      clientId: config.PARLEY_KAFKA_CLIENT_ID,
      logger,
    });
    const producer = new AcknowledgedProducer(kafka, {
      timeoutMs: config.PARLEY_PUBLISH_TIMEOUT_MS,
      onConnectionChange: (connected, detail) => {
        readiness.report('kafka', connected, detail);
      },
    });
    const homeserver = new HomeserverClient({ baseUrl: config.PARLEY_HOMESERVER_URL, asToken: identity.asToken });
    const stateKey = `appservice/${config.PARLEY_HOMESERVER_NAME}/${identity.id}/transactions`;
    const recentTransactions = new DurableRecentIds(
      new CompactedTopicMap(kafka, TOPICS.ingestState, stateKey),
      stateKey,
      producer,
    );

    const pipeline = pipelineFromSettings(config, homeserver);
    const processor = new TransactionProcessor({
      homeserver: config.PARLEY_HOMESERVER_NAME,
      pipeline,
      sink: producer,
      log: recentTransactions,
    });

    const transactions = new Counter({
      name: 'parley_ingest_transactions_total',
      help: 'Appservice transactions by outcome',
      labelNames: ['outcome'],
      registers: [metrics],
    });
    const events = new Counter({
      name: 'parley_ingest_events_total',
      help: 'Events produced to Kafka, by kind; dead-lettered ones under kind="dead_letter"',
      labelNames: ['kind'],
      registers: [metrics],
    });
    const latency = new Histogram({
      name: 'parley_ingest_transaction_seconds',
      help: 'Time from receiving a transaction to acknowledging it',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers: [metrics],
    });

    // Kafka may be down when ingest starts: transactions get 503 (Synapse keeps them) until it is up.
    let ready = false;
    const recovery = new RecoveryLoop({
      logger,
      intervalMs: 2_000,
      attempt: async () => {
        // A real round trip: kafkajs reports a producer as connected long after its broker went away.
        const admin = kafka.admin();
        await admin.connect();
        try {
          await admin.describeCluster();
          if (config.PARLEY_KAFKA_CREATE_TOPICS) {
            const created = await ensureTopics(admin, topicDefinitions(config.PARLEY_KAFKA_PARTITIONS));
            if (created.length > 0) logger.info({ topics: created }, 'created topics');
          }
        } finally {
          await admin.disconnect();
        }
        await producer.connect();
        if (!ready) {
          const remembered = await recentTransactions.load();
          logger.info({ remembered }, 'loaded recently acknowledged transaction ids');
          ready = true;
        }
        readiness.report('kafka', true, 'connected');
      },
      // After an outage Synapse backs off for up to ~8.5 minutes; a ping makes it retry at once.
      onRecovered: () => ping(),
    });

    const ping = async () => {
      if (!config.PARLEY_AS_PING_ON_START) return;
      try {
        const { duration_ms } = await homeserver.ping(identity.id);
        readiness.report('homeserver', true, `ping answered in ${duration_ms} ms`);
      } catch (error) {
        readiness.report('homeserver', false, `ping failed: ${(error as Error).message}`);
      }
    };
    if (!config.PARLEY_AS_PING_ON_START) readiness.report('homeserver', true, 'ping disabled');

    await http.register(appserviceRoutes, {
      prefix: '/_matrix/app/v1',
      hsToken: identity.hsToken,
      bodyLimit: config.PARLEY_HTTP_BODY_LIMIT_BYTES,
      allowQueryToken: config.PARLEY_AS_ALLOW_QUERY_TOKEN,
      onPing: () => {
        readiness.report('homeserver', true, 'homeserver reached us');
      },
      onTransaction: async (txnId: string, body: TransactionBody) => {
        const stop = latency.startTimer();
        if (!ready) {
          transactions.inc({ outcome: 'unavailable' });
          throw new Error('Kafka is not reachable yet');
        }
        try {
          const outcome = await processor.process(txnId, body);
          transactions.inc({ outcome: outcome.duplicate ? 'duplicate' : 'acknowledged' });
          for (const [kind, count] of Object.entries(outcome.byKind)) events.inc({ kind }, count);
          if (outcome.deadLettered > 0) events.inc({ kind: 'dead_letter' }, outcome.deadLettered);
          return outcome;
        } catch (error) {
          transactions.inc({ outcome: 'failed' });
          recovery.trigger();
          throw error;
        } finally {
          stop();
        }
      },
    });

    // Connect (and then ping, which needs our endpoint up) once listening.
    http.addHook('onListen', async () => {
      recovery.trigger();
    });

    return {
      close: async () => {
        recovery.stop();
        await producer.disconnect();
      },
    };
  },
};
