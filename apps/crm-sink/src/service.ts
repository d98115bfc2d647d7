import type { ServiceDefinition } from '@parley/service-runtime';
import type { ZodRawShape } from 'zod';

/** crm-sink: writes classified conversations from Kafka into Twenty CRM (or an NDJSON file). */
/** No settings of its own yet; the base settings (HTTP, logging, drain) apply. */
const settings = {} satisfies ZodRawShape;

export const crmSinkService: ServiceDefinition<typeof settings> = {
  name: 'crm-sink',
  settings,
  wire: async () => undefined,
};
