import type { ServiceDefinition } from '@parley/service-runtime';
import type { ZodRawShape } from 'zod';

/** classifier: labels chat messages from Kafka with a local LLM and produces the labels to Kafka. */
/** No settings of its own yet; the base settings (HTTP, logging, drain) apply. */
const settings = {} satisfies ZodRawShape;

export const classifierService: ServiceDefinition<typeof settings> = {
  name: 'classifier',
  settings,
  wire: async () => undefined,
};
