import { z } from 'zod';
import { Channel, SenderInfo } from './channel.ts';
import { eventId, roomId, userId } from './matrix-ids.ts';

export const EVENT_KINDS = [
  'message',
  'edit',
  'redaction',
  'reaction',
  'membership',
  'state',
  'encrypted',
  'other',
] as const;
export const EventKind = z.enum(EVENT_KINDS);
export type EventKind = z.infer<typeof EventKind>;

export const Relation = z
  .object({
    type: z
      .enum(['replace', 'annotation', 'reply', 'thread', 'reference', 'other'])
      .describe('replace = edit, annotation = reaction, reply = m.in_reply_to'),
    eventId: eventId.describe('The event this one relates to'),
    key: z.string().optional().describe('Reaction key for annotations'),
    relType: z.string().optional().describe('The raw rel_type when type is "other"'),
  })
  .describe('Relation to another event');
export type Relation = z.infer<typeof Relation>;

export const MessageContent = z
  .object({
    msgtype: z
      .string()
      .describe('m.text, m.notice, m.emote, m.image, m.file, m.audio, m.video, m.location, m.sticker…'),
    text: z
      .string()
      .optional()
      .describe('Plain text: the body of a text message, the caption of media (if any), the new text of an edit'),
    formattedBody: z.string().optional(),
    format: z.string().optional(),
    fileName: z.string().optional().describe('File name of media when the body is a file name and not a caption'),
    mimetype: z.string().optional(),
    mediaUrl: z.string().optional().describe('mxc:// URL of the media'),
    geoUri: z.string().optional(),
  })
  .describe('Derived message fields');
export type MessageContent = z.infer<typeof MessageContent>;

export const Membership = z.object({
  membership: z.string().describe('join, leave, invite, ban, knock'),
  target: z.string().describe('The user the membership is about (the state_key)'),
  displayName: z.string().optional(),
});

export const Origin = z
  .object({
    via: z.enum(['appservice', 'sync', 'backfill']).describe('How ingest received the event'),
    txnId: z.string().optional().describe('Appservice transaction id, when received in one'),
  })
  .describe('How the event reached Parley');

/**
 * One Matrix event, normalised. The value of `parley.matrix.events.v1`, keyed by room id.
 * `eventId` is the idempotency key: an event may be delivered more than once (at-least-once),
 * never with different content.
 */
export const MatrixEventV1 = z
  .object({
    schemaVersion: z.literal(1),
    eventId,
    roomId,
    homeserver: z.string().min(1).describe('server_name of the homeserver Parley reads from'),
    type: z.string().min(1).describe('Matrix event type'),
    stateKey: z.string().optional(),
    kind: EventKind,
    sender: SenderInfo,
    originServerTs: z.number().int().nonnegative().describe('origin_server_ts, ms since the epoch'),
    time: z.iso.datetime().describe('origin_server_ts as RFC 3339'),
    channel: Channel,
    message: MessageContent.optional(),
    relation: Relation.optional(),
    redacts: eventId.optional().describe('For redactions: the redacted event'),
    membership: Membership.optional(),
    origin: Origin,
    raw: z
      .record(z.string(), z.unknown())
      .describe('The event exactly as the homeserver sent it (for encrypted events, without ciphertext)'),
  })
  .describe('Parley normalised Matrix event, version 1');
export type MatrixEventV1 = z.infer<typeof MatrixEventV1>;

export { eventId, roomId, userId };
