import {
  BackendUnavailableError,
  buildBackend,
  ExamplesError,
  MessageClassifier,
  TaxonomyError,
  type ClassifierBackend,
} from '@parley/classification';
import { kafkaInputDeadLetter, MatrixEventV1, parseJson, type TopicRecord } from '@parley/contracts';
import { KafkaWorker } from '@parley/kafka';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoff, ConfigError, errorMessage, retryUntilDone, type ServiceDefinition } from '@parley/service-runtime';
import { Counter, Histogram } from 'prom-client';
import { classifierSettings } from './settings.ts';

/** classifier: labels chat messages from Kafka with a local LLM and produces the labels to Kafka. */
export const classifierService: ServiceDefinition<typeof classifierSettings> = {
  name: 'classifier',
  settings: classifierSettings,
  wire: async (context) => {
    const { config, logger, readiness, metrics } = context;
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
    readiness.expect('backend', `${config.PARLEY_CLASSIFIER_BACKEND} backend not checked yet`);
    const outcomes = new Counter({
      name: 'parley_classifier_messages_total',
      help: 'Input events by outcome',
      labelNames: ['outcome'],
      registers: [metrics],
    });

    const worker = new KafkaWorker({
      ...context,
      consume: {
        kind: 'ordered',
        concurrency: config.PARLEY_CLASSIFIER_CONCURRENCY,
        handle: async (message, partition, heartbeat) => {
          const parsed = parseJson(message.value?.toString(), MatrixEventV1);
          if (!parsed.success) {
            outcomes.inc({ outcome: 'dead_letter' });
            return [
              kafkaInputDeadLetter({
                topic: config.PARLEY_DLQ_TOPIC,
                producer: 'parley/classifier',
                stage: 'classifier',
                reason: 'invalid_input',
                error: `not a normalised Matrix event (matrix-event.v1): ${parsed.error}`,
                input: {
                  topic: config.PARLEY_INPUT_TOPIC,
                  partition,
                  offset: message.offset,
                  raw: message.value?.toString() ?? null,
                },
              }),
            ];
          }
          const records = await classifyWaitingForBackend(parsed.data, heartbeat);
          outcomes.inc({ outcome: outcomeOf(records, config.PARLEY_DLQ_TOPIC) });
          return records;
        },
      },
    });
    const stopping = () => worker.stopping;

    const classifyWaitingForBackend = (event: MatrixEventV1, heartbeat: () => Promise<void>): Promise<TopicRecord[]> =>
      // Ollama down or overloaded: wait with capped exponential backoff, holding this partition. Nothing
      // is dropped or dead-lettered for it.
      retryUntilDone(
        async () => {
          const records = await classifier.handle(event);
          readiness.report('backend', true, `${backend.kind} answering`);
          return records;
        },
        {
          stopping,
          retriable: (error) => error instanceof BackendUnavailableError,
          delayMs: backoff(500, 30_000),
          keepAlive: heartbeat,
          onFailure: (error, attempt) => {
            readiness.report('backend', false, errorMessage(error));
            if (attempt % 10 === 0) logger.warn({ err: error, attempt }, 'backend unavailable; waiting');
          },
        },
      );

    // Readiness before the first message: the model must be there (its digest is part of every label).
    const probe = async () => {
      while (!stopping()) {
        try {
          // The example store is embedded and learned before the first message, not during it.
          await backend.prepare?.();
          const lineage = await backend.lineage();
          const tuning = backend.tuning?.() ?? {};
          if (Object.keys(tuning).length > 0) logger.info({ tuning }, 'LLM weight chosen on held-out examples');
          readiness.report('backend', true, `${lineage.backend} ${lineage.model} available`);
          return;
        } catch (error) {
          readiness.report('backend', false, errorMessage(error));
          await sleep(5_000);
        }
      }
    };
    void probe();
    void worker.start();
    return { close: () => worker.close() };
  },
};

/** What one input came to, for the outcome counter. */
function outcomeOf(records: readonly TopicRecord[], deadLetterTopic: string): string {
  if (records.length === 0) return 'skipped';
  return records[0]?.topic === deadLetterTopic ? 'dead_letter' : 'classified';
}
