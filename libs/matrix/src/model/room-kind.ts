import { MATRIX_CHANNEL, type Channel, type RoomKind } from '@parley/contracts';
import type { RoomView } from '../rooms/room-state-cache.ts';

const NOT_CONVERSATIONS = new Set<RoomKind>([
  'space',
  'personal_filtering_space',
  'management',
  'broadcast',
  'newsletter',
]);

/** mautrix bridge bots by their default usernames; a setting can replace it. */
export const DEFAULT_BRIDGE_BOTS =
  /^@(whatsapp|telegram|signal|meta|instagram|facebook|discord|slack|gmessages|googlechat|twitter|linkedin|bluesky|imessage)bot:/;

/**
 * What kind of room this is: a portal says so in its m.bridge state; a room without one is a space
 * (m.room.create type m.space), a bridge's management room (a bridge bot and at most one other
 * joined member, no portal state), or an ordinary Matrix room.
 */
export function roomKindOf(room: RoomView, bridgeBots: RegExp = DEFAULT_BRIDGE_BOTS): RoomKind {
  if (room.bridge && room.bridge.kind !== 'unknown') return room.bridge.kind;
  if (room.createType === 'm.space') return 'space';
  if (room.bridge) return room.bridge.kind;
  const joined = [...room.members.entries()].filter(([, membership]) => membership === 'join').map(([user]) => user);
  if (joined.length <= 2 && joined.some((user) => bridgeBots.test(user))) return 'management';
  return 'unknown';
}

/** The room's channel with its kind, and whether it is a conversation (one that makes CRM records). */
export function roomChannel(room: RoomView, bridgeBots?: RegExp): Channel {
  const kind = roomKindOf(room, bridgeBots);
  return { ...(room.bridge?.channel ?? MATRIX_CHANNEL), kind, conversation: !NOT_CONVERSATIONS.has(kind) };
}
