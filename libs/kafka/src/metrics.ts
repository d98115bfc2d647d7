import { Counter, Gauge, type Registry } from 'prom-client';

/** What the Kafka parts report, for Prometheus: flow per topic and consumer lag per partition. */
export interface KafkaMetrics {
  consumed(topic: string, count: number): void;
  produced(topic: string, count: number): void;
  /** Messages behind the partition's high watermark after a handled run. */
  lag(topic: string, partition: number, lag: number): void;
}

export function createKafkaMetrics(registry: Registry): KafkaMetrics {
  const consumed = new Counter({
    name: 'parley_kafka_messages_consumed_total',
    help: 'Messages handled and committed, by topic',
    labelNames: ['topic'],
    registers: [registry],
  });
  const produced = new Counter({
    name: 'parley_kafka_records_produced_total',
    help: 'Records acknowledged by Kafka, by topic (dead-letter topics included)',
    labelNames: ['topic'],
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'parley_kafka_consumer_lag',
    help: 'Messages not yet handled in a partition, as of the last handled run',
    labelNames: ['topic', 'partition'],
    registers: [registry],
  });
  return {
    consumed: (topic, count) => {
      consumed.inc({ topic }, count);
    },
    produced: (topic, count) => {
      produced.inc({ topic }, count);
    },
    lag: (topic, partition, value) => {
      lag.set({ topic, partition: String(partition) }, Math.max(0, value));
    },
  };
}

/** Lag after the message at `offset`: the high watermark is the offset the next message will get. */
export function lagAfter(highWatermark: string, offset: string): number {
  return Number(BigInt(highWatermark) - BigInt(offset) - 1n);
}
