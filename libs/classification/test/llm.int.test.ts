import { DEFAULT_TEST_MODEL, startOllama } from '@parley/testing';
import { describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  defaultTaxonomyPath,
  LlmBackend,
  loadTaxonomy,
  PROMPT_VERSION,
} from '../src/index.ts';

const taxonomy = loadTaxonomy(defaultTaxonomyPath());

describe('LLM backend (real Ollama, small model)', () => {
  it('labels messages with schema-valid answers from the taxonomy, with the model digest as lineage', async () => {
    const ollama = await startOllama();
    const backend = new LlmBackend({ host: ollama.url, model: DEFAULT_TEST_MODEL, taxonomy });
    const { models } = await ollama.client().list();
    const digest = models.find((m) => m.name === `${DEFAULT_TEST_MODEL}:latest`)?.digest;
    const names = taxonomy.intents.map((i) => i.name);
    for (const text of [
      'My package never arrived and I am furious, I want a refund!',
      'Olá, vocês têm este produto em azul?',
    ]) {
      const result = await backend.classify({ text, context: [{ role: 'agent', text: 'Hello, how can I help?' }] });
      expect(names).toContain(result.intent.label);
      expect(['negative', 'neutral', 'positive']).toContain(result.sentiment.label);
      expect(result.sentiment.score).toBeGreaterThanOrEqual(-1);
      expect(result.sentiment.score).toBeLessThanOrEqual(1);
      expect(result.lineage).toEqual({
        backend: 'llm',
        model: DEFAULT_TEST_MODEL,
        modelDigest: digest,
        promptVersion: PROMPT_VERSION,
        taxonomy: 'customer-default',
        taxonomyVersion: '1',
      });
    }
  }, 300_000);

  it('offers only the candidate intents when given some, so the answer is one of them', async () => {
    const ollama = await startOllama();
    const backend = new LlmBackend({ host: ollama.url, model: DEFAULT_TEST_MODEL, taxonomy });
    // Texts that point elsewhere in the taxonomy: the grammar still only allows the candidates.
    for (const text of ['Hello there!', 'Please cancel my subscription today']) {
      const result = await backend.classify({
        text,
        context: [],
        candidateIntents: ['refund', 'billing', 'unknown-x'],
      });
      expect(['refund', 'billing']).toContain(result.intent.label);
    }
    const settled = await backend.classify({ text: 'Hello there!', context: [], candidateIntents: ['refund'] });
    expect(settled.intent.label).toBe('refund');
  }, 300_000);

  it('reports a missing model or an unreachable server as unavailable (to pause, never to drop)', async () => {
    const ollama = await startOllama();
    const missing = new LlmBackend({ host: ollama.url, model: 'no-such-model', taxonomy });
    await expect(missing.classify({ text: 'hi', context: [] })).rejects.toBeInstanceOf(BackendUnavailableError);
    const down = new LlmBackend({
      host: 'http://127.0.0.1:9',
      model: DEFAULT_TEST_MODEL,
      taxonomy,
      requestTimeoutMs: 2000,
    });
    await expect(down.classify({ text: 'hi', context: [] })).rejects.toBeInstanceOf(BackendUnavailableError);
  }, 120_000);
});
