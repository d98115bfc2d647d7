export {
  BackendUnavailableError,
  type ClassificationInput,
  type ClassificationResult,
  type ClassifierBackend,
} from './backend.ts';
export { buildBackend, type BackendHooks } from './backend-factory.ts';
export { BASELINE_VERSION, BaselineBackend } from './baseline-backend.ts';
export { cacheKey, normaliseText } from './cache-key.ts';
export { combine, PART_NAMES, topLabels, type Decision, type PartName, type Weights } from './combine.ts';
export { dot, OllamaEmbedder, unit, type Embedder, type OllamaEmbedderOptions } from './embedder.ts';
export {
  defaultExamplesPath,
  exampleStore,
  ExamplesError,
  LabelledExample,
  loadExamples,
  taxonomyExamples,
} from './examples.ts';
export { HybridBackend, type HybridOptions } from './hybrid-backend.ts';
export { heldOutSample, LLM_WEIGHT_FACTORS, tuneLlmWeight, type HeldOut, type TunedWeight } from './weight-tuning.ts';
export { contentWords, keywordsOf } from './keywords.ts';
export { LabelScorer, type LabelScorerOptions } from './label-scorer.ts';
export { DEFAULT_LANGUAGES, LanguageDetector } from './language.ts';
export { KeywordIntents, LEXICON_VERSION, vaderCompound, vaderDistribution, vaderLabel } from './lexicon.ts';
export { LlmBackend, type LlmBackendOptions } from './llm-backend.ts';
export { boundContext, buildMessages, PROMPT_VERSION, type ContextTurn, type PromptInput } from './prompt.ts';
export {
  CONFIDENCE_VALUE,
  CONFIDENCES,
  INTENSITIES,
  LANGUAGES,
  InvalidReplyError,
  parseReply,
  replyJsonSchema,
  replyValidator,
  sentimentScore,
  type ModelReply,
} from './reply.ts';
export {
  scoringPrefix,
  scoringPrompt,
  SCORING_PROMPT_VERSION,
  type Demonstration,
  type Task,
} from './scoring-prompt.ts';
export {
  classificationSettings,
  defaultClassificationSettings,
  DEFAULT_WEIGHTS,
  type ClassificationSettings,
} from './settings.ts';
export { SoftmaxHead, type HeadOptions } from './softmax-head.ts';
export { defaultTaxonomyPath, Intent, loadTaxonomy, Taxonomy, TaxonomyError } from './taxonomy.ts';
export { MessageClassifier, type ClassifierStats, type MessageClassifierOptions } from './message-classifier.ts';
export {
  ClassificationStage,
  type ClassificationStageOptions,
  type DependencyReporter,
  type InputMessage,
  type StageSettings,
} from './classification-stage.ts';
export { stageMetrics, type StageMetrics } from './stage-metrics.ts';
