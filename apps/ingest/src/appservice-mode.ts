import { DurableRecentIds, RecentIdsState } from '@parley/kafka';
import {
  appserviceRoutes,
  HomeserverClient,
  OrderGuard,
  TransactionProcessor,
  type TransactionBody,
} from '@parley/matrix';
import type { RunningService, ServiceContext } from '@parley/service-runtime';
import { resolveAppserviceIdentity } from './appservice-identity.ts';
import { catchUpScheduler, recentActivityLoader } from './catch-up.ts';
import { kafkaOutput } from './kafka-output.ts';
import { publishRoomDirectory } from './room-directory.ts';
import { ingestMetrics } from './metrics.ts';
import { pipelineFromSettings, type IngestConfig } from './pipeline-from-settings.ts';
import { backoff, errorMessage, retryUntilDone } from '@parley/service-runtime';

/**
 * The primary mode: the homeserver pushes transactions; each is produced to Kafka and acknowledged
 * only once Kafka acknowledged it. Until Kafka is reachable, transactions get 503 and the homeserver
 * keeps them.
 */
export async function wireAppserviceMode(context: ServiceContext<IngestConfig>): Promise<RunningService> {
  const { config, logger, readiness, metrics, http } = context;
  const identity = resolveAppserviceIdentity(config);
  const homeserver = new HomeserverClient({ baseUrl: config.PARLEY_HOMESERVER_URL, asToken: identity.asToken });
  const pipeline = pipelineFromSettings(config, homeserver);
  const measure = ingestMetrics(metrics);
  readiness.expect('homeserver', 'waiting for the homeserver to ping us');
  readiness.expect('transaction-log', 'loading recently acknowledged transaction ids from Kafka');

  // The homeserver may come up after ingest: the ping is retried with backoff until it is answered, and
  // /readyz says why meanwhile. Each recovery pings again (a homeserver that held transactions back for
  // minutes retries at once).
  let stopping = false;
  let pinging = false;
  const ping = async () => {
    if (!config.PARLEY_AS_PING_ON_START || pinging) return;
    pinging = true;
    try {
      const { duration_ms } = await retryUntilDone(() => homeserver.ping(identity.id), {
        stopping: () => stopping,
        delayMs: backoff(1_000, 30_000),
        onFailure: (error, attempt) => {
          readiness.report('homeserver', false, `ping failed: ${errorMessage(error)}`);
          if (attempt % 10 === 0) logger.warn({ err: error, attempt }, 'homeserver ping failed; retrying');
        },
      });
      readiness.report('homeserver', true, `ping answered in ${duration_ms} ms`);
      logger.info({ durationMs: duration_ms }, 'homeserver ping answered');
    } catch (error) {
      if (!stopping) throw error;
    } finally {
      pinging = false;
    }
  };
  if (!config.PARLEY_AS_PING_ON_START) readiness.report('homeserver', true, 'ping disabled');

  const stateKey = `appservice/${config.PARLEY_HOMESERVER_NAME}/${identity.id}/transactions`;
  let processor: TransactionProcessor | undefined;
  let recent: DurableRecentIds | undefined;
  const output = kafkaOutput(
    config,
    logger,
    readiness,
    async (firstTime) => {
      if (firstTime) {
        recent = new DurableRecentIds(output.stateMap(stateKey, RecentIdsState), stateKey, output.producer);
        logger.info({ remembered: await recent.load() }, 'loaded recently acknowledged transaction ids');
        processor = new TransactionProcessor({
          homeserver: config.PARLEY_HOMESERVER_NAME,
          pipeline,
          sink: output.producer,
          log: recent,
          order,
        });
        readiness.report('transaction-log', true, 'loaded');
      }
      // Armed before the ping, which sets off the homeserver's replay. If the topic cannot be read yet,
      // the next transaction tries again (and fails, so the homeserver keeps it, if it still cannot).
      await order.arm().catch((error: unknown) => {
        logger.warn({ err: error }, 'order check could not read the events topic yet');
      });
      // After an outage Synapse backs off for up to ~8.5 minutes; a ping makes it retry at once. Not
      // awaited: Kafka is usable whether or not the homeserver answers yet.
      void ping();
      catchUp.afterRecovery();
      if (firstTime && config.PARLEY_ROOM_DIRECTORY_ON_START)
        void publishRoomDirectory({
          kafka: output.kafka,
          producer: output.producer,
          pipeline,
          homeserver,
          sinceMs: Date.now() - config.PARLEY_ROOM_DIRECTORY_LOOKBACK_MS,
          all: false,
        })
          .then((result) => {
            logger.info(
              { rooms: result.rooms, published: result.published, unreadable: result.failed.length },
              'room directory published',
            );
          })
          .catch((error: unknown) => {
            logger.warn({ err: error }, 'publishing the room directory at start-up failed');
          });
    },
    metrics,
  );

  const order = new OrderGuard({
    client: homeserver,
    pipeline,
    loadActivity: recentActivityLoader(output.kafka, pipeline),
    lookbackMs: config.PARLEY_AS_ORDER_CHECK ? config.PARLEY_AS_CATCH_UP_LOOKBACK_MS : 0,
    windowMs: config.PARLEY_AS_CATCH_UP_DELAY_MS,
    replayAgeMs: config.PARLEY_AS_CATCH_UP_SETTLE_MS,
    maxEventsPerRoom: 5_000,
    maxTracked: 500_000,
    logger,
  });
  // Starting is a recovery too: the homeserver may have lost a transaction while ingest was away.
  order.recoveryStarted();
  const catchUp = catchUpScheduler(
    config,
    { kafka: output.kafka, output, pipeline, homeserver, msSinceLastReplay: () => order.msSinceLastReplay() },
    logger,
    metrics,
  );

  await http.register(appserviceRoutes, {
    prefix: '/_matrix/app/v1',
    hsToken: identity.hsToken,
    bodyLimit: config.PARLEY_HTTP_BODY_LIMIT_BYTES,
    allowQueryToken: config.PARLEY_AS_ALLOW_QUERY_TOKEN,
    onPing: () => {
      readiness.report('homeserver', true, 'homeserver reached us');
    },
    onTransaction: async (txnId: string, body: TransactionBody) => {
      const stop = measure.latency.startTimer();
      try {
        if (!processor) throw new Error('Kafka is not reachable yet');
        const outcome = await processor.process(txnId, body);
        measure.transactions.inc({ outcome: outcome.duplicate ? 'duplicate' : 'acknowledged' });
        measure.countEvents(outcome.byKind, outcome.deadLettered);
        if (outcome.recoveredBefore > 0) {
          measure.recoveredInOrder.inc(outcome.recoveredBefore);
          logger.warn(
            { txnId, recovered: outcome.recoveredBefore },
            'produced events the homeserver skipped, ahead of the transaction that followed them',
          );
        }
        return outcome;
      } catch (error) {
        measure.transactions.inc({ outcome: 'failed' });
        order.recoveryStarted();
        output.worker.reconnect();
        throw error;
      } finally {
        stop();
      }
    },
  });

  // Connect (and then ping, which needs our endpoint up) once listening.
  http.addHook('onListen', async () => {
    void output.worker.start();
  });

  return {
    close: async () => {
      stopping = true;
      await output.worker.halt();
      // A pass under way is not waited for: the next start catches up again.
      void catchUp.stop();
      await recent?.flush().catch((error: unknown) => {
        logger.warn({ err: error }, 'could not store the last transaction ids');
      });
      await output.worker.close();
    },
  };
}
