import { setting } from '@parley/service-runtime';
import { z } from 'zod';
import { PART_NAMES, type PartName, type Weights } from './combine.ts';
import { DEFAULT_NUM_CTX } from './ollama.ts';

/**
 * The classification settings, shared by the classifier service and tools/eval, so that an evaluation
 * without options measures exactly what the service runs.
 */
export const classificationSettings = {
  /**
   * hybrid (default): LLM label scoring, the example store and the lexicon combined; llm: the model
   * writes a JSON answer (for large instruction-tuned models); baseline: lexicon and keyword rules only.
   */
  PARLEY_CLASSIFIER_BACKEND: z.enum(['hybrid', 'llm', 'baseline']).default('hybrid'),
  PARLEY_OLLAMA_URL: setting.url().default('http://127.0.0.1:11434'),
  /**
   * The LLM. The hybrid scores labels by raw completion, so base models work too; `llm` needs an instruct
   * model. Small vocabularies are cheaper to score: Gemma 3's 262k-token one costs seconds per message
   * on two cores, SmolLM2's 49k a fraction of that.
   */
  PARLEY_OLLAMA_MODEL: z.string().min(1).default('smollm2-135m-instruct'),
  PARLEY_OLLAMA_TIMEOUT_MS: setting.positiveInt(120_000),
  /** Room for the demonstrations (one per label: a 77-intent taxonomy needs about 2,000 tokens). */
  PARLEY_OLLAMA_NUM_CTX: setting.positiveInt(DEFAULT_NUM_CTX),
  /** Embedding model for the example store (English: all-MiniLM-L6-v2, see tools/env/ollama.sh). */
  PARLEY_EMBEDDING_MODEL: z.string().min(1).default('all-minilm'),
  /** Where example embeddings are kept between restarts; unset: recomputed at every start. */
  PARLEY_EMBEDDING_CACHE_DIR: z.string().min(1).optional(),
  PARLEY_TAXONOMY_FILE: z.string().optional(),
  /**
   * Labelled example files (YAML or JSONL, comma-separated), added to the taxonomy's own examples.
   * Unset with the default taxonomy: the examples shipped with it.
   */
  PARLEY_EXAMPLES_FILES: setting.list().optional(),
  /** The hybrid's parts that are on, comma-separated: llm, examples, lexicon. */
  PARLEY_CLASSIFIER_PARTS: setting
    .list()
    .default(['llm', 'examples', 'lexicon'])
    .pipe(z.array(z.enum(PART_NAMES as [PartName, ...PartName[]])).min(1)),
  /** Weight of each part in the combination, as part=weight pairs; parts not named keep their default. */
  PARLEY_CLASSIFIER_WEIGHTS: z
    .string()
    .default('')
    .transform((value, ctx) => parseWeights(value, ctx)),
  /** Below this intent confidence the intent is `other` and the label says needsReview. */
  PARLEY_ABSTAIN_BELOW: z.coerce.number().min(0).max(1).default(0.3),
  /** Labelled examples every LLM prompt shows (at least one per label; the same for every message). */
  PARLEY_DEMONSTRATIONS: z.coerce.number().int().min(0).max(200).default(24),
  /**
   * The LLM is asked only when the other parts' combined confidence is below this; 1 asks it for every
   * message (for a GPU or a bigger model), 0 never.
   */
  PARLEY_LLM_GATE: z.coerce.number().min(0).max(1).default(0.6),
  /**
   * Held-out examples of the store per task on which the LLM's weight is chosen at start-up (from 0 to
   * twice the configured weight, best macro-recall): a model that does not help on the store's own data
   * is turned down or off, one that does gets more say. 0 keeps the configured weight; so does a store
   * too small to hold out 30 examples (the shipped one).
   */
  PARLEY_LLM_WEIGHT_TUNING: z.coerce.number().int().min(0).max(5_000).default(100),
  /** Intents the LLM scores when the taxonomy has more (the likeliest by the other parts). */
  PARLEY_LLM_CANDIDATES: z.coerce.number().int().min(2).max(100).default(12),
  /**
   * Languages for which the embedding model and the lexicon speak (ISO 639-1; `*`: all). Restricting them
   * to `en` leaves other languages to the LLM alone, but trigram detection misreads short English
   * messages (one BANKING77 query in five at the tightest setting), which then lose their best part.
   */
  PARLEY_EMBEDDING_LANGUAGES: setting.list().default(['*']),
  /** Languages messages are expected in (ISO 639-1), for language detection. */
  PARLEY_LANGUAGES: setting.list().default(['en', 'es', 'pt', 'de', 'fr', 'it', 'nl']),
};

/** Tuned on the validation splits only (TweetEval validation, BANKING77 training): see apps/classifier/README.md. */
export const DEFAULT_WEIGHTS: Weights = { llm: 1, examples: 1, lexicon: 0.25 };

function parseWeights(value: string, ctx: z.RefinementCtx): Weights {
  const weights = { ...DEFAULT_WEIGHTS };
  for (const pair of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, raw] = pair.split('=').map((s) => s.trim());
    const weight = Number(raw);
    if (!isPartName(name) || !Number.isFinite(weight) || weight < 0) {
      ctx.addIssue({ code: 'custom', message: `"${pair}" is not part=weight with a part of ${PART_NAMES.join(', ')}` });
      continue;
    }
    weights[name] = weight;
  }
  return weights;
}

const schema = z.object(classificationSettings);
export type ClassificationSettings = z.infer<typeof schema>;

/** The settings with nothing set: the service's defaults. */
export function defaultClassificationSettings(overrides: Record<string, string> = {}): ClassificationSettings {
  return schema.parse(overrides);
}

function isPartName(name: string | undefined): name is PartName {
  return PART_NAMES.some((part) => part === name);
}
