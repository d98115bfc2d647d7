import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import { ephemeralRecord, type EphemeralV1, type MatrixEventV1, type TopicRecord } from '@parley/contracts';
import { isRecord, looseFields, obj, str } from '../model/client-event.ts';
import type { EventPipeline } from '../event-pipeline.ts';
import { errorMessage } from '@parley/service-runtime';

const tracer = trace.getTracer('@parley/matrix');

/** Where the records of a transaction go; resolves only once all of them are durably acknowledged. */
export interface EventSink {
  publish(records: readonly TopicRecord[]): Promise<unknown>;
}

/**
 * Remembers acknowledged transactions, so a retry of one already handled adds no duplicates. Its
 * durable state travels with the next batch: it only ever vouches for transactions whose records were
 * acknowledged before that batch was sent.
 */
export interface TransactionLog {
  has(key: string): boolean;
  add(key: string): void;
  pendingRecords(): { records: TopicRecord[]; persisted: () => void };
}

export interface TransactionBody {
  events: unknown[];
  ephemeral?: unknown[];
  'de.sorunome.msc2409.ephemeral'?: unknown[];
}

export interface TransactionOutcome {
  duplicate: boolean;
  events: number;
  /** Events the homeserver skipped, produced from room history ahead of this transaction's. */
  recoveredBefore: number;
  deadLettered: number;
  ephemeral: number;
  byKind: Partial<Record<MatrixEventV1['kind'], number>>;
}

/** Finds events that precede a transaction's in their rooms but never arrived (see OrderGuard). */
export interface PredecessorCheck {
  predecessors(events: readonly unknown[]): Promise<{ records: TopicRecord[]; eventIds: string[] }>;
  produced(events: readonly unknown[], extraIds?: readonly string[]): void;
}

export interface TransactionProcessorOptions {
  homeserver: string;
  pipeline: EventPipeline;
  sink: EventSink;
  log: TransactionLog;
  /** Produces skipped predecessors first, so a room stays in order around a recovery. */
  order?: PredecessorCheck;
  now?: () => Date;
}

/**
 * Turns one appservice transaction into Kafka records: every valid event normalised, room-level state
 * changes to the rooms topic, ephemeral data to its own topic, malformed events to the dead-letter
 * topic with the reason. The caller acknowledges the transaction only after `process` resolves.
 */
export class TransactionProcessor {
  private readonly options: TransactionProcessorOptions;
  private readonly now: () => Date;

  constructor(options: TransactionProcessorOptions) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
  }

  private readonly oneAtATime = pLimit(1);

  /**
   * Handles transactions one at a time, in arrival order: Synapse sends one at a time, but a retry can
   * arrive while a slow attempt of the same transaction is still running, and must then see it done.
   */
  process(txnId: string, body: TransactionBody): Promise<TransactionOutcome> {
    return this.oneAtATime(() =>
      tracer.startActiveSpan(
        'appservice transaction',
        { kind: SpanKind.SERVER, attributes: { 'matrix.txn_id': txnId, 'matrix.event_count': body.events.length } },
        async (span) => {
          try {
            const outcome = await this.processNow(txnId, body);
            span.setAttribute('parley.duplicate', outcome.duplicate);
            return outcome;
          } catch (error) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
            throw error;
          } finally {
            span.end();
          }
        },
      ),
    );
  }

  private async processNow(txnId: string, body: TransactionBody): Promise<TransactionOutcome> {
    const outcome: TransactionOutcome = {
      duplicate: false,
      events: 0,
      recoveredBefore: 0,
      deadLettered: 0,
      ephemeral: 0,
      byKind: {},
    };
    // A retry carries the same events under the same id. Keying on both means a homeserver whose
    // counter restarted (a restored database) is never mistaken for a retry, so nothing is skipped.
    const logKey = transactionKey(txnId, body.events);
    if (this.options.log.has(logKey)) return { ...outcome, duplicate: true };
    const { homeserver, order } = this.options;
    // Before the transaction's own events, so room state is applied in the rooms' order.
    const before = order ? await order.predecessors(body.events) : { records: [], eventIds: [] };
    outcome.recoveredBefore = before.eventIds.length;
    const converted = await this.options.pipeline.toRecords(body.events, {
      origin: { via: 'appservice', txnId },
      stage: 'ingest/appservice',
      batchId: txnId,
    });
    const records = converted.records;
    outcome.events = converted.events;
    outcome.deadLettered = converted.deadLettered;
    outcome.byKind = converted.byKind;
    const receivedAt = this.now().toISOString();

    const ephemeral = [...(body.ephemeral ?? []), ...(body['de.sorunome.msc2409.ephemeral'] ?? [])];
    for (const [index, raw] of ephemeral.entries()) {
      const record = toEphemeral(raw, homeserver, txnId, receivedAt);
      if (record) {
        records.push(ephemeralRecord(record, index));
        outcome.ephemeral += 1;
      }
    }

    const logState = this.options.log.pendingRecords();
    await this.options.sink.publish([...before.records, ...records, ...logState.records]);
    logState.persisted();
    order?.produced(body.events, before.eventIds);
    this.options.log.add(logKey);
    return outcome;
  }
}

function toEphemeral(raw: unknown, homeserver: string, txnId: string, receivedAt: string): EphemeralV1 | undefined {
  if (!isRecord(raw)) return undefined;
  const record = raw;
  const type = str(record, 'type');
  if (!type) return undefined;
  const roomId = str(record, 'room_id');
  const userId = str(record, 'sender') ?? str(obj(record, 'content'), 'user_id');
  return {
    schemaVersion: 1,
    type,
    homeserver,
    content: obj(record, 'content') ?? {},
    receivedAt,
    txnId,
    ...(roomId !== undefined && { roomId }),
    ...(userId !== undefined && { userId }),
  };
}

export function transactionKey(txnId: string, events: readonly unknown[]): string {
  const hash = createHash('sha256');
  for (const event of events) {
    // JSON.stringify(undefined) is undefined at run time despite its declared type.
    const json: string | undefined = event === undefined ? undefined : JSON.stringify(event);
    hash.update(looseFields(event).eventId ?? json ?? 'undefined').update('\0');
  }
  return `${txnId}:${hash.digest('hex').slice(0, 16)}`;
}
