import {
  BackendUnavailableError,
  buildBackend,
  ExamplesError,
  MessageClassifier,
  TaxonomyError,
  type ClassifierBackend,
} from '@parley/classification';
import {
  CE_TYPES,
  DATASCHEMA,
  MatrixEventV1,
  toKafkaHeaders,
  topicDefinitions,
  type TopicRecord,
} from '@parley/contracts';
import {
  AcknowledgedProducer,
  createKafkaClient,
  createKafkaMetrics,
  ensureTopics,
  runOrderedConsumer,
} from '@parley/kafka';
import { ConfigError, type ServiceDefinition } from '@parley/service-runtime';
import { Counter, Histogram } from 'prom-client';
import { classifierSettings } from './settings.ts';

/** classifier: labels chat messages from Kafka with a local LLM and produces the labels to Kafka. */
export const classifierService: ServiceDefinition<typeof classifierSettings> = {
  name: 'classifier',
  settings: classifierSettings,
  wire: async ({ config, logger, readiness, metrics }) => {
    const ollamaSeconds = new Histogram({
      name: 'parley_ollama_request_seconds',
      help: 'Duration of Ollama LLM calls that answered (chat, or one label-scoring step)',
      buckets: [0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160],
      registers: [metrics],
    });
    const ollamaTokens = new Counter({
      name: 'parley_ollama_tokens_total',
      help: 'Tokens Ollama evaluated, prompt and output',
      labelNames: ['kind'],
      registers: [metrics],
    });
    let backend: ClassifierBackend;
    try {
      backend = buildBackend(config, {
        onCall: (call) => {
          ollamaSeconds.observe(call.seconds);
          ollamaTokens.inc({ kind: 'prompt' }, call.promptTokens);
          ollamaTokens.inc({ kind: 'output' }, call.outputTokens);
        },
      });
    } catch (error) {
      if (error instanceof TaxonomyError)
        throw new ConfigError([{ setting: 'PARLEY_TAXONOMY_FILE', problem: error.message }], 'classifier');
      if (error instanceof ExamplesError)
        throw new ConfigError([{ setting: 'PARLEY_EXAMPLES_FILES', problem: error.message }], 'classifier');
      throw error;
    }
    const classifier = new MessageClassifier({
      backend,
      contextTurns: config.PARLEY_CONTEXT_TURNS,
      contextTokens: config.PARLEY_CONTEXT_TOKENS,
      maxRooms: config.PARLEY_ROOM_MEMORY,
      cacheSize: config.PARLEY_CACHE_SIZE,
      source: 'parley/classifier',
      topics: { classifications: config.PARLEY_OUTPUT_TOPIC, deadLetters: config.PARLEY_DLQ_TOPIC },
    });
    // The classifier keeps running totals; each scrape adds what changed since the last one.
    const seen = { hits: 0, misses: 0 };
    new Counter({
      name: 'parley_classifier_cache_requests_total',
      help: 'Result-cache lookups by result (hit ratio = hit / (hit + miss))',
      labelNames: ['result'],
      registers: [metrics],
      collect() {
        this.inc({ result: 'hit' }, classifier.stats.cacheHits - seen.hits);
        this.inc({ result: 'miss' }, classifier.stats.cacheMisses - seen.misses);
        seen.hits = classifier.stats.cacheHits;
        seen.misses = classifier.stats.cacheMisses;
      },
    });
    readiness.expect('kafka');
    readiness.expect('backend', `${config.PARLEY_CLASSIFIER_BACKEND} backend not checked yet`);
    const outcomes = new Counter({
      name: 'parley_classifier_messages_total',
      help: 'Input events by outcome',
      labelNames: ['outcome'],
      registers: [metrics],
    });

    const kafka = createKafkaClient({
      brokers: config.PARLEY_KAFKA_BROKERS,
      clientId: config.PARLEY_KAFKA_CLIENT_ID,
      logger,
    });
    const kafkaMetrics = createKafkaMetrics(metrics);
    const producer = new AcknowledgedProducer(kafka, {
      timeoutMs: config.PARLEY_PUBLISH_TIMEOUT_MS,
      metrics: kafkaMetrics,
    });
    const consumer = kafka.consumer({ groupId: config.PARLEY_KAFKA_GROUP_ID, allowAutoTopicCreation: false });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      readiness.report('kafka', true, 'consuming');
    });
    consumer.on(consumer.events.CRASH, (event) => {
      readiness.report('kafka', false, `consumer crashed: ${String(event.payload.error)}`);
    });
    const lifecycle = { stopping: false };
    const stopping = () => lifecycle.stopping;

    const classifyWaitingForBackend = async (
      event: MatrixEventV1,
      heartbeat: () => Promise<void>,
    ): Promise<TopicRecord[]> => {
      // Ollama down or overloaded: wait with capped exponential backoff, holding this partition. Nothing
      // is dropped or dead-lettered for it.
      for (let attempt = 0; ; attempt++) {
        try {
          const records = await classifier.handle(event);
          readiness.report('backend', true, `${backend.kind} answering`);
          return records;
        } catch (error) {
          if (!(error instanceof BackendUnavailableError) || stopping()) throw error;
          readiness.report('backend', false, error.message);
          if (attempt === 0 || attempt % 10 === 0)
            logger.warn({ err: error.message, attempt }, 'backend unavailable; waiting');
          const wait = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
          for (let waited = 0; waited < wait && !stopping(); waited += 1000) {
            await new Promise((resolve) => setTimeout(resolve, Math.min(1000, wait - waited)));
            await heartbeat();
          }
        }
      }
    };

    const start = async () => {
      await producer.connect();
      if (config.PARLEY_KAFKA_CREATE_TOPICS) {
        const admin = kafka.admin();
        await admin.connect();
        await ensureTopics(admin, topicDefinitions(config.PARLEY_KAFKA_PARTITIONS)).finally(() => admin.disconnect());
      }
      await consumer.connect();
      await runOrderedConsumer({
        consumer,
        topic: config.PARLEY_INPUT_TOPIC,
        concurrency: config.PARLEY_CLASSIFIER_CONCURRENCY,
        metrics: kafkaMetrics,
        publish: (records) => producer.publish(records),
        handle: async (message, partition, heartbeat) => {
          let parsed;
          try {
            parsed = MatrixEventV1.safeParse(JSON.parse(message.value?.toString() ?? 'null'));
          } catch {
            parsed = undefined;
          }
          if (!parsed?.success) {
            outcomes.inc({ outcome: 'dead_letter' });
            return [
              invalidInput(
                config.PARLEY_DLQ_TOPIC,
                config.PARLEY_INPUT_TOPIC,
                message.value?.toString() ?? null,
                partition,
                message.offset,
              ),
            ];
          }
          const records = await classifyWaitingForBackend(parsed.data, heartbeat);
          outcomes.inc({
            outcome:
              records.length === 0
                ? 'skipped'
                : records[0]?.topic === config.PARLEY_DLQ_TOPIC
                  ? 'dead_letter'
                  : 'classified',
          });
          return records;
        },
      });
    };
    // Readiness before the first message: the model must be there (its digest is part of every label).
    const probe = async () => {
      while (!stopping()) {
        try {
          // The example store is embedded and learned before the first message, not during it.
          await backend.prepare?.();
          const lineage = await backend.lineage();
          readiness.report('backend', true, `${lineage.backend} ${lineage.model} available`);
          return;
        } catch (error) {
          readiness.report('backend', false, (error as Error).message);
          await new Promise((resolve) => setTimeout(resolve, 5_000));
        }
      }
    };
    void probe();
    start().catch((error: unknown) => {
      readiness.report('kafka', false, `could not start consuming: ${(error as Error).message}`);
      logger.error({ err: (error as Error).message }, 'consumer failed to start');
    });

    return {
      close: async () => {
        lifecycle.stopping = true;
        await consumer.disconnect();
        await producer.disconnect();
      },
    };
  },
};

function invalidInput(dlq: string, input: string, raw: string | null, partition: number, offset: string): TopicRecord {
  const failedAt = new Date().toISOString();
  return {
    topic: dlq,
    key: 'unknown',
    value: {
      schemaVersion: 1,
      reason: 'invalid_input',
      error: 'not a normalised Matrix event (matrix-event.v1)',
      stage: 'classifier',
      source: { topic: input, partition, offset },
      raw,
      failedAt,
    },
    headers: toKafkaHeaders({
      id: `${input}/${partition}/${offset}`,
      source: 'parley/classifier',
      type: CE_TYPES.deadLetter,
      specversion: '1.0',
      time: failedAt,
      dataschema: DATASCHEMA.deadLetter,
    }),
  };
}
