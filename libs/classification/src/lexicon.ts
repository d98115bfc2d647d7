// @ts-expect-error vader-sentiment ships no type declarations; the one call used is typed below.
import vaderUntyped from 'vader-sentiment';
import type { Sentiment } from '@parley/contracts';
import { contentWords } from './keywords.ts';
import type { Taxonomy } from './taxonomy.ts';

interface Vader {
  SentimentIntensityAnalyzer: {
    polarity_scores(text: string): { neg: number; neu: number; pos: number; compound: number };
  };
}
// vader-sentiment ships no types: this is the one function of it used, as its README documents it.
const vader = vaderUntyped as Vader;

export const LEXICON_VERSION = 'vader-1.1.3+keywords-1';

/** VADER's compound score (-1 … 1) of an English text; other languages mostly score 0. */
export function vaderCompound(text: string): number {
  return vader.SentimentIntensityAnalyzer.polarity_scores(text).compound;
}

/** VADER's usual reading: compound cut at ±0.05. */
export function vaderLabel(compound: number): Sentiment {
  return compound >= 0.05 ? 'positive' : compound <= -0.05 ? 'negative' : 'neutral';
}

/**
 * The compound score as a probability per sentiment, for combining with other parts: a softmax over
 * (-4c, 1 - 4|c|, 4c), so a text without lexicon words leans neutral and a strong score is near-certain.
 */
export function vaderDistribution(compound: number): Map<Sentiment, number> {
  const logits: [Sentiment, number][] = [
    ['negative', -4 * compound],
    ['neutral', 1 - 4 * Math.abs(compound)],
    ['positive', 4 * compound],
  ];
  const max = Math.max(...logits.map(([, v]) => v));
  const exps = logits.map(([l, v]) => [l, Math.exp(v - max)] as const);
  const sum = exps.reduce((a, [, v]) => a + v, 0);
  return new Map(exps.map(([l, v]) => [l, v / sum]));
}

/** Intent by word overlap with each intent's name, description and examples. */
export class KeywordIntents {
  private readonly intentWords: { name: string; words: Map<string, number> }[];
  readonly fallback: string;

  constructor(taxonomy: Taxonomy) {
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

  /** Overlap score per intent (0 when no word is shared). */
  scores(text: string): Map<string, number> {
    const messageTokens = contentWords(text);
    return new Map(
      this.intentWords.map((intent) => {
        let score = 0;
        for (const token of messageTokens) score += intent.words.has(token) ? 1 / Math.sqrt(intent.words.size) : 0;
        return [intent.name, score];
      }),
    );
  }

  /** Scores as probabilities, smoothed so that no overlap means no opinion (uniform). */
  distribution(text: string): Map<string, number> {
    const scores = this.scores(text);
    const smoothing = 0.1;
    const total = [...scores.values()].reduce((a, b) => a + b + smoothing, 0);
    return new Map([...scores].map(([l, s]) => [l, (s + smoothing) / total]));
  }
}
