import { classificationSettings } from '@parley/classification';
import { TOPICS } from '@parley/contracts';
import { consumerSettings, kafkaSettings } from '@parley/kafka';
import { setting } from '@parley/service-runtime';
import { z } from 'zod';

export const classifierSettings = {
  ...kafkaSettings('parley-classifier'),
  ...consumerSettings(TOPICS.matrixEvents, 'parley-classifier'),
  PARLEY_OUTPUT_TOPIC: z.string().min(1).default(TOPICS.classifications),
  PARLEY_DLQ_TOPIC: z.string().min(1).default(TOPICS.classificationsDlq),
  /** Backend, models, taxonomy, example store, parts and thresholds: see libs/classification. */
  ...classificationSettings,
  /** Messages classified at once; match Ollama's OLLAMA_NUM_PARALLEL. */
  PARLEY_CLASSIFIER_CONCURRENCY: setting.positiveInt(2),
  PARLEY_CONTEXT_TURNS: z.coerce.number().int().min(0).max(50).default(6),
  PARLEY_CONTEXT_TOKENS: setting.positiveInt(400),
  PARLEY_CACHE_SIZE: setting.positiveInt(10_000),
  PARLEY_ROOM_MEMORY: setting.positiveInt(10_000),
};
