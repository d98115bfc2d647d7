// @ts-expect-error vader-sentiment ships no type declarations; the one call used is typed below.
import vaderUntyped from 'vader-sentiment';
import type { Lineage, Sentiment } from '@parley/contracts';
import type { ClassificationInput, ClassificationResult, ClassifierBackend } from './backend.ts';
import { contentWords, keywordsOf } from './keywords.ts';
import type { Taxonomy } from './taxonomy.ts';

interface Vader {
  SentimentIntensityAnalyzer: {
    polarity_scores(text: string): { neg: number; neu: number; pos: number; compound: number };
  };
}
const vader = vaderUntyped as Vader;

export const BASELINE_VERSION = 'vader-1.1.3+keywords-1';
/**
 * Classification without an LLM: VADER's lexicon for sentiment (compound score, cut at ±0.05) and
 * word overlap with each intent's description and examples for intent. The floor every LLM
 * configuration must beat, and the backend for machines without one. Chosen only by configuration.
 */
export class BaselineBackend implements ClassifierBackend {
  readonly kind = 'baseline' as const;
  private readonly taxonomy: Taxonomy;
  private readonly intentWords: { name: string; words: Map<string, number> }[];
  private readonly fallback: string;

  constructor(taxonomy: Taxonomy) {
    this.taxonomy = taxonomy;
    this.intentWords = taxonomy.intents.map((intent) => {
      const words = new Map<string, number>();
      for (const token of contentWords(
        [intent.name.replace(/_/g, ' '), intent.description, ...intent.examples].join(' '),
      )) {
        words.set(token, (words.get(token) ?? 0) + 1);
      }
      return { name: intent.name, words };
    });
    this.fallback = taxonomy.intents.find((i) => i.name === 'other')?.name ?? taxonomy.intents[0]?.name ?? 'other';
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
    const { compound } = vader.SentimentIntensityAnalyzer.polarity_scores(input.text);
    const label: Sentiment = compound >= 0.05 ? 'positive' : compound <= -0.05 ? 'negative' : 'neutral';
    const messageTokens = contentWords(input.text);
    let best = { name: this.fallback, score: 0 };
    let total = 0;
    for (const intent of this.intentWords) {
      let score = 0;
      for (const token of messageTokens) score += intent.words.has(token) ? 1 / Math.sqrt(intent.words.size) : 0;
      total += score;
      if (score > best.score) best = { name: intent.name, score };
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
