import type { ServiceDefinition } from '@parley/service-runtime';
import type { ZodRawShape } from 'zod';

/**
 * ingest: receives Matrix events (appservice transactions, client sync, backfill) and produces them,
 * normalised, to Kafka. This composition grows as the parts land in the libs.
 */
/** No settings of its own yet; the base settings (HTTP, logging, drain) apply. */
const settings = {} satisfies ZodRawShape;

export const ingestService: ServiceDefinition<typeof settings> = {
  name: 'ingest',
  settings,
  wire: async () => undefined,
};
