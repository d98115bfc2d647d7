import { BRIDGE_STATE_TYPES, parseBridgeInfo, type BridgeInfo } from '../model/bridge-info.ts';
import { str, type ClientEvent } from '../model/client-event.ts';
import { LRUCache } from 'lru-cache';

/** What Parley knows about a room: enough to tag each event with its channel and sender names. */
export interface RoomView {
  roomId: string;
  /** The name as m.room.name set it (bridges decorate it; see decoration.ts). */
  name?: string;
  topic?: string;
  bridge?: BridgeInfo;
  /** m.room.create's `type` (m.space for spaces) and when the room was created. */
  createType?: string;
  createdAt?: number;
  /** Display names of members seen, bounded per room. */
  displayNames: LRUCache<string, string>;
  /** Each member's membership (join, invite, leave…), bounded per room like the names. */
  members: LRUCache<string, string>;
  /** Users the room's io.element.functional_members lists as services (a bridge's bot and own ghosts). */
  serviceMembers: readonly string[];
  /** Whether the room's state was read from the homeserver (false: only what passed through). */
  loaded: boolean;
  /** Counts changes to the view (state applied or read), so a reader can tell nothing changed. */
  version: number;
  loadFailedAt?: number;
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
  /** After a failed fetch, how long to wait before trying again for that room. */
  retryFailedAfterMs?: number;
  now?: () => number;
}

const BRIDGE_TYPES = new Set<string>(BRIDGE_STATE_TYPES);

/**
 * A bounded cache of room state, kept current from the state events that pass through ingest and
 * filled from the homeserver the first time a room is seen.
 */
export class RoomStateCache {
  private readonly rooms: LRUCache<string, RoomView>;
  private readonly loading = new Map<string, Promise<RoomView>>();
  private readonly options: RoomStateCacheOptions;

  constructor(options: RoomStateCacheOptions) {
    this.options = options;
    this.rooms = new LRUCache({ max: options.maxRooms });
  }

  get size(): number {
    return this.rooms.size;
  }

  /**
   * The room's view, reading its state from the homeserver first if it is not cached (or an earlier
   * read failed long enough ago). The same object stays cached, so state applied later updates it.
   */
  async view(roomId: string, asUser?: string): Promise<RoomView> {
    let view = this.rooms.get(roomId);
    if (view && (view.loaded || !this.options.fetcher || !this.shouldRetry(view))) return view;
    const pending = this.loading.get(roomId);
    if (pending) return pending;
    if (!view) {
      view = this.emptyView(roomId);
      this.rooms.set(roomId, view);
    }
    const load = this.load(view, asUser).finally(() => this.loading.delete(roomId));
    this.loading.set(roomId, load);
    return load;
  }

  private shouldRetry(view: RoomView): boolean {
    const now = this.options.now?.() ?? Date.now();
    return view.loadFailedAt === undefined || now - view.loadFailedAt >= (this.options.retryFailedAfterMs ?? 60_000);
  }

  private async load(view: RoomView, asUser: string | undefined): Promise<RoomView> {
    try {
      const state = await this.options.fetcher?.(view.roomId, asUser);
      // State that passed through meanwhile is newer than nothing but older than this snapshot.
      for (const event of state ?? []) applyTo(view, event);
      view.loaded = true;
      view.version += 1;
      delete view.loadFailedAt;
    } catch {
      // The homeserver may refuse (not joined) or be unreachable: events still flow, tagged from what
      // later state events tell us, and the read is tried again after a while.
      view.loadFailedAt = this.options.now?.() ?? Date.now();
    }
    return view;
  }

  /**
   * Applies a state event to the cached view (creating an empty one if needed). Returns a change when
   * a room-level field (name, topic, bridge, creation, services, a membership) changed.
   */
  apply(event: ClientEvent): RoomChange | undefined {
    if (event.state_key === undefined) return undefined;
    let view = this.rooms.get(event.room_id);
    if (!view) {
      view = this.emptyView(event.room_id);
      this.rooms.set(event.room_id, view);
    }
    const changed = applyTo(view, event);
    // A display name counts too: it can tell the business's own LID ghost from a customer.
    if (changed || event.type === 'm.room.member') view.version += 1;
    // Someone joined a room we could not read: reading it may work now, so do not wait for the retry.
    if (!view.loaded && event.type === 'm.room.member' && event.content['membership'] === 'join')
      delete view.loadFailedAt;
    return changed ? { room: view, eventId: event.event_id, originServerTs: event.origin_server_ts } : undefined;
  }

  private emptyView(roomId: string): RoomView {
    return {
      roomId,
      displayNames: new LRUCache({ max: this.options.maxMembersPerRoom }),
      members: new LRUCache({ max: this.options.maxMembersPerRoom }),
      serviceMembers: [],
      version: 0,
      loaded: this.options.fetcher === undefined,
    };
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
      const membership = str(event.content, 'membership');
      const changed = membership !== view.members.get(key);
      if (membership) view.members.set(key, membership);
      return changed;
    }
    case 'm.room.create': {
      const type = str(event.content, 'type');
      if (type) view.createType = type;
      view.createdAt = event.origin_server_ts;
      return true;
    }
    case 'io.element.functional_members': {
      const members = event.content['service_members'];
      view.serviceMembers = Array.isArray(members) ? members.filter((m): m is string => typeof m === 'string') : [];
      return true;
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
      if (!BRIDGE_TYPES.has(event.type)) return false;
      const info = parseBridgeInfo(key, event.content);
      // m.bridge and its legacy twin carry the same content; the first one seen wins ties.
      if (info) view.bridge = info;
      else if (view.bridge?.stateKey === key) delete view.bridge;
      return true;
    }
  }
}
