import { normaliseText } from '@parley/classification';
import type { Example } from './datasets.ts';

const tokenize = (text: string) =>
  normaliseText(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 1);

/**
 * Few-shot examples by lexical similarity (TF-IDF cosine) to the message: retrieval-augmented
 * in-context learning without an embedding model.
 */
export class ExampleIndex {
  private readonly docs: { example: Example; weights: Map<string, number>; norm: number }[];
  private readonly idf = new Map<string, number>();

  constructor(examples: readonly Example[]) {
    const df = new Map<string, number>();
    const tokenized = examples.map((example) => ({ example, tokens: tokenize(example.text) }));
    for (const { tokens } of tokenized) for (const t of new Set(tokens)) df.set(t, (df.get(t) ?? 0) + 1);
    for (const [t, n] of df) this.idf.set(t, Math.log((1 + examples.length) / (1 + n)) + 1);
    this.docs = tokenized.map(({ example, tokens }) => {
      const weights = this.weigh(tokens);
      return { example, weights, norm: Math.hypot(...weights.values()) };
    });
  }

  private weigh(tokens: string[]): Map<string, number> {
    const weights = new Map<string, number>();
    for (const t of tokens) weights.set(t, (weights.get(t) ?? 0) + (this.idf.get(t) ?? 0));
    return weights;
  }

  /** The k most similar examples, most similar last (closest to the message in the prompt). */
  nearest(text: string, k: number): Example[] {
    const query = this.weigh(tokenize(text));
    const norm = Math.hypot(...query.values()) || 1;
    return this.docs
      .map((d) => {
        let dot = 0;
        for (const [t, w] of query) dot += w * (d.weights.get(t) ?? 0);
        return { example: d.example, similarity: dot / (norm * (d.norm || 1)) };
      })
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, k)
      .reverse()
      .map((s) => s.example);
  }
}
