import { readFileSync } from 'node:fs';
import { SENTIMENTS } from '@parley/contracts';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Taxonomy } from './taxonomy.ts';
import { errorMessage } from '@parley/service-runtime';

/**
 * One labelled message: what a team knows about how its customers write. Either label may be missing
 * (a file of sentiment-only or intent-only examples is fine); `lang` is a BCP 47 tag when known.
 */
export const LabelledExample = z
  .object({
    text: z.string().trim().min(1),
    intent: z.string().min(1).optional(),
    sentiment: z.enum(SENTIMENTS).optional(),
    lang: z.string().min(2).optional(),
    role: z.enum(['customer', 'agent']).optional(),
    /** Earlier turns, oldest first (used by evaluation files; the store ignores it). */
    conversation: z.array(z.string()).optional(),
  })
  .refine((e) => e.intent !== undefined || e.sentiment !== undefined, {
    message: 'an example needs an intent, a sentiment or both',
  });
export type LabelledExample = z.infer<typeof LabelledExample>;

export class ExamplesError extends Error {
  override readonly name = 'ExamplesError';
}

/**
 * Reads labelled examples from JSONL (one object per line) or YAML/JSON (a list, or `examples:` with a
 * list). Every problem is reported with its file and line or item; nothing is skipped silently.
 */
export function loadExamples(path: string): LabelledExample[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ExamplesError(`cannot read examples ${path}: ${errorMessage(error)}`, { cause: error });
  }
  return path.endsWith('.jsonl') ? parseJsonl(path, text) : parseYaml(path, text);
}

function parseJsonl(path: string, text: string): LabelledExample[] {
  const examples: LabelledExample[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      problems.push(`line ${index + 1}: not JSON (${errorMessage(error)})`);
      return;
    }
    const parsed = LabelledExample.safeParse(raw);
    if (parsed.success) examples.push(parsed.data);
    else problems.push(`line ${index + 1}: ${z.prettifyError(parsed.error).replace(/\n\s*/g, ' ')}`);
  });
  if (problems.length > 0) throw new ExamplesError(`invalid examples ${path}:\n${problems.slice(0, 20).join('\n')}`);
  return examples;
}

const ExamplesFile = z.union([z.array(LabelledExample), z.object({ examples: z.array(LabelledExample) })]);

function parseYaml(path: string, text: string): LabelledExample[] {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new ExamplesError(`cannot parse examples ${path}: ${errorMessage(error)}`, { cause: error });
  }
  const parsed = ExamplesFile.safeParse(raw);
  if (!parsed.success) throw new ExamplesError(`invalid examples ${path}:\n${z.prettifyError(parsed.error)}`);
  return Array.isArray(parsed.data) ? parsed.data : parsed.data.examples;
}

/** The taxonomy's own examples (intent only: a taxonomy says nothing about sentiment). */
export function taxonomyExamples(taxonomy: Taxonomy): LabelledExample[] {
  return taxonomy.intents.flatMap((intent) => intent.examples.map((text) => ({ text, intent: intent.name })));
}

/**
 * The examples of a taxonomy: its own plus the files given, de-duplicated by text and labels. An example
 * whose intent the taxonomy does not have is an error, not a silent drop: the file and the taxonomy
 * disagree, and a team needs to know.
 */
export function exampleStore(taxonomy: Taxonomy, files: readonly string[]): LabelledExample[] {
  const intents = new Set(taxonomy.intents.map((i) => i.name));
  const seen = new Set<string>();
  const store: LabelledExample[] = [];
  const add = (example: LabelledExample, origin: string) => {
    if (example.intent !== undefined && !intents.has(example.intent))
      throw new ExamplesError(
        `${origin}: intent "${example.intent}" of "${example.text.slice(0, 40)}" is not in taxonomy ${taxonomy.name}`,
      );
    const key = JSON.stringify([example.text, example.intent, example.sentiment]);
    if (seen.has(key)) return;
    seen.add(key);
    store.push(example);
  };
  for (const example of taxonomyExamples(taxonomy)) add(example, `taxonomy ${taxonomy.name}`);
  for (const file of files) for (const example of loadExamples(file)) add(example, file);
  return store;
}

/** The shipped examples for the default taxonomy (several languages, both labels). */
export function defaultExamplesPath(): string {
  return new URL('../examples/customer-default.yaml', import.meta.url).pathname;
}
