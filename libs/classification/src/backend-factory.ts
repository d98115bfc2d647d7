import type { ClassifierBackend } from './backend.ts';
import { BaselineBackend } from './baseline-backend.ts';
import { OllamaEmbedder } from './embedder.ts';
import { defaultExamplesPath, exampleStore, type LabelledExample } from './examples.ts';
import { HybridBackend } from './hybrid-backend.ts';
import { LabelScorer } from './label-scorer.ts';
import { LanguageDetector } from './language.ts';
import { LlmBackend } from './llm-backend.ts';
import type { ClassificationSettings } from './settings.ts';
import { defaultTaxonomyPath, loadTaxonomy, type Taxonomy } from './taxonomy.ts';

export interface BackendHooks {
  /** Told about every LLM call, for latency and token metrics. */
  onCall?: (call: { seconds: number; promptTokens: number; outputTokens: number }) => void;
  /** Instead of the files the settings name (evaluation: a dataset's training split). */
  taxonomy?: Taxonomy;
  examples?: readonly LabelledExample[];
}

/**
 * The backend the settings describe. Throws TaxonomyError or ExamplesError for a file that cannot be
 * used (the service turns them into a configuration error naming the setting).
 */
export function buildBackend(settings: ClassificationSettings, hooks: BackendHooks = {}): ClassifierBackend {
  const taxonomy = hooks.taxonomy ?? loadTaxonomy(settings.PARLEY_TAXONOMY_FILE ?? defaultTaxonomyPath());
  const common = {
    host: settings.PARLEY_OLLAMA_URL,
    model: settings.PARLEY_OLLAMA_MODEL,
    requestTimeoutMs: settings.PARLEY_OLLAMA_TIMEOUT_MS,
    numCtx: settings.PARLEY_OLLAMA_NUM_CTX,
    ...(hooks.onCall && { onCall: hooks.onCall }),
  };
  switch (settings.PARLEY_CLASSIFIER_BACKEND) {
    case 'baseline':
      return new BaselineBackend(taxonomy);
    case 'llm':
      return new LlmBackend({ ...common, taxonomy });
    case 'hybrid': {
      const files =
        settings.PARLEY_EXAMPLES_FILES ?? (settings.PARLEY_TAXONOMY_FILE === undefined ? [defaultExamplesPath()] : []);
      const examples = hooks.examples ?? exampleStore(taxonomy, files);
      const parts = new Set(settings.PARLEY_CLASSIFIER_PARTS);
      return new HybridBackend({
        taxonomy,
        examples,
        ...(parts.has('llm') && { scorer: { scorer: new LabelScorer(common), model: common.model } }),
        ...(parts.has('examples') && {
          embedder: new OllamaEmbedder({
            host: settings.PARLEY_OLLAMA_URL,
            model: settings.PARLEY_EMBEDDING_MODEL,
            requestTimeoutMs: settings.PARLEY_OLLAMA_TIMEOUT_MS,
            ...(settings.PARLEY_EMBEDDING_CACHE_DIR && { cacheDir: settings.PARLEY_EMBEDDING_CACHE_DIR }),
          }),
        }),
        lexicon: parts.has('lexicon'),
        weights: settings.PARLEY_CLASSIFIER_WEIGHTS,
        demonstrations: settings.PARLEY_DEMONSTRATIONS,
        llmGate: settings.PARLEY_LLM_GATE,
        tuneWith: settings.PARLEY_LLM_WEIGHT_TUNING,
        candidates: settings.PARLEY_LLM_CANDIDATES,
        abstainBelow: settings.PARLEY_ABSTAIN_BELOW,
        englishOnlyParts: settings.PARLEY_EMBEDDING_LANGUAGES,
        languages: new LanguageDetector(settings.PARLEY_LANGUAGES),
      });
    }
  }
}
