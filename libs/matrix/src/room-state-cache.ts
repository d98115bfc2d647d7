import { BRIDGE_STATE_TYPES, parseBridgeInfo, type BridgeInfo } from './bridge-info.ts';
import { str, type ClientEvent } from './client-event.ts';
import { LruMap } from './lru.ts';

/** What Parley knows about a room: enough to tag each event with its channel and sender names. */
export interface RoomView {
  roomId: string;
  name?: string;
  topic?: string;
  bridge?: BridgeInfo;
  /** Display names of members seen, bounded per room. */
  displayNames: LruMap<string, string>;
}

/** A room-level change worth publishing to the rooms topic. */
export interface RoomChange {
  room: RoomView;
  eventId: string;
  originServerTs: number;
}

/** Reads a room's current state from the homeserver (for rooms first seen mid-history). */
export type RoomStateFetcher = (roomId: string, asUser: string | undefined) => Promise<ClientEvent[] | undefined>;

export interface RoomStateCacheOptions {
  /** Rooms kept in memory; the least recently used are forgotten and re-fetched when seen again. */
  maxRooms: number;
  maxMembersPerRoom: number;
  fetcher?: RoomStateFetcher;
}

const ROOM_LEVEL_TYPES = new Set<string>(['m.room.name', 'm.room.topic', ...BRIDGE_STATE_TYPES]);

/**
 * A bounded cache of room state, kept current from the state events that pass through ingest and
 * filled from the homeserver the first time a room is seen.
 */
export class RoomStateCache {
  private readonly rooms: LruMap<string, RoomView>;
  private readonly loading = new Map<string, Promise<RoomView>>();
  private readonly options: RoomStateCacheOptions;

  constructor(options: RoomStateCacheOptions) {
    this.options = options;
    this.rooms = new LruMap(options.maxRooms);
  }

  get size(): number {
    return this.rooms.size;
  }

  /** The room's view, fetching its state first if the room is not cached. */
  async view(roomId: string, asUser?: string): Promise<RoomView> {
    const cached = this.rooms.get(roomId);
    if (cached) return cached;
    const pending = this.loading.get(roomId);
    if (pending) return pending;
    const load = this.load(roomId, asUser).finally(() => this.loading.delete(roomId));
    this.loading.set(roomId, load);
    return load;
  }

  private async load(roomId: string, asUser: string | undefined): Promise<RoomView> {
    const view = this.emptyView(roomId);
    let state: ClientEvent[] | undefined;
    try {
      state = await this.options.fetcher?.(roomId, asUser);
    } catch {
      // The homeserver may refuse (not joined) or be unreachable: events still flow, tagged from what
      // later state events tell us. Not cached, so the next event of the room tries again.
      return view;
    }
    for (const event of state ?? []) applyTo(view, event);
    this.rooms.set(roomId, view);
    return view;
  }

  /**
   * Applies a state event to the cached view (creating an empty one if needed). Returns a change when
   * a room-level field (name, topic, bridge) changed.
   */
  apply(event: ClientEvent): RoomChange | undefined {
    if (event.state_key === undefined) return undefined;
    let view = this.rooms.get(event.room_id);
    if (!view) {
      view = this.emptyView(event.room_id);
      this.rooms.set(event.room_id, view);
    }
    const changed = applyTo(view, event);
    return changed ? { room: view, eventId: event.event_id, originServerTs: event.origin_server_ts } : undefined;
  }

  private emptyView(roomId: string): RoomView {
    return { roomId, displayNames: new LruMap(this.options.maxMembersPerRoom) };
  }
}

/** Returns true when a room-level field changed. */
function applyTo(view: RoomView, event: ClientEvent): boolean {
  const key = event.state_key;
  if (key === undefined) return false;
  switch (event.type) {
    case 'm.room.member': {
      const name = str(event.content, 'displayname');
      if (name) view.displayNames.set(key, name);
      return false;
    }
    case 'm.room.name': {
      const name = str(event.content, 'name');
      const changed = name !== view.name;
      if (name) view.name = name;
      else delete view.name;
      return changed;
    }
    case 'm.room.topic': {
      const topic = str(event.content, 'topic');
      const changed = topic !== view.topic;
      if (topic) view.topic = topic;
      else delete view.topic;
      return changed;
    }
    default: {
      if (!ROOM_LEVEL_TYPES.has(event.type)) return false;
      const info = parseBridgeInfo(key, event.content);
      // m.bridge and its legacy twin carry the same content; the first one seen wins ties.
      if (info) view.bridge = info;
      else if (view.bridge?.stateKey === key) delete view.bridge;
      return true;
    }
  }
}
