import { roomStateRecord, type RoomStateV1, type TopicRecord } from '@parley/contracts';
import type { HomeserverClient } from '../homeserver/homeserver-client.ts';
import type { ClientEvent } from '../model/client-event.ts';
import { LRUCache } from 'lru-cache';
import { undecorated } from '../model/decoration.ts';
import { identifySender, type IdentityContext } from '../model/identity.ts';
import { roomChannel } from '../model/room-kind.ts';
import { RoomStateCache, type RoomView } from './room-state-cache.ts';

/** The room record without its publication stamp (updatedAt, updatedBy), which says nothing new. */
export type RoomDirectoryEntry = Omit<RoomStateV1, 'updatedAt' | 'updatedBy'>;

export interface RoomDirectoryOptions {
  homeserver: string;
  identity: IdentityContext;
  /** Rooms whose last published record is remembered (so unchanged state is never published twice). */
  maxRooms?: number;
}

/**
 * The rooms topic's view of each room: decides whether a room's record must be published. A room is
 * published the first time ingest learns about it, by whatever route (a transaction, the state read
 * from the homeserver, sync, backfill, catch-up), and again whenever a room-level field changes.
 */
export class RoomDirectory {
  private readonly published: LRUCache<string, string>;
  /** The view version last looked at: every event asks, and most change nothing about the room. */
  private readonly seen = new WeakMap<RoomView, number>();
  private readonly options: RoomDirectoryOptions;

  constructor(options: RoomDirectoryOptions) {
    this.options = options;
    this.published = new LRUCache({ max: options.maxRooms ?? 100_000 });
  }

  /**
   * The room's record when it differs from the last one published, else undefined. A room whose state
   * could not be read yet (and of which no state event has passed through) is not published: a record
   * saying "plain Matrix room, no name" would only be wrong until the next event.
   */
  changed(room: RoomView): RoomDirectoryEntry | undefined {
    const known = room.loaded || room.bridge !== undefined || room.name !== undefined || room.createdAt !== undefined;
    if (!known || this.seen.get(room) === room.version) return undefined;
    this.seen.set(room, room.version);
    const entry = this.entry(room);
    const signature = JSON.stringify(entry);
    if (this.published.get(room.roomId) === signature) return undefined;
    this.published.set(room.roomId, signature);
    return entry;
  }

  /** The room's record as of now, published or not (the directory command republishes every room). */
  entry(room: RoomView): RoomDirectoryEntry {
    const channel = roomChannel(room, this.options.identity.bridgeBots);
    const members = { customer: 0, business: 0, unknown: 0 };
    for (const [userId, membership] of room.members.entries()) {
      if (membership !== 'join') continue;
      const side = identifySender(userId, this.options.identity, {
        ...(channel.bridgeBot !== undefined && { bridgeBot: channel.bridgeBot }),
        ...(room.bridge?.receiver !== undefined && { receiver: room.bridge.receiver }),
        serviceMembers: room.serviceMembers,
        ...(room.displayNames.get(userId) !== undefined && { displayName: room.displayNames.get(userId) }),
      }).side;
      members[side] += 1;
    }
    return {
      schemaVersion: 1,
      roomId: room.roomId,
      homeserver: this.options.homeserver,
      channel,
      members,
      ...(room.name !== undefined && {
        name: undecorated(room.name, room.bridge?.channel.protocol, this.options.identity.decorations),
        rawName: room.name,
      }),
      ...(room.topic !== undefined && { topic: room.topic }),
      ...(room.bridge !== undefined && {
        bridge: {
          stateKey: room.bridge.stateKey,
          ...(room.bridge.protocolDisplayName !== undefined && {
            protocolDisplayName: room.bridge.protocolDisplayName,
          }),
          ...(room.bridge.channelDisplayName !== undefined && { channelDisplayName: room.bridge.channelDisplayName }),
          ...(room.bridge.receiver !== undefined && { receiver: room.bridge.receiver }),
        },
      }),
      ...(room.createdAt !== undefined && { createdAt: new Date(room.createdAt).toISOString() }),
    };
  }
}

export interface DirectoryPassOptions {
  client: Pick<HomeserverClient, 'roomState'>;
  directory: RoomDirectory;
  /** Publish every room (a republish on demand) or only those whose record this process has not published. */
  all: boolean;
  maxMembersPerRoom?: number;
}

/**
 * Reads the current state of each room (as a user who may read it) and returns its rooms-topic
 * record: the directory of every room ingest's users are in, for a start-up pass or the `directory`
 * command. Rooms whose state cannot be read are listed, not fatal.
 */
export async function roomDirectoryRecords(
  readers: ReadonlyMap<string, string>,
  options: DirectoryPassOptions,
): Promise<{ records: TopicRecord[]; failed: string[] }> {
  const records: TopicRecord[] = [];
  const failed: string[] = [];
  for (const [roomId, asUser] of readers) {
    let state: ClientEvent[];
    try {
      state = await options.client.roomState(roomId, asUser);
    } catch {
      failed.push(roomId);
      continue;
    }
    const cache = new RoomStateCache({
      maxRooms: 1,
      maxMembersPerRoom: options.maxMembersPerRoom ?? 200,
      fetcher: async () => state,
    });
    const view = await cache.view(roomId, asUser);
    const entry = options.all ? options.directory.entry(view) : options.directory.changed(view);
    if (entry === undefined) continue;
    if (options.all) options.directory.changed(view);
    const latest = state.reduce<ClientEvent | undefined>(
      (newest, event) => (newest === undefined || event.origin_server_ts > newest.origin_server_ts ? event : newest),
      undefined,
    );
    records.push(
      roomStateRecord(entry, { eventId: latest?.event_id ?? roomId, ts: latest?.origin_server_ts ?? Date.now() }),
    );
  }
  return { records, failed };
}
