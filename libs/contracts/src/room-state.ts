import { z } from 'zod';
import { Channel } from './channel.ts';
import { roomId } from './matrix-ids.ts';

/**
 * The latest known state of a room, the value of the compacted `parley.matrix.rooms.v1` topic keyed
 * by room id: what a consumer needs to know about a conversation without replaying its events.
 */
export const RoomStateV1 = z
  .object({
    schemaVersion: z.literal(1),
    roomId,
    homeserver: z.string().min(1),
    name: z.string().optional(),
    topic: z.string().optional(),
    channel: Channel,
    bridge: z
      .object({
        stateKey: z.string().describe('State key of the m.bridge event: <domain>/<appservice id> for mautrix'),
        protocolDisplayName: z.string().optional(),
        channelDisplayName: z.string().optional(),
        receiver: z.string().optional().describe('fi.mau.receiver: the bridged account the portal belongs to'),
      })
      .optional()
      .describe('Bridge metadata from m.bridge / uk.half-shot.bridge, when the room is bridged'),
    updatedAt: z.iso.datetime(),
    updatedBy: z.string().describe('Event id of the state event that produced this version'),
  })
  .describe('Parley room state, version 1');
export type RoomStateV1 = z.infer<typeof RoomStateV1>;
