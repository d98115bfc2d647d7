import { z } from 'zod';

/**
 * Where a conversation really happens. Rooms bridged by mautrix (and other bridges that set
 * `m.bridge` / `uk.half-shot.bridge` state) name the remote network; plain Matrix rooms are
 * protocol `matrix`.
 */
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
