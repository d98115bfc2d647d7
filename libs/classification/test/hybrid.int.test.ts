import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TEST_MODEL, startOllama } from '@parley/testing';
import { describe, expect, it } from 'vitest';
import {
  buildBackend,
  defaultClassificationSettings,
  defaultExamplesPath,
  defaultTaxonomyPath,
  dot,
  exampleStore,
  HybridBackend,
  LabelScorer,
  LanguageDetector,
  loadTaxonomy,
  OllamaEmbedder,
  type HybridOptions,
} from '../src/index.ts';

const taxonomy = loadTaxonomy(defaultTaxonomyPath());
const EMBEDDING_MODEL = 'all-minilm';

describe('embeddings through Ollama (all-MiniLM-L6-v2 laid out for ollama create)', () => {
  it('gives unit vectors whose similarity follows meaning, and keeps them on disk by model digest', async () => {
    const ollama = await startOllama();
    const cacheDir = mkdtempSync(join(tmpdir(), 'parley-embed-'));
    const embedder = new OllamaEmbedder({ host: ollama.url, model: EMBEDDING_MODEL, cacheDir });
    const [charged, billed, weather] = await embedder.embed([
      'I was charged twice for my order',
      'My card was billed two times',
      'The weather is lovely today',
    ]);
    if (!charged || !billed || !weather) throw new Error('three vectors expected');
    expect(charged.length).toBe(384);
    expect(dot(charged, charged)).toBeCloseTo(1, 4);
    expect(dot(charged, billed)).toBeGreaterThan(0.5);
    expect(dot(charged, weather)).toBeLessThan(0.2);

    const digest = (await ollama.client().list()).models.find((m) => m.name === `${EMBEDDING_MODEL}:latest`)?.digest;
    expect(await embedder.id()).toBe(`${EMBEDDING_MODEL}@${digest}`);
    // A second embedder reads the same vectors back from the cache file, one line per text.
    const [file] = (await import('node:fs')).readdirSync(cacheDir);
    expect(
      readFileSync(join(cacheDir, file ?? ''), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(3);
    const again = new OllamaEmbedder({ host: ollama.url, model: EMBEDDING_MODEL, cacheDir });
    const [cached] = await again.embed(['I was charged twice for my order']);
    expect(cached && Array.from(cached)).toEqual(Array.from(charged));
  }, 300_000);
});

describe('label scoring with log-probabilities (real Ollama, small model)', () => {
  it('gives a probability to every label, following labels that share their first tokens', async () => {
    const ollama = await startOllama();
    const scorer = new LabelScorer({ host: ollama.url, model: DEFAULT_TEST_MODEL });
    const prompt = [
      'Messages to a bank, each with its intent.',
      'Message: My new card still has not come in the post\nIntent: card_arrival',
      'Message: How do I add my card to the app?\nIntent: card_linking',
      'Message: Please send me a new card, mine is broken\nIntent: card_replacement',
      'Message: Where is the card you sent me? It is two weeks now\nIntent:',
    ].join('\n\n');
    const labels = ['card_arrival', 'card_linking', 'card_replacement'];
    const scores = await scorer.score(prompt, labels);
    expect([...scores.keys()].sort()).toEqual([...labels].sort());
    expect([...scores.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    // All three begin with "card": the scorer asked again after " card" and after "_" to tell them apart,
    // so the three got different probabilities (not the shared token's mass split evenly).
    expect(scorer.usage.calls).toBeGreaterThanOrEqual(3);
    expect(new Set([...scores.values()].map((p) => p.toFixed(3))).size).toBe(3);
    for (const p of scores.values()) expect(p).toBeGreaterThan(0.01);

    const sentiment = await scorer.score(
      'Message: Thank you, this is wonderful!\nSentiment: positive\n\nMessage: This is awful, it broke again\nSentiment: negative\n\nMessage: What time do you open?\nSentiment: neutral\n\nMessage: I love it, thanks so much!\nSentiment:',
      ['negative', 'neutral', 'positive'],
    );
    expect(Math.max(...sentiment.values())).toBe(sentiment.get('positive'));
  }, 300_000);
});

describe('hybrid backend (real Ollama: label scoring, example store, lexicon)', () => {
  const options = async (overrides: Partial<HybridOptions> = {}): Promise<HybridOptions> => {
    const ollama = await startOllama();
    return {
      taxonomy,
      examples: exampleStore(taxonomy, [defaultExamplesPath()]),
      scorer: { scorer: new LabelScorer({ host: ollama.url, model: DEFAULT_TEST_MODEL }), model: DEFAULT_TEST_MODEL },
      embedder: new OllamaEmbedder({ host: ollama.url, model: EMBEDDING_MODEL }),
      lexicon: true,
      weights: { llm: 1, examples: 1, lexicon: 0.5 },
      demonstrations: 24,
      llmGate: 1,
      tuneWith: 0,
      candidates: 12,
      abstainBelow: 0,
      englishOnlyParts: ['*'],
      languages: new LanguageDetector(['en', 'es', 'pt', 'de']),
      ...overrides,
    };
  };

  it('labels from the example store, says which parts decided, and names both models in the lineage', async () => {
    const backend = new HybridBackend(await options());
    const result = await backend.classify({ text: 'Please cancel my subscription, I no longer need it', context: [] });
    expect(result.intent.label).toBe('cancellation');
    expect(result.needsReview).toBe(false);
    expect(result.language).toBe('en');
    expect(result.lineage).toMatchObject({ backend: 'llm', model: DEFAULT_TEST_MODEL });
    expect(result.lineage.parts).toEqual(['llm', 'examples', 'lexicon']);
    expect(result.lineage.embeddingModel).toMatch(/^all-minilm@[0-9a-f]{64}$/);
    const praise = await backend.classify({ text: 'Thank you so much, the service was excellent!', context: [] });
    expect(praise.sentiment.label).toBe('positive');
    expect(praise.sentiment.score).toBeGreaterThan(0);
  }, 300_000);

  it('abstains below the confidence threshold: intent other, needsReview', async () => {
    const unsure = new HybridBackend(await options({ abstainBelow: 0.999 }));
    const result = await unsure.classify({ text: 'hmm, about the thing from before', context: [] });
    expect(result.intent.label).toBe('other');
    expect(result.intent.confidence).toBeLessThan(0.999);
    expect(result.needsReview).toBe(true);
  }, 300_000);

  it('leaves a message in a language the embedding model does not read to the LLM alone, when told to', async () => {
    const backend = new HybridBackend(await options({ englishOnlyParts: ['en'] }));
    const result = await backend.classify({ text: 'Quiero cancelar mi suscripción, por favor', context: [] });
    expect(result.language).toBe('es');
    expect(result.lineage.parts).toEqual(['llm']);
  }, 300_000);

  it('chooses the LLM weight per task on held-out examples of a store large enough to hold them out', async () => {
    // The shipped store and the development sets: about 180 examples, a fifth of them held out.
    const dev = ['es', 'pt', 'de'].map(
      (lang) => new URL(`../../../tools/eval/dev/${lang}.jsonl`, import.meta.url).pathname,
    );
    const examples = exampleStore(taxonomy, [defaultExamplesPath(), ...dev]);
    const tuned = new HybridBackend(await options({ examples, llmGate: 0.6, tuneWith: 100 }));
    const result = await tuned.classify({ text: 'Where is my parcel? It has not arrived yet', context: [] });
    expect(result.intent.label).toBe('order_status');
    const tuning = tuned.tuning();
    for (const task of ['intent', 'sentiment'] as const) {
      const chosen = tuning[task];
      if (!chosen) throw new Error(`${task} was not tuned`);
      expect(chosen.heldOut).toBeGreaterThanOrEqual(30);
      expect(Object.keys(chosen.scores)).toHaveLength(5);
      expect(chosen.scores[String(chosen.llm)]).toBe(Math.max(...Object.values(chosen.scores)));
    }
    // The shipped store alone is too small to hold out 30: the configured weight stays.
    const small = new HybridBackend(await options({ tuneWith: 100 }));
    await small.prepare();
    expect(small.tuning()).toEqual({});
  }, 600_000);

  it('is what the service builds from default settings, and runs with the LLM switched off', async () => {
    const ollama = await startOllama();
    const defaults = buildBackend(defaultClassificationSettings({ PARLEY_OLLAMA_URL: ollama.url }));
    expect(defaults).toBeInstanceOf(HybridBackend);
    expect((await defaults.lineage()).parts).toEqual(['llm', 'examples', 'lexicon']);
    const noLlm = buildBackend(
      defaultClassificationSettings({ PARLEY_OLLAMA_URL: ollama.url, PARLEY_CLASSIFIER_PARTS: 'examples,lexicon' }),
    );
    const result = await noLlm.classify({ text: 'Where is my parcel? It has not arrived', context: [] });
    expect(result.lineage).toMatchObject({ backend: 'baseline', parts: ['examples', 'lexicon'] });
    expect(result.intent.label).toBe('order_status');
  }, 300_000);
});
