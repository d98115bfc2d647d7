import { z } from 'zod';

/**
 * Where a conversation really happens. Rooms bridged by mautrix (and other bridges that set
 * `m.bridge` / `uk.half-shot.bridge` state) name the remote network; plain Matrix rooms are
 * protocol `matrix`.
 */
/**
 * What kind of room a bridge made (from `com.beeper.room_type.v2` and the remote chat id) or Parley
 * found: only `dm` and `group` rooms are conversations with customers.
 */
export const RoomKind = z
  .enum(['dm', 'group', 'space', 'personal_filtering_space', 'management', 'broadcast', 'newsletter', 'unknown'])
  .describe(
    'dm and group are conversations; space (a community or other m.space), personal_filtering_space (the bridge’s per-user space), management (a user’s room with the bridge bot), broadcast (WhatsApp status), newsletter (WhatsApp channels) are not',
  );
export type RoomKind = z.infer<typeof RoomKind>;

export const Channel = z
  .object({
    protocol: z
      .string()
      .min(1)
      .describe('Remote network id from m.bridge protocol.id (whatsapp, telegram, signal…) or "matrix"'),
    remoteChatId: z.string().optional().describe('Chat id on the remote network (for WhatsApp the chat JID)'),
    roomType: z
      .enum(['dm', 'group', 'unknown'])
      .describe('Direct chat or group, from com.beeper.room_type or membership'),
    bridgeBot: z.string().optional().describe('Matrix user id of the bridge bot'),
    kind: RoomKind.optional().describe('Kind of room; absent in events written before it was added'),
    conversation: z
      .boolean()
      .optional()
      .describe('false for rooms that are not conversations (spaces, management rooms, broadcasts): no CRM records'),
  })
  .describe('Channel the room belongs to');
export type Channel = z.infer<typeof Channel>;

export const MATRIX_CHANNEL: Channel = { protocol: 'matrix', roomType: 'unknown' };

/** Which side of the conversation a sender is on; set by a configurable rule in ingest. */
export const Side = z.enum(['customer', 'business', 'unknown']);
export type Side = z.infer<typeof Side>;

export const SenderInfo = z
  .object({
    userId: z.string(),
    displayName: z.string().optional(),
    isBridgeGhost: z.boolean().describe('The sender is a puppet of a remote user created by a bridge'),
    remoteUserId: z.string().optional().describe('Id on the remote network; for WhatsApp an E.164 phone number'),
    side: Side,
  })
  .describe('Who sent the event, as the business sees it');
export type SenderInfo = z.infer<typeof SenderInfo>;
