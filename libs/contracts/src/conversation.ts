import { z } from 'zod';
import { Channel } from './channel.ts';
import { Sentiment } from './classification.ts';
import { eventId, roomId } from './matrix-ids.ts';

const seconds = z.number().nonnegative();

/**
 * One message's part in a conversation: no text, only what the metrics are made of. A redaction removes
 * the entry (and with it the message's keywords and labels) and the metrics are made again.
 */
export const ConversationMessageV1 = z.object({
  eventId,
  at: z.iso.datetime().describe('When the message was sent (event time)'),
  side: z.enum(['customer', 'business']),
  intent: z.string().optional().describe('Intent label (customer messages)'),
  sentiment: Sentiment.optional(),
  score: z.number().min(-1).max(1).optional().describe('Sentiment score, -1 … 1'),
  keywords: z.array(z.string()).max(10),
});
export type ConversationMessageV1 = z.infer<typeof ConversationMessageV1>;

/**
 * The current state of one conversation, the value of the compacted `parley.conversations.v1` topic keyed
 * by conversation id. A conversation is an episode of a room: it opens with the first message after a
 * quiet gap and is resolved when the business answered and the customer stayed quiet, or by a closing
 * signal; the customer coming back reopens it. Everything is computed from event times, so a replay of the
 * classifications gives the same records.
 */
export const ConversationV1 = z
  .object({
    schemaVersion: z.literal(1),
    conversationId: z.string().min(1).describe('<room id>/<event id of the first message>: stable across replays'),
    roomId,
    channel: Channel,
    personKey: z.string().nullable().describe("The customer's CRM contact key (whatsapp:<phone>, matrix:<id>)"),
    status: z.enum(['open', 'resolved']),
    startedAt: z.iso.datetime().describe('The first message of the episode'),
    openedAt: z.iso.datetime().nullable().describe('The first customer message; null while only the business wrote'),
    lastMessageAt: z.iso.datetime(),
    resolvedAt: z.iso
      .datetime()
      .nullable()
      .describe('The business reply the customer went quiet after, or the closing message'),
    resolvedBy: z.enum(['quiet', 'closing-signal']).nullable(),
    reopened: z.number().int().nonnegative().describe('Times the customer came back after a resolution'),
    firstResponseSeconds: seconds.nullable().describe('First business reply after the first customer message'),
    responseSeconds: z.array(seconds).describe('Every reply time: a customer turn to the next business message'),
    resolutionSeconds: seconds.nullable().describe('openedAt to resolvedAt'),
    awaitingReplySince: z.iso.datetime().nullable().describe('The oldest customer message not yet answered'),
    messages: z.object({ customer: z.number().int().nonnegative(), business: z.number().int().nonnegative() }),
    intents: z.record(z.string(), z.number().int().positive()).describe('Customer intents seen, with counts'),
    sentiment: z
      .object({
        start: Sentiment.nullable(),
        end: Sentiment.nullable(),
        average: z.number().min(-1).max(1).nullable(),
        trend: z.enum(['improving', 'worsening', 'steady']).nullable(),
      })
      .describe("The customer's sentiment at the first and last message, its mean score, and where it went"),
    keywords: z.array(z.string()).max(10).describe('The most frequent keywords of customer messages'),
    followUps: z.array(z.string()).describe('Follow-up rules that raised a task in this conversation'),
    breached: z
      .object({ firstResponse: z.boolean(), resolution: z.boolean() })
      .describe('Targets missed (configured first response and resolution times), as of lastMessageAt'),
    entries: z.array(ConversationMessageV1).describe('The messages the metrics are made of, oldest first'),
  })
  .describe('Parley conversation (an episode of a room) with its support metrics, version 1');
export type ConversationV1 = z.infer<typeof ConversationV1>;
