import { Counter, Histogram, type Registry } from 'prom-client';
import type { ClassifierStats } from './message-classifier.ts';

export interface StageMetrics {
  /** Each LLM call that answered (the backend's onCall hook). */
  onCall: (call: { seconds: number; promptTokens: number; outputTokens: number }) => void;
  outcome: (outcome: string) => void;
  /** Exposes the classifier's running cache totals on each scrape. */
  watchCache: (stats: ClassifierStats) => void;
}

/** The classifier's Prometheus metrics, in the service's registry. */
export function stageMetrics(registry: Registry): StageMetrics {
  const ollamaSeconds = new Histogram({
    name: 'parley_ollama_request_seconds',
    help: 'Duration of Ollama LLM calls that answered (chat, or one label-scoring step)',
    buckets: [0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160],
    registers: [registry],
  });
  const ollamaTokens = new Counter({
    name: 'parley_ollama_tokens_total',
    help: 'Tokens Ollama evaluated, prompt and output',
    labelNames: ['kind'],
    registers: [registry],
  });
  const outcomes = new Counter({
    name: 'parley_classifier_messages_total',
    help: 'Input events by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  return {
    onCall: (call) => {
      ollamaSeconds.observe(call.seconds);
      ollamaTokens.inc({ kind: 'prompt' }, call.promptTokens);
      ollamaTokens.inc({ kind: 'output' }, call.outputTokens);
    },
    outcome: (outcome) => {
      outcomes.inc({ outcome });
    },
    watchCache: (stats) => {
      // The classifier keeps running totals; each scrape adds what changed since the last one.
      const seen = { hits: 0, misses: 0 };
      new Counter({
        name: 'parley_classifier_cache_requests_total',
        help: 'Result-cache lookups by result (hit ratio = hit / (hit + miss))',
        labelNames: ['result'],
        registers: [registry],
        collect() {
          this.inc({ result: 'hit' }, stats.cacheHits - seen.hits);
          this.inc({ result: 'miss' }, stats.cacheMisses - seen.misses);
          seen.hits = stats.cacheHits;
          seen.misses = stats.cacheMisses;
        },
      });
    },
  };
}
