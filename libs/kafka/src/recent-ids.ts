import type { AcknowledgedProducer } from './producer.ts';
import type { CompactedTopicMap } from './compacted-store.ts';

interface Stored {
  ids: string[];
}

/**
 * The last N ids a service has finished (for ingest: appservice transaction ids), kept in memory
 * and persisted to a compacted topic after each addition, so a restarted instance still recognises a
 * retry of work it had already acknowledged.
 */
export class DurableRecentIds {
  private readonly ids: string[] = [];
  private readonly lookup = new Set<string>();
  private readonly store: CompactedTopicMap<Stored>;
  private readonly key: string;
  private readonly producer: AcknowledgedProducer;
  private readonly capacity: number;

  constructor(store: CompactedTopicMap<Stored>, key: string, producer: AcknowledgedProducer, capacity = 100) {
    this.store = store;
    this.key = key;
    this.producer = producer;
    this.capacity = capacity;
  }

  async load(): Promise<number> {
    const stored = (await this.store.load()).get(this.key);
    for (const id of stored?.ids ?? []) this.remember(id);
    return this.ids.length;
  }

  has(id: string): boolean {
    return this.lookup.has(id);
  }

  async add(id: string): Promise<void> {
    this.remember(id);
    await this.store.set(this.producer, this.key, { ids: this.ids });
  }

  private remember(id: string): void {
    if (this.lookup.has(id)) return;
    this.ids.push(id);
    this.lookup.add(id);
    while (this.ids.length > this.capacity) {
      const dropped = this.ids.shift();
      if (dropped !== undefined) this.lookup.delete(dropped);
    }
  }
}
