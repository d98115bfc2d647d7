import type { MatrixEventV1 } from '@parley/contracts';
import type { Registry } from '@parley/service-runtime';
import { Counter, Histogram } from 'prom-client';

export function ingestMetrics(registry: Registry) {
  const events = new Counter({
    name: 'parley_ingest_events_total',
    help: 'Events produced to Kafka, by kind; dead-lettered ones under kind="dead_letter"',
    labelNames: ['kind'],
    registers: [registry],
  });
  return {
    transactions: new Counter({
      name: 'parley_ingest_transactions_total',
      help: 'Appservice transactions by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    recoveredInOrder: new Counter({
      name: 'parley_ingest_order_check_events_total',
      help: 'Events the homeserver skipped, read from room history and produced ahead of the transaction that followed them',
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'parley_ingest_transaction_seconds',
      help: 'Time from receiving a transaction to acknowledging it',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    countEvents(byKind: Partial<Record<MatrixEventV1['kind'], number>>, deadLettered: number) {
      for (const [kind, count] of Object.entries(byKind)) events.inc({ kind }, count);
      if (deadLettered > 0) events.inc({ kind: 'dead_letter' }, deadLettered);
    },
  };
}
