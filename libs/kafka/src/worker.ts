import { topicDefinitions } from '@parley/contracts';
import { backoff, errorMessage, retryUntilDone, type Logger, type Readiness } from '@parley/service-runtime';
import type { Consumer, Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { runBatchConsumer, type BatchConsumerOptions } from './batch-consumer.ts';
import { kafkaClientFromSettings } from './client.ts';
import { createKafkaMetrics, type KafkaMetrics } from './metrics.ts';
import { runOrderedConsumer, type Handler } from './ordered-consumer.ts';
import { AcknowledgedProducer } from './producer.ts';
import type { ConsumerSettings, KafkaSettings } from './settings.ts';
import { reachCluster, type TopicSpec } from './topics.ts';

/** What a worker's own start-up and handlers may use once Kafka answers. */
export interface WorkerContext {
  kafka: Kafka;
  producer: AcknowledgedProducer;
}

/** How the input topic is consumed: one message at a time per partition, or in runs for batch writers. */
export type Consumption =
  | { kind: 'ordered'; concurrency: number; handle: Handler }
  | {
      kind: 'batch';
      maxBatch: number;
      handle: BatchConsumerOptions['handle'];
      /** Fetch tuning for batch writers: wait for this much data, or this long. */
      minBytes?: number;
      maxWaitTimeInMs?: number;
    };

interface CommonOptions {
  /**
   * Created when `PARLEY_KAFKA_CREATE_TOPICS` is on (existing topics are left alone); by default
   * Parley's topics as the contracts define them, with `PARLEY_KAFKA_PARTITIONS`.
   */
  topics?: readonly TopicSpec[];
  logger: Logger;
  readiness: Readiness;
  /** The service's registry: produced, consumed and lag metrics of the worker go there. */
  metrics?: Registry;
  /**
   * Runs each time Kafka answers (at start and after `reconnect`), before consuming: restore state from
   * a compacted topic, bootstrap a downstream. A failure is retried with the connection, and nothing is
   * consumed until it succeeds.
   */
  beforeConsuming?: (context: WorkerContext) => Promise<void>;
  /** Backoff between attempts to reach Kafka. */
  retry?: { minTimeoutMs: number; maxTimeoutMs: number };
}

/**
 * A service's context spreads into these (`new KafkaWorker({ ...context, consume })`): its validated
 * settings as `config`, and with `consume` the input topic and group from `consumerSettings`.
 */
export type KafkaWorkerOptions = CommonOptions &
  ({ config: KafkaSettings; consume?: undefined } | { config: KafkaSettings & ConsumerSettings; consume: Consumption });

/**
 * The life of a Kafka worker: reach Kafka (retrying forever, with `/readyz` saying why not), create its
 * topics, connect an acknowledged producer, run the app's start-up, then consume with outputs published
 * before offsets are committed. A consumer that crashes for good is started again the same way. `close`
 * finishes the in-flight batch (published, committed) before the producer goes.
 */
export class KafkaWorker {
  readonly kafka: Kafka;
  readonly producer: AcknowledgedProducer;
  private readonly options: KafkaWorkerOptions;
  private readonly metrics: KafkaMetrics | undefined;
  private readonly stop = new AbortController();
  private consumer: Consumer | undefined;
  private running: Promise<void> | undefined;
  private attempting = false;

  constructor(options: KafkaWorkerOptions) {
    this.options = options;
    const { config: settings, logger, readiness } = options;
    this.kafka = kafkaClientFromSettings(settings, logger);
    this.metrics = options.metrics && createKafkaMetrics(options.metrics);
    this.producer = new AcknowledgedProducer(this.kafka, {
      timeoutMs: settings.PARLEY_PUBLISH_TIMEOUT_MS,
      ...(this.metrics && { metrics: this.metrics }),
      // Without input, publishing is the worker's whole use of Kafka: its failures are the readiness.
      ...(!options.consume && {
        onConnectionChange: (connected: boolean, detail: string) => {
          readiness.report('kafka', connected, detail);
        },
      }),
    });
    readiness.expect('kafka', `connecting to ${settings.PARLEY_KAFKA_BROKERS.join(',')}`);
  }

  get stopping(): boolean {
    return this.stop.signal.aborted;
  }

  /** Starts in the background; resolves once consuming (or producing, without input) has begun. */
  start(): Promise<void> {
    this.running ??= this.startWithRetry();
    return this.running;
  }

  /**
   * Goes through start-up again (reach Kafka, topics, producer, the app's start-up) unless it is under
   * way: for a caller whose publish failed, so the worker comes back as soon as Kafka does.
   */
  reconnect(): void {
    if (this.attempting || this.stopping) return;
    this.running = this.startWithRetry();
  }

  /** Stops reaching for Kafka (an attempt under way finishes first); what is connected stays connected. */
  async halt(): Promise<void> {
    this.stop.abort();
    await this.running?.catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.halt();
    // The consumer finishes its in-flight batch (published, committed) before it leaves.
    await this.consumer?.disconnect();
    await this.producer.disconnect();
  }

  private async startWithRetry(): Promise<void> {
    const { readiness, logger, config: settings } = this.options;
    const brokers = settings.PARLEY_KAFKA_BROKERS.join(',');
    this.attempting = true;
    let failures = 0;
    try {
      // The same retry as every dependency a worker waits for (service-runtime), here without a
      // keep-alive: nothing is consumed yet.
      await retryUntilDone(() => this.attempt(), {
        stopping: () => this.stopping,
        delayMs: backoff(this.options.retry?.minTimeoutMs ?? 500, this.options.retry?.maxTimeoutMs ?? 10_000),
        onFailure: (error, attempt) => {
          failures = attempt + 1;
          readiness.report('kafka', false, `waiting for Kafka at ${brokers}: ${errorMessage(error)}`);
          if (attempt % 10 === 0) logger.warn({ err: error, attempt: failures }, 'Kafka not usable yet; retrying');
        },
      });
      if (failures > 0) logger.info({ failures }, 'Kafka reachable');
    } catch (error) {
      if (this.stopping) return;
      throw error;
    } finally {
      this.attempting = false;
    }
  }

  private async attempt(): Promise<void> {
    const { config: settings, logger, readiness } = this.options;
    const topics = this.options.topics ?? topicDefinitions(settings.PARLEY_KAFKA_PARTITIONS);
    const created = await reachCluster(this.kafka, settings.PARLEY_KAFKA_CREATE_TOPICS, topics);
    if (created.length > 0) logger.info({ topics: created }, 'created topics');
    await this.producer.connect();
    await this.options.beforeConsuming?.({ kafka: this.kafka, producer: this.producer });
    if (!this.options.consume) {
      readiness.report('kafka', true, 'connected');
      return;
    }
    await this.consumer?.disconnect();
    const { consume, config } = this.options;
    const consumer = this.kafka.consumer({
      groupId: config.PARLEY_KAFKA_GROUP_ID,
      allowAutoTopicCreation: false,
      ...(consume.kind === 'batch' && consume.minBytes !== undefined && { minBytes: consume.minBytes }),
      ...(consume.kind === 'batch' &&
        consume.maxWaitTimeInMs !== undefined && { maxWaitTimeInMs: consume.maxWaitTimeInMs }),
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      readiness.report('kafka', true, 'consuming');
    });
    consumer.on(consumer.events.CRASH, (event) => {
      readiness.report('kafka', false, `consumer crashed: ${String(event.payload.error)}`);
      // kafkajs restarts after a retriable crash by itself; after any other, start over.
      if (!event.payload.restart && !this.stopping) {
        logger.error({ err: event.payload.error }, 'consumer stopped; reconnecting');
        this.reconnect();
      }
    });
    await consumer.connect();
    const common = {
      consumer,
      topic: config.PARLEY_INPUT_TOPIC,
      publish: (records: Parameters<AcknowledgedProducer['publish']>[0]) => this.producer.publish(records),
      ...(this.metrics && { metrics: this.metrics }),
    };
    if (consume.kind === 'ordered')
      await runOrderedConsumer({ ...common, concurrency: consume.concurrency, handle: consume.handle });
    else await runBatchConsumer({ ...common, maxBatch: consume.maxBatch, handle: consume.handle });
  }
}
