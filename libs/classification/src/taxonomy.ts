import { loadDocument } from '@parley/service-runtime';
import { z } from 'zod';

export const Intent = z.object({
  // Dataset labels such as BANKING77's "reverted_card_payment?" are kept as they are.
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_?-]*$/, 'an intent name is ascii letters, digits, _, - and ?'),
  description: z.string().min(1),
  examples: z.array(z.string().min(1)).default([]),
});

/** A configurable set of intents: what the LLM may answer (as a JSON Schema enum) and how each is meant. */
export const Taxonomy = z
  .object({
    name: z.string().min(1),
    version: z.coerce.string().min(1),
    intents: z.array(Intent).min(2),
  })
  .refine((t) => new Set(t.intents.map((i) => i.name)).size === t.intents.length, {
    message: 'intent names must be unique',
  });
export type Taxonomy = z.infer<typeof Taxonomy>;
export type Intent = z.infer<typeof Intent>;

export class TaxonomyError extends Error {
  override readonly name = 'TaxonomyError';
}

/** Reads a taxonomy from a YAML or JSON file, with an error that says what is wrong where. */
export function loadTaxonomy(path: string): Taxonomy {
  return loadDocument(path, Taxonomy, 'taxonomy', TaxonomyError);
}

/** The taxonomy shipped with Parley for customer conversations. */
export function defaultTaxonomyPath(): string {
  return new URL('../taxonomies/customer-default.yaml', import.meta.url).pathname;
}
