import type { Channel, RoomKind } from '@parley/contracts';
import { obj, str } from './client-event.ts';

/** State event types bridges use to describe a portal room (MSC2346 and its older prefix). */
export const BRIDGE_STATE_TYPES = ['m.bridge', 'uk.half-shot.bridge'] as const;

export interface BridgeInfo {
  stateKey: string;
  channel: Channel;
  kind: RoomKind;
  protocolDisplayName?: string;
  channelDisplayName?: string;
  receiver?: string;
}

/**
 * Reads an m.bridge / uk.half-shot.bridge state event's content. Returns undefined for content
 * without a protocol id (an emptied or malformed bridge event), which leaves the room unbridged.
 */
export function parseBridgeInfo(stateKey: string, content: Record<string, unknown>): BridgeInfo | undefined {
  const protocol = obj(content, 'protocol');
  const protocolId = str(protocol, 'id');
  if (!protocolId) return undefined;
  const channel = obj(content, 'channel');
  const roomTypeV2 = str(content, 'com.beeper.room_type.v2');
  const roomTypeV1 = str(content, 'com.beeper.room_type');
  const chatId = str(channel, 'id');
  const declared = roomTypeV2 || roomTypeV1;
  // bridgev2's types: dm, group_dm, space, personal_filtering_space; none (or "") for a group.
  const roomType: Channel['roomType'] =
    declared === 'dm'
      ? 'dm'
      : declared === undefined || declared === ''
        ? roomTypeFromChatId(chatId)
        : declared === 'space' || declared === 'personal_filtering_space'
          ? 'unknown'
          : 'group';
  const info: BridgeInfo = {
    stateKey,
    kind: roomKindOf(declared, chatId, roomType),
    channel: {
      protocol: protocolId.toLowerCase(),
      roomType,
      ...(chatId !== undefined && { remoteChatId: chatId }),
      ...(str(content, 'bridgebot') !== undefined && { bridgeBot: str(content, 'bridgebot') }),
    },
  };
  const protocolName = str(protocol, 'displayname');
  if (protocolName) info.protocolDisplayName = protocolName;
  const channelName = str(channel, 'displayname');
  if (channelName) info.channelDisplayName = channelName;
  const receiver = str(channel, 'fi.mau.receiver');
  if (receiver) info.receiver = receiver;
  return info;
}

/**
 * The kind of portal: bridgev2 names spaces and the per-user filtering space in
 * `com.beeper.room_type.v2`; WhatsApp's status broadcast and newsletters are told by their chat id.
 */
function roomKindOf(
  roomTypeV2: string | undefined,
  chatId: string | undefined,
  roomType: Channel['roomType'],
): RoomKind {
  if (roomTypeV2 === 'space') return 'space';
  if (roomTypeV2 === 'personal_filtering_space' || chatId === '__personal_filtering_space__')
    return 'personal_filtering_space';
  if (chatId === 'status@broadcast' || chatId?.endsWith('@broadcast')) return 'broadcast';
  if (chatId?.endsWith('@newsletter')) return 'newsletter';
  return roomType === 'unknown' ? 'unknown' : roomType;
}

/** WhatsApp JIDs say what they are when a bridge sets no room type: users are DMs, @g.us is a group. */
function roomTypeFromChatId(chatId: string | undefined): Channel['roomType'] {
  if (!chatId) return 'unknown';
  if (chatId.endsWith('@s.whatsapp.net') || chatId.endsWith('@lid')) return 'dm';
  if (chatId.endsWith('@g.us')) return 'group';
  return 'unknown';
}
