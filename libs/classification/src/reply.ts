import { SENTIMENTS } from '@parley/contracts';
import { z } from 'zod';
import type { Taxonomy } from './taxonomy.ts';

export const INTENSITIES = ['mild', 'strong'] as const;
/** ISO 639-1 codes of the languages a reply may name; anything else is "other". */
export const LANGUAGES = [
  'en',
  'pt',
  'es',
  'de',
  'fr',
  'it',
  'nl',
  'pl',
  'tr',
  'ar',
  'hi',
  'id',
  'ru',
  'uk',
  'ja',
  'zh',
  'other',
] as const;
export const CONFIDENCES = ['low', 'medium', 'high'] as const;

/** A sentiment score in [-1, 1] from the label and its intensity. */
export function sentimentScore(
  sentiment: (typeof SENTIMENTS)[number],
  intensity: (typeof INTENSITIES)[number],
): number {
  if (sentiment === 'neutral') return 0;
  const magnitude = intensity === 'strong' ? 0.8 : 0.4;
  return sentiment === 'positive' ? magnitude : -magnitude;
}

export const CONFIDENCE_VALUE: Record<(typeof CONFIDENCES)[number], number> = { low: 0.3, medium: 0.6, high: 0.9 };

/** The same contract as a runtime validator: a schema-valid reply is the only way to a label. */
export function replyValidator(taxonomy: Taxonomy) {
  const names = taxonomy.intents.map((i) => i.name) as [string, ...string[]];
  return z.object({
    intent: z.enum(names),
    sentiment: z.enum(SENTIMENTS),
    intensity: z.enum(INTENSITIES),
    confidence: z.enum(CONFIDENCES),
    language: z.enum(LANGUAGES),
  });
}
export type ModelReply = z.infer<ReturnType<typeof replyValidator>>;

/**
 * What the model must answer, as a JSON Schema for Ollama's `format` (it becomes a sampling grammar,
 * so only these labels can be produced), generated from the validator so the two cannot drift. Every
 * field is an enum: the grammar enforces enums but not numeric bounds or string lengths, and a small
 * model given a free string can ramble until the token limit cuts its JSON short. Numbers are derived
 * from the answer and keywords are extracted locally. Key order matters to small models: the labels
 * come first.
 */
export function replyJsonSchema(taxonomy: Taxonomy): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(replyValidator(taxonomy));
  return schema;
}

export class InvalidReplyError extends Error {
  override readonly name = 'InvalidReplyError';
  readonly raw: string;
  constructor(message: string, raw: string) {
    super(message);
    this.raw = raw;
  }
}

/** Parses and validates a model's reply text; throws InvalidReplyError with the raw text otherwise. */
export function parseReply(raw: string, validator: ReturnType<typeof replyValidator>): ModelReply {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new InvalidReplyError('reply is not JSON', raw);
  }
  const result = validator.safeParse(json);
  if (!result.success)
    throw new InvalidReplyError(`reply does not match the schema: ${z.prettifyError(result.error)}`, raw);
  return result.data;
}
