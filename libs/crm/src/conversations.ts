import { z } from 'zod';
/**
 * What the sink remembers about a room between batches (and across restarts, on a compacted topic):
 * its customer, the current conversation episode and the oldest customer message still unanswered.
 */
/** The sink's memory of a room, as stored on its compacted state topic. */
export const RoomMemory = z.object({
  customer: z
    .object({
      key: z.string(),
      matrixId: z.string().optional(),
      whatsappId: z.string().optional(),
      whatsappLid: z.string().optional(),
    })
    .optional(),
  episodeStart: z.string().optional(),
  lastMessageAt: z.string().optional(),
  /** Rule ids that already created a task in this episode. */
  fired: z.array(z.string()),
  waiting: z.object({ eventId: z.string(), since: z.string() }).optional(),
  /** The room name written into this room's chat-message records (its id while no name was known). */
  roomName: z.string().optional(),
});
export type RoomMemory = z.infer<typeof RoomMemory>;

const ms = (iso: string) => Date.parse(iso);

/** Room memories, with the episode rule: silence longer than the gap starts a new episode. */
export class Conversations {
  private readonly rooms = new Map<string, RoomMemory>();
  private readonly changed = new Set<string>();
  private readonly episodeGapMs: number;

  constructor(episodeGapMinutes: number, restored: Iterable<[string, RoomMemory]> = []) {
    this.episodeGapMs = episodeGapMinutes * 60_000;
    for (const [roomId, memory] of restored) this.rooms.set(roomId, memory);
  }

  get(roomId: string): RoomMemory {
    let memory = this.rooms.get(roomId);
    if (memory === undefined) {
      memory = { fired: [] };
      this.rooms.set(roomId, memory);
    }
    return memory;
  }

  /** Moves the room's clock to a message's time, opening a new episode after a long silence. */
  observe(roomId: string, sentAt: string): RoomMemory {
    const memory = this.get(roomId);
    if (memory.lastMessageAt === undefined || ms(sentAt) - ms(memory.lastMessageAt) > this.episodeGapMs) {
      memory.episodeStart = sentAt;
      memory.fired = [];
      memory.waiting = undefined;
    }
    if (memory.lastMessageAt === undefined || ms(sentAt) > ms(memory.lastMessageAt)) memory.lastMessageAt = sentAt;
    this.changed.add(roomId);
    return memory;
  }

  markChanged(roomId: string): void {
    this.changed.add(roomId);
  }

  /** Rooms changed since the last call, to persist with the batch that changed them. */
  takeChanged(): [string, RoomMemory][] {
    const out = [...this.changed].map((roomId): [string, RoomMemory] => [roomId, this.get(roomId)]);
    this.changed.clear();
    return out;
  }

  entries(): IterableIterator<[string, RoomMemory]> {
    return this.rooms.entries();
  }

  get size(): number {
    return this.rooms.size;
  }
}
