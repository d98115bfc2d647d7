import { Sentiment } from '@parley/contracts';
import { z } from 'zod';

/**
 * How conversations are cut and judged. Defaults suit a support desk on chat; every time is event time,
 * so the same messages always give the same conversations.
 */
export const ConversationRules = z
  .object({
    /** Silence after which a room's next message starts a new conversation (the sink's episode rule). */
    gapMinutes: z
      .number()
      .int()
      .positive()
      .default(24 * 60),
    /** The business answered and the customer stayed quiet this long: resolved (at that answer). */
    resolveAfterQuietMinutes: z.number().int().positive().default(120),
    /** A customer message with one of these intents and sentiments after a business reply closes it. */
    closingSignal: z
      .object({
        intents: z.array(z.string().min(1)).default(['feedback']),
        sentiments: z.array(Sentiment).default(['positive']),
      })
      .default({ intents: ['feedback'], sentiments: ['positive'] }),
    targets: z
      .object({
        firstResponseMinutes: z.number().positive().default(60),
        resolutionHours: z.number().positive().default(24),
      })
      .default({ firstResponseMinutes: 60, resolutionHours: 24 }),
    /**
     * Messages one conversation holds at most; the next one starts a new conversation. Keeps a record
     * well under Kafka's message size in a busy group that is never quiet for a whole gap.
     */
    maxMessages: z.number().int().positive().max(2000).default(500),
    /**
     * Conversations kept in memory per room (the current one and the one before), so that an edit or a
     * redaction of their messages reaches them; older ones stay on the topic as they are.
     */
    keepPerRoom: z.number().int().positive().default(2),
    /** A sentiment score change (last minus first customer message) that counts as a trend. */
    trendThreshold: z.number().positive().max(2).default(0.25),
  })
  .strict();
export type ConversationRules = z.infer<typeof ConversationRules>;

export const DEFAULT_CONVERSATION_RULES: ConversationRules = ConversationRules.parse({});
