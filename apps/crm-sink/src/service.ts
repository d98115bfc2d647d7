import { conversationMetrics, messageMetrics } from '@parley/conversations';
import { SinkStage } from '@parley/crm';
import { KafkaWorker } from '@parley/kafka';
import type { ServiceDefinition } from '@parley/service-runtime';
import { Counter } from 'prom-client';
import { crmSinkSettings } from './settings.ts';
import { followUpsFromSettings, prepareFromSettings, targetFromSettings } from './target-from-settings.ts';

/** crm-sink: writes classified conversations from Kafka into Twenty CRM (or an NDJSON file). */
export const crmSinkService: ServiceDefinition<typeof crmSinkSettings> = {
  name: 'crm-sink',
  settings: crmSinkSettings,
  wire: async (context) => {
    const { config, logger, readiness, metrics } = context;
    const stop = new AbortController();
    const requests = new Counter({
      name: 'parley_crm_requests_total',
      help: 'Requests to the CRM by status (429 and 5xx are retried)',
      labelNames: ['status'],
      registers: [metrics],
    });
    const outcomes = new Counter({
      name: 'parley_crm_classifications_total',
      help: 'Classifications by outcome',
      labelNames: ['outcome'],
      registers: [metrics],
    });
    const built = targetFromSettings(config, stop.signal, (attempt) => {
      requests.inc({ status: String(attempt.status) });
      // A CRM that is not there (yet) or failing: /readyz says so while the client keeps retrying.
      if (attempt.retryInMs !== undefined && (attempt.status === 'network' || attempt.status >= 500))
        readiness.report(
          'crm',
          false,
          `${built.kind} not answering (${String(attempt.status)} on ${attempt.method} ${attempt.path}); retrying`,
        );
      if (attempt.retryInMs !== undefined)
        logger.debug(
          { status: attempt.status, path: attempt.path, retryInMs: attempt.retryInMs },
          'CRM request retried',
        );
    });
    readiness.expect('crm', `${built.kind} not written to yet`);
    let stopping = false;
    const worker: KafkaWorker = new KafkaWorker({
      ...context,
      consume: {
        kind: 'batch',
        maxBatch: config.PARLEY_CRM_BATCH,
        minBytes: config.PARLEY_KAFKA_MIN_BYTES,
        maxWaitTimeInMs: config.PARLEY_KAFKA_MAX_WAIT_MS,
        handle: (messages, partition, heartbeat) => stage.handle(messages, partition, heartbeat),
      },
      beforeConsuming: (started) => stage.start(started),
    });
    const stage: SinkStage = new SinkStage({
      target: built.target,
      ...prepareFromSettings(config, built, logger),
      followUps: followUpsFromSettings(config),
      conversationUrl: config.PARLEY_CONVERSATION_URL,
      topics: {
        input: config.PARLEY_INPUT_TOPIC,
        state: config.PARLEY_STATE_TOPIC,
        deadLetters: config.PARLEY_DLQ_TOPIC,
        rooms: config.PARLEY_ROOMS_TOPIC,
        ...(config.PARLEY_CONVERSATIONS && { conversations: config.PARLEY_CONVERSATIONS_TOPIC }),
        identityDecisions: config.PARLEY_IDENTITY_DECISIONS_TOPIC,
      },
      source: 'parley/crm-sink',
      logger,
      readiness,
      stopping: () => stopping,
      publish: (records) => worker.producer.publish(records),
      onOutcome: (outcome, count) => {
        outcomes.inc({ outcome }, count);
      },
      followUpCheckMs: config.PARLEY_FOLLOW_UP_CHECK_MS,
      onConversations: (changes) => {
        conversations.observe(changes);
      },
      onMessages: (inputs) => {
        messages.observe(inputs);
      },
    });
    const conversations = conversationMetrics(metrics, () => stage.openConversations());
    const messages = messageMetrics(metrics);
    void worker.start();
    return {
      close: async () => {
        stopping = true;
        // Before the first run nothing is in flight: a start-up waiting for the CRM is cut short.
        if (!stage.consuming) stop.abort();
        // The in-flight run finishes (written, published, committed) before the consumer leaves; the
        // sync stops retrying a CRM that is down once the worker is stopping.
        await worker.close();
        stop.abort();
        await stage.close();
        await built.target.close();
      },
    };
  },
};
