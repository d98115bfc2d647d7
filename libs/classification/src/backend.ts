import type { Lineage, Sentiment } from '@parley/contracts';
import type { ContextTurn } from './prompt.ts';
import type { TunedWeight } from './weight-tuning.ts';

export interface ClassificationInput {
  text: string;
  /** Earlier turns of the conversation, oldest first. */
  context: readonly ContextTurn[];
  /** Labelled examples to show the model (few-shot), most relevant last. */
  examples?: readonly { text: string; intent: string }[];
  /**
   * Offer only these intents (names from the taxonomy; unknown names are ignored). For large taxonomies:
   * with the labels of retrieved examples, the prompt and the answer grammar stay small.
   */
  candidateIntents?: readonly string[];
}

/** Tokens an LLM call used, for cost and throughput reports. */
export interface TokenUsage {
  calls: number;
  promptTokens: number;
  outputTokens: number;
}

export interface ClassificationResult {
  intent: { label: string; confidence: number };
  sentiment: { label: Sentiment; score: number; confidence: number };
  language: string;
  keywords: string[];
  lineage: Lineage;
  /** Below the confidence threshold: the intent is `other` and a person should look. */
  needsReview?: boolean;
}
/** Labels one message. Implementations: the LLM through Ollama, and the baseline without an LLM. */
export interface ClassifierBackend {
  readonly kind: Lineage['backend'];
  /** What labels from this backend are attributed to (the model digest, prompt and taxonomy versions). */
  lineage(): Promise<Lineage>;
  /** Work done once before the first message (embedding an example store); repeated until it succeeds. */
  prepare?(): Promise<void>;
  /** What start-up tuning chose (the LLM's weight per task, with the held-out scores of each tried). */
  tuning?(): Partial<Record<'intent' | 'sentiment', TunedWeight>>;
  classify(input: ClassificationInput): Promise<ClassificationResult>;
}

/** The backend cannot answer now (Ollama down, overloaded, model missing): retry later, never drop. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
}
