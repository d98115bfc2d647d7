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
    name: z.string().optional().describe('The room name without the bridge’s decoration (" (WA)" and the like)'),
    rawName: z.string().optional().describe('The room name exactly as m.room.name set it'),
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
    members: z
      .object({
        customer: z.number().int().nonnegative(),
        business: z.number().int().nonnegative(),
        unknown: z.number().int().nonnegative(),
      })
      .optional()
      .describe('Joined members by side, as ingest classifies senders'),
    createdAt: z.iso.datetime().optional().describe('When the room was created (its m.room.create event)'),
    updatedAt: z.iso.datetime(),
    updatedBy: z
      .string()
      .describe(
        'Event id of the event after which this version was published (a state event, or the first event seen)',
      ),
  })
  .describe('Parley room state, version 1');
export type RoomStateV1 = z.infer<typeof RoomStateV1>;
