import type { Message } from 'ollama';
import type { Taxonomy } from './taxonomy.ts';

/** Bumped whenever the prompt text or structure changes: part of each label's lineage and cache key. */
export const PROMPT_VERSION = 'p3';

/** One earlier turn of the conversation, oldest first. */
export interface ContextTurn {
  role: 'customer' | 'agent';
  text: string;
}

export interface PromptInput {
  taxonomy: Taxonomy;
  /** Earlier turns of the room, oldest first; bounded by the caller. */
  context: readonly ContextTurn[];
  text: string;
  /** Labelled examples to show (e.g. retrieved nearest neighbours), most relevant last. */
  examples?: readonly { text: string; intent: string }[];
}

/**
 * The static part (instructions and the taxonomy) comes first and is identical for every message of a
 * taxonomy, so Ollama's prefix cache serves it; the conversation and the message come last.
 */
export function buildMessages(input: PromptInput): Message[] {
  const intents = input.taxonomy.intents.map((i) => `- ${i.name}: ${i.description}`).join('\n');
  const system = [
    'You label the LAST message of a customer conversation for a business.',
    'Answer with JSON only: intent, sentiment (negative, neutral or positive), intensity (mild or strong),',
    'confidence (low, medium or high) and language (ISO 639-1 code, or other).',
    'Intents:',
    intents,
  ].join('\n');
  const messages: Message[] = [{ role: 'system', content: system }];
  for (const example of input.examples ?? []) {
    messages.push({ role: 'user', content: `Message: ${example.text}` });
    messages.push({ role: 'assistant', content: JSON.stringify({ intent: example.intent }) });
  }
  const history = input.context.map((turn) => `${turn.role}: ${turn.text}`).join('\n');
  messages.push({
    role: 'user',
    content: history
      ? `Conversation so far:\n${history}\n\nLast message (customer): ${input.text}`
      : `Message: ${input.text}`,
  });
  return messages;
}

/** Keeps the newest turns that fit the budget (about 4 characters a token), oldest first. */
export function boundContext(turns: readonly ContextTurn[], maxTokens: number): ContextTurn[] {
  const kept: ContextTurn[] = [];
  let budget = maxTokens * 4;
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i];
    if (!turn) continue;
    const cost = turn.text.length + 10;
    if (cost > budget) break;
    budget -= cost;
    kept.unshift(turn);
  }
  return kept;
}
