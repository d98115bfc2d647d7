export {
  BackendUnavailableError,
  type ClassificationInput,
  type ClassificationResult,
  type ClassifierBackend,
} from './backend.ts';
export { BASELINE_VERSION, BaselineBackend } from './baseline-backend.ts';
export { cacheKey, normaliseText } from './cache-key.ts';
export { contentWords, keywordsOf } from './keywords.ts';
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
export { defaultTaxonomyPath, Intent, loadTaxonomy, Taxonomy, TaxonomyError } from './taxonomy.ts';
export { MessageClassifier, type ClassifierStats, type MessageClassifierOptions } from './message-classifier.ts';
