import {
  decodeRecord,
  kafkaInputDeadLetter,
  matrixEventCeType,
  MatrixEventV1,
  type RawHeaders,
  type TopicRecord,
} from '@parley/contracts';
import { backoff, ConfigError, errorMessage, retryUntilDone, type Logger } from '@parley/service-runtime';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendUnavailableError, type ClassifierBackend } from './backend.ts';
import { buildBackend } from './backend-factory.ts';
import { ExamplesError } from './examples.ts';
import { MessageClassifier } from './message-classifier.ts';
import type { ClassificationSettings } from './settings.ts';
import type { StageMetrics } from './stage-metrics.ts';
import { TaxonomyError } from './taxonomy.ts';

/** What the stage tells `/readyz` (service-runtime's Readiness). */
export interface DependencyReporter {
  expect(name: string, detail: string): void;
  report(name: string, ready: boolean, detail: string): void;
}

/** The classification settings plus the memory and topics of the stage. */
export interface StageSettings extends ClassificationSettings {
  PARLEY_INPUT_TOPIC: string;
  PARLEY_OUTPUT_TOPIC: string;
  PARLEY_DLQ_TOPIC: string;
  PARLEY_CONTEXT_TURNS: number;
  PARLEY_CONTEXT_TOKENS: number;
  PARLEY_CACHE_SIZE: number;
  PARLEY_ROOM_MEMORY: number;
}

export interface ClassificationStageOptions {
  settings: StageSettings;
  /** The CloudEvents source of what it produces, and the service named in configuration errors. */
  service: string;
  readiness: DependencyReporter;
  logger: Logger;
  metrics?: StageMetrics;
  /** True once the service is closing: waits for the backend end then. */
  stopping: () => boolean;
  /** Between checks of a backend that is not there yet at start-up. */
  probeDelayMs?: number;
}

/** One consumed Kafka message as the stage needs it. */
export interface InputMessage {
  value: Buffer | null;
  headers?: RawHeaders | undefined;
  offset: string;
}

/**
 * The classifier as a stream stage: a consumed message is decoded against matrix-event.v1 (a dead
 * letter saying why when it is not one) and classified; while the backend is down the message waits,
 * holding its partition, so nothing is dropped or dead-lettered for an outage.
 */
export class ClassificationStage {
  readonly backend: ClassifierBackend;
  readonly classifier: MessageClassifier;
  private readonly options: ClassificationStageOptions;

  constructor(options: ClassificationStageOptions) {
    this.options = options;
    const { settings, metrics } = options;
    this.backend = backendOrConfigError(settings, options.service, metrics);
    this.classifier = new MessageClassifier({
      backend: this.backend,
      contextTurns: settings.PARLEY_CONTEXT_TURNS,
      contextTokens: settings.PARLEY_CONTEXT_TOKENS,
      maxRooms: settings.PARLEY_ROOM_MEMORY,
      cacheSize: settings.PARLEY_CACHE_SIZE,
      source: `parley/${options.service}`,
      topics: { classifications: settings.PARLEY_OUTPUT_TOPIC, deadLetters: settings.PARLEY_DLQ_TOPIC },
    });
    metrics?.watchCache(this.classifier.stats);
    options.readiness.expect('backend', `${settings.PARLEY_CLASSIFIER_BACKEND} backend not checked yet`);
  }

  async handle(message: InputMessage, partition: number, heartbeat: () => Promise<void>): Promise<TopicRecord[]> {
    const { settings, metrics } = this.options;
    const decoded = decodeRecord(message, MatrixEventV1, (event) => matrixEventCeType(event.kind));
    if (!decoded.success) {
      metrics?.outcome('dead_letter');
      return [
        kafkaInputDeadLetter({
          topic: settings.PARLEY_DLQ_TOPIC,
          producer: `parley/${this.options.service}`,
          stage: this.options.service,
          reason: 'invalid_input',
          error: `not a normalised Matrix event (matrix-event.v1): ${decoded.error}`,
          input: {
            topic: settings.PARLEY_INPUT_TOPIC,
            partition,
            offset: message.offset,
            raw: message.value?.toString() ?? null,
          },
        }),
      ];
    }
    const records = await this.classifyWaitingForBackend(decoded.data, heartbeat);
    metrics?.outcome(outcomeOf(records, settings.PARLEY_DLQ_TOPIC));
    return records;
  }

  /**
   * Readiness before the first message: the model must be there (its digest is part of every label)
   * and the example store embedded and learned. Retried until it succeeds or the service stops.
   */
  async prepare(): Promise<void> {
    const { readiness, logger } = this.options;
    while (!this.options.stopping()) {
      try {
        await this.backend.prepare?.();
        const lineage = await this.backend.lineage();
        const tuning = this.backend.tuning?.() ?? {};
        if (Object.keys(tuning).length > 0) logger.info({ tuning }, 'LLM weight chosen on held-out examples');
        readiness.report('backend', true, `${lineage.backend} ${lineage.model} available`);
        return;
      } catch (error) {
        readiness.report('backend', false, errorMessage(error));
        await sleep(this.options.probeDelayMs ?? 5_000);
      }
    }
  }

  private classifyWaitingForBackend(event: MatrixEventV1, heartbeat: () => Promise<void>): Promise<TopicRecord[]> {
    const { readiness, logger } = this.options;
    return retryUntilDone(
      async () => {
        const records = await this.classifier.handle(event);
        readiness.report('backend', true, `${this.backend.kind} answering`);
        return records;
      },
      {
        stopping: this.options.stopping,
        retriable: (error) => error instanceof BackendUnavailableError,
        delayMs: backoff(500, 30_000),
        keepAlive: heartbeat,
        onFailure: (error, attempt) => {
          readiness.report('backend', false, errorMessage(error));
          if (attempt % 10 === 0) logger.warn({ err: error, attempt }, 'backend unavailable; waiting');
        },
      },
    );
  }
}

/** A taxonomy or example file that cannot be used is a configuration error naming its setting. */
function backendOrConfigError(settings: StageSettings, service: string, metrics: StageMetrics | undefined) {
  try {
    return buildBackend(settings, metrics ? { onCall: metrics.onCall } : {});
  } catch (error) {
    if (error instanceof TaxonomyError)
      throw new ConfigError([{ setting: 'PARLEY_TAXONOMY_FILE', problem: error.message }], service);
    if (error instanceof ExamplesError)
      throw new ConfigError([{ setting: 'PARLEY_EXAMPLES_FILES', problem: error.message }], service);
    throw error;
  }
}

/** What one input came to, for the outcome counter. */
function outcomeOf(records: readonly TopicRecord[], deadLetterTopic: string): string {
  if (records.length === 0) return 'skipped';
  return records[0]?.topic === deadLetterTopic ? 'dead_letter' : 'classified';
}
