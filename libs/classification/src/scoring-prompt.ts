import type { ContextTurn } from './prompt.ts';
import type { Taxonomy } from './taxonomy.ts';

/** Bumped whenever the scoring prompt's text or layout changes: part of lineage and the cache key. */
export const SCORING_PROMPT_VERSION = 's2';

export type Task = 'intent' | 'sentiment';

/** A labelled message shown to the model; a label it lacks is left out of its block. */
export interface Demonstration {
  text: string;
  intent?: string;
  sentiment?: string;
}

/** Messages are kept on one line each: a newline inside one would look like the end of the example. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

const FIELD: Record<Task, string> = { sentiment: 'Sentiment', intent: 'Intent' };

/**
 * The part of every scoring prompt that does not depend on the message: instructions and the same
 * demonstrations for every message. Ollama keeps it in its prompt cache, so a message costs only its
 * own tokens: on a two-core CPU a small model reads about a hundred new tokens a second, and
 * demonstrations chosen per message would cost seconds each.
 */
export function scoringPrefix(taxonomy: Taxonomy, demonstrations: readonly Demonstration[]): string {
  const intents =
    taxonomy.intents.length <= 24 ? taxonomy.intents.map((i) => `- ${i.name}: ${i.description}`).join('\n') : '';
  const header = [
    'Customer messages to a business, each labelled with its sentiment (negative, neutral or positive) and intent.',
    ...(intents ? [`Intents:\n${intents}`] : []),
  ].join('\n');
  const blocks = demonstrations.map((d) =>
    [
      `Message: ${oneLine(d.text)}`,
      ...(d.sentiment ? [`Sentiment: ${d.sentiment}`] : []),
      ...(d.intent ? [`Intent: ${d.intent}`] : []),
    ].join('\n'),
  );
  return [header, ...blocks].join('\n\n') + '\n\n';
}

/**
 * The prompt that ends where a task's label begins. `answered` holds labels already decided for this
 * message (sentiment before intent), written as the demonstrations write them, so the intent call
 * shares the sentiment call's prompt up to its end and Ollama reads only the few tokens after it.
 */
export function scoringPrompt(
  prefix: string,
  input: { text: string; context: readonly ContextTurn[] },
  task: Task,
  answered: Partial<Record<Task, string>>,
): string {
  const context =
    input.context.length > 0
      ? `Conversation so far:\n${input.context.map((t) => `${t.role}: ${oneLine(t.text)}`).join('\n')}\n`
      : '';
  const known = (['sentiment', 'intent'] as const)
    .filter((t) => t !== task && answered[t] !== undefined)
    .map((t) => `${FIELD[t]}: ${answered[t] ?? ''}\n`)
    .join('');
  return `${prefix}${context}Message: ${oneLine(input.text)}\n${known}${FIELD[task]}:`;
}
