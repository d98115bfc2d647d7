import { z } from 'zod';
import type { TopicRecord } from '@parley/contracts';
import type { CompactedTopicMap } from './compacted-store.ts';
import type { AcknowledgedProducer } from './producer.ts';

/** What DurableRecentIds stores under its key (the schema its CompactedTopicMap checks with). */
export const RecentIdsState = z.object({ ids: z.array(z.string()) });
type Stored = z.infer<typeof RecentIdsState>;

export interface DurableRecentIdsOptions {
  capacity?: number;
  /** When no other batch carries the latest state, it is written on its own after this delay. */
  flushAfterMs?: number;
  /** The state rides with the caller's batches at most this often; in between it waits for the next. */
  carryEveryMs?: number;
}

/**
 * The last N ids a service has finished (for ingest: appservice transaction keys), kept in memory and
 * persisted to a compacted topic, so a restarted instance still recognises a retry of work it had
 * already acknowledged.
 *
 * Persisting costs no extra round trip: `pendingRecords()` hands the latest state to the caller's next
 * batch. That state only names ids whose work was acknowledged before the batch was sent, so a stored
 * id never vouches for records that could be missing. An idle service writes it on a short timer.
 *
 * Under load it rides along at most every `carryEveryMs`, not with every batch: the state (all N ids)
 * would otherwise add a few kilobytes and a partition to each batch. Nothing is lost by waiting. The
 * id a homeserver may retry after a crash is the one whose answer was lost, and that one is never
 * in a later batch anyway: the homeserver sends the next transaction only once it has the answer.
 */
export class DurableRecentIds {
  private readonly ids: string[] = [];
  private readonly lookup = new Set<string>();
  private readonly store: CompactedTopicMap<Stored>;
  private readonly key: string;
  private readonly producer: AcknowledgedProducer;
  private readonly capacity: number;
  private readonly flushAfterMs: number;
  private readonly carryEveryMs: number;
  private version = 0;
  private persistedVersion = 0;
  private lastCarriedAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    store: CompactedTopicMap<Stored>,
    key: string,
    producer: AcknowledgedProducer,
    options: DurableRecentIdsOptions = {},
  ) {
    this.store = store;
    this.key = key;
    this.producer = producer;
    this.capacity = options.capacity ?? 100;
    this.flushAfterMs = options.flushAfterMs ?? 1_000;
    this.carryEveryMs = options.carryEveryMs ?? 250;
  }

  async load(): Promise<number> {
    const stored = (await this.store.load()).get(this.key);
    for (const id of stored?.ids ?? []) this.remember(id);
    this.persistedVersion = this.version;
    return this.ids.length;
  }

  has(id: string): boolean {
    return this.lookup.has(id);
  }

  /** Records the id as done (its work is acknowledged); persisted with the next batch or by the timer. */
  add(id: string): void {
    this.remember(id);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined); // a failed write is retried by the next batch or flush
    }, this.flushAfterMs);
  }

  /** The state record to publish with the caller's next batch, if it changed and is due. */
  pendingRecords(): { records: TopicRecord[]; persisted: () => void } {
    const now = Date.now();
    if (now - this.lastCarriedAt < this.carryEveryMs) return { records: [], persisted: () => undefined };
    const pending = this.latest();
    if (pending.records.length > 0) this.lastCarriedAt = now;
    return pending;
  }

  private latest(): { records: TopicRecord[]; persisted: () => void } {
    if (this.version === this.persistedVersion) return { records: [], persisted: () => undefined };
    const version = this.version;
    return {
      records: [this.store.record(this.key, { ids: [...this.ids] })],
      persisted: () => {
        this.persistedVersion = Math.max(this.persistedVersion, version);
      },
    };
  }

  /** Writes the latest state now (idle timer, shutdown). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.latest();
    if (pending.records.length === 0) return;
    await this.producer.publish(pending.records);
    pending.persisted();
  }

  private remember(id: string): void {
    if (this.lookup.has(id)) return;
    this.ids.push(id);
    this.lookup.add(id);
    this.version += 1;
    while (this.ids.length > this.capacity) {
      const dropped = this.ids.shift();
      if (dropped !== undefined) this.lookup.delete(dropped);
    }
  }
}
