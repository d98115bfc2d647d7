import { createHash } from 'node:crypto';

/** Text as it matters for a label: Unicode-normalised, case-folded, whitespace collapsed. */
export function normaliseText(text: string): string {
  return text.normalize('NFKC').toLocaleLowerCase('und').replace(/\s+/g, ' ').trim();
}

/**
 * A label depends on the text, the taxonomy, the model and the prompt; a change to any of them must
 * miss the cache. (Messages classified with conversation context are cached with it in the key.)
 */
export function cacheKey(parts: {
  text: string;
  context?: string;
  taxonomy: string;
  taxonomyVersion: string;
  modelDigest: string;
  promptVersion: string;
}): string {
  return createHash('sha256')
    .update(
      [
        normaliseText(parts.text),
        parts.context ?? '',
        parts.taxonomy,
        parts.taxonomyVersion,
        parts.modelDigest,
        parts.promptVersion,
      ].join('\u0000'),
    )
    .digest('hex');
}
