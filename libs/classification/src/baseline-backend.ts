import type { Lineage } from '@parley/contracts';
import type { ClassificationInput, ClassificationResult, ClassifierBackend } from './backend.ts';
import { keywordsOf } from './keywords.ts';
import { KeywordIntents, LEXICON_VERSION, vaderCompound, vaderLabel } from './lexicon.ts';
import type { Taxonomy } from './taxonomy.ts';

export const BASELINE_VERSION = LEXICON_VERSION;
/**
 * Classification without an LLM: VADER's lexicon for sentiment (compound score, cut at ±0.05) and
 * word overlap with each intent's description and examples for intent. The floor every LLM
 * configuration must beat, and the backend for machines without one. Chosen only by configuration.
 */
export class BaselineBackend implements ClassifierBackend {
  readonly kind = 'baseline' as const;
  private readonly taxonomy: Taxonomy;
  private readonly intents: KeywordIntents;

  constructor(taxonomy: Taxonomy) {
    this.taxonomy = taxonomy;
    this.intents = new KeywordIntents(taxonomy);
  }

  async lineage(): Promise<Lineage> {
    return {
      backend: 'baseline',
      model: 'baseline',
      modelDigest: BASELINE_VERSION,
      promptVersion: 'none',
      taxonomy: this.taxonomy.name,
      taxonomyVersion: this.taxonomy.version,
    };
  }

  async classify(input: ClassificationInput): Promise<ClassificationResult> {
    const compound = vaderCompound(input.text);
    const label = vaderLabel(compound);
    let best = { name: this.intents.fallback, score: 0 };
    let total = 0;
    for (const [name, score] of this.intents.scores(input.text)) {
      total += score;
      if (score > best.score) best = { name, score };
    }
    return {
      intent: { label: best.name, confidence: total > 0 ? round(best.score / total) : 0 },
      sentiment: { label, score: round(compound), confidence: round(Math.min(1, Math.abs(compound) * 2)) },
      language: 'und',
      keywords: keywordsOf(input.text),
      lineage: await this.lineage(),
    };
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;
