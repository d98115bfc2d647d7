import type { Channel } from '@parley/contracts';
import { obj, str } from './client-event.ts';

/** State event types bridges use to describe a portal room (MSC2346 and its older prefix). */
export const BRIDGE_STATE_TYPES = ['m.bridge', 'uk.half-shot.bridge'] as const;

export interface BridgeInfo {
  stateKey: string;
  channel: Channel;
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
  const roomType =
    roomTypeV2 === 'dm' || roomTypeV1 === 'dm' ? 'dm' : roomTypeV2 || roomTypeV1 ? 'group' : roomTypeFromChatId(chatId);
  const info: BridgeInfo = {
    stateKey,
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

/** WhatsApp JIDs say what they are when a bridge sets no room type: users are DMs, @g.us is a group. */
function roomTypeFromChatId(chatId: string | undefined): Channel['roomType'] {
  if (!chatId) return 'unknown';
  if (chatId.endsWith('@s.whatsapp.net') || chatId.endsWith('@lid')) return 'dm';
  if (chatId.endsWith('@g.us')) return 'group';
  return 'unknown';
}
