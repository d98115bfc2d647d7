import { TOPICS, type TopicRecord } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GHOST_RULES,
  DEFAULT_SIDE_RULE,
  EventPipeline,
  RoomStateCache,
  TransactionProcessor,
  type TransactionLog,
} from '../src/index.ts';

/** A sink that records what it was given, and fails when told to (Kafka refusing, injected). */
class RecordingSink {
  readonly batches: TopicRecord[][] = [];
  failNext = 0;
  private release: (() => void) | undefined;
  hold = false;

  async publish(records: readonly TopicRecord[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('Kafka did not acknowledge');
    }
    if (this.hold) await new Promise<void>((resolve) => (this.release = resolve));
    this.batches.push([...records]);
  }

  releaseHeld(): void {
    this.hold = false;
    this.release?.();
  }
}

/** The log as DurableRecentIds keeps it, in memory: its state travels with the next batch. */
class MemoryLog implements TransactionLog {
  readonly keys = new Set<string>();
  persistedBatches = 0;
  has(key: string) {
    return this.keys.has(key);
  }
  add(key: string) {
    this.keys.add(key);
  }
  pendingRecords() {
    return {
      records: [{ topic: 'state', key: 'log', value: [...this.keys], headers: {} }],
      persisted: () => {
        this.persistedBatches += 1;
      },
    };
  }
}

function processor(sink = new RecordingSink(), log = new MemoryLog()) {
  const pipeline = new EventPipeline({
    homeserver: 'parley.test',
    identity: { ghostRules: DEFAULT_GHOST_RULES, sideRule: DEFAULT_SIDE_RULE },
    rooms: new RoomStateCache({ maxRooms: 10, maxMembersPerRoom: 10 }),
    canActAs: () => false,
  });
  const txns = new TransactionProcessor({
    homeserver: 'parley.test',
    pipeline,
    sink,
    log,
    now: () => new Date('2026-11-30T12:00:00Z'),
  });
  return { txns, sink, log };
}

const message = (id: string, body = id) => ({
  event_id: id,
  room_id: '!r:parley.test',
  sender: '@whatsapp_4915100000001:parley.test',
  origin_server_ts: 1_796_000_000_000,
  type: 'm.room.message',
  content: { msgtype: 'm.text', body },
});

describe('TransactionProcessor (real pipeline, recording sink)', () => {
  it('publishes a transaction as one batch: events, ephemeral data, dead letters and the log state', async () => {
    const { txns, sink, log } = processor();
    const outcome = await txns.process('1', {
      events: [message('$a'), { nonsense: true }, message('$b')],
      ephemeral: [{ type: 'm.receipt', room_id: '!r:parley.test', content: {} }, 'not an object'],
    });
    expect(outcome).toMatchObject({ duplicate: false, events: 2, deadLettered: 1, ephemeral: 1 });
    expect(sink.batches).toHaveLength(1);
    const topics = sink.batches[0]?.map((r) => r.topic);
    expect(topics?.filter((t) => t === TOPICS.matrixEvents)).toHaveLength(2);
    expect(topics?.filter((t) => t === TOPICS.matrixEventsDlq)).toHaveLength(1);
    expect(topics?.filter((t) => t === TOPICS.matrixEphemeral)).toHaveLength(1);
    expect(topics?.at(-1)).toBe('state');
    expect(log.persistedBatches).toBe(1);
  });

  it('adds nothing for a retry of a transaction it acknowledged, but handles the same id with other events', async () => {
    const { txns, sink } = processor();
    await txns.process('7', { events: [message('$a')] });
    expect(await txns.process('7', { events: [message('$a')] })).toMatchObject({ duplicate: true, events: 0 });
    expect(sink.batches).toHaveLength(1);
    // A homeserver whose counter restarted reuses ids; different events are a different transaction.
    expect(await txns.process('7', { events: [message('$c')] })).toMatchObject({ duplicate: false, events: 1 });
    expect(sink.batches).toHaveLength(2);
  });

  it('does not remember a transaction Kafka refused, so the homeserver retry is produced', async () => {
    const { txns, sink } = processor();
    sink.failNext = 1;
    await expect(txns.process('9', { events: [message('$x')] })).rejects.toThrow('Kafka did not acknowledge');
    expect(await txns.process('9', { events: [message('$x')] })).toMatchObject({ duplicate: false, events: 1 });
    expect(sink.batches).toHaveLength(1);
  });

  it('handles transactions one at a time: a retry arriving during a slow attempt sees it done', async () => {
    const { txns, sink } = processor();
    sink.hold = true;
    const first = txns.process('5', { events: [message('$slow')] });
    const retry = txns.process('5', { events: [message('$slow')] });
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.batches).toHaveLength(0);
    sink.releaseHeld();
    expect(await first).toMatchObject({ duplicate: false });
    expect(await retry).toMatchObject({ duplicate: true });
    expect(sink.batches).toHaveLength(1);
  });
});
