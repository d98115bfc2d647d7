import { z } from 'zod';
import { Channel, SenderInfo } from './channel.ts';
import type { MatrixEventV1 } from './matrix-event.ts';
import { eventId, roomId } from './matrix-ids.ts';

export const SENTIMENTS = ['negative', 'neutral', 'positive'] as const;
export const Sentiment = z.enum(SENTIMENTS);
export type Sentiment = z.infer<typeof Sentiment>;

const confidence = z.number().min(0).max(1);

/** The message a classification is about, carried along so consumers need no join. */
export const ClassifiedMessage = z.object({
  eventId: eventId.describe('The original message; for an edit, the message that was edited'),
  roomId,
  sender: SenderInfo,
  channel: Channel,
  sentAt: z.iso.datetime(),
  msgtype: z.string(),
  text: z
    .string()
    .describe('The text that was classified (the latest edit, or a caption); may be empty for media without caption'),
});
export type ClassifiedMessage = z.infer<typeof ClassifiedMessage>;

/**
 * The classified message of a normalised event. `messageId` is the message the label is about: the
 * event itself, or for an edit or a redaction the message it changes.
 */
export function classifiedMessageOf(event: MatrixEventV1, messageId = event.eventId): ClassifiedMessage {
  return {
    eventId: messageId,
    roomId: event.roomId,
    sender: event.sender,
    channel: event.channel,
    sentAt: event.time,
    msgtype: event.message?.msgtype ?? 'unknown',
    text: event.message?.text ?? '',
  };
}

export const Lineage = z
  .object({
    backend: z.enum(['llm', 'baseline']),
    model: z.string().describe('Model name, or the baseline backend name'),
    modelDigest: z.string().describe('Digest from Ollama /api/tags, or the baseline version'),
    promptVersion: z.string(),
    taxonomy: z.string().describe('Taxonomy name'),
    taxonomyVersion: z.string(),
    parts: z
      .array(z.enum(['llm', 'examples', 'lexicon']))
      .optional()
      .describe(
        'The parts of the hybrid classifier that decided: the LLM scoring labels, the learned example store, the lexicon',
      ),
    embeddingModel: z.string().optional().describe('Embedding model and digest of the example store, when used'),
  })
  .describe('What produced the label, for reproducibility');
export type Lineage = z.infer<typeof Lineage>;

const common = {
  schemaVersion: z.literal(1),
  id: z.string().describe('Id of this classification event; unique per (message, source event)'),
  sourceEventId: eventId.describe('The event that caused this classification: the message, its edit or its redaction'),
  message: ClassifiedMessage,
  classifiedAt: z.iso.datetime(),
};

export const LabelV1 = z.object({
  ...common,
  kind: z.literal('label'),
  intent: z.object({ label: z.string().min(1), confidence }),
  sentiment: z.object({
    label: Sentiment,
    score: z.number().min(-1).max(1).describe('-1 very negative … 1 very positive'),
    confidence,
  }),
  language: z.string().describe('BCP 47 language tag, or "und"'),
  keywords: z.array(z.string()).max(10),
  lineage: Lineage,
  needsReview: z
    .boolean()
    .optional()
    .describe('The classifier was not confident of the intent: the label is "other" and a person should look'),
});

export const RetractionV1 = z.object({
  ...common,
  kind: z.literal('retraction').describe('The message was redacted: earlier labels of it no longer hold'),
});

/** The value of `parley.classifications.v1`, keyed by room id. */
export const ClassificationV1 = z
  .discriminatedUnion('kind', [LabelV1, RetractionV1])
  .describe('Parley classification of a chat message, version 1');
export type ClassificationV1 = z.infer<typeof ClassificationV1>;
export type LabelV1 = z.infer<typeof LabelV1>;
export type RetractionV1 = z.infer<typeof RetractionV1>;
