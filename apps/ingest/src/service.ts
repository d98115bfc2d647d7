import type { ServiceDefinition } from '@parley/service-runtime';
import { wireAppserviceMode } from './appservice-mode.ts';
import { ingestSettings } from './settings.ts';
import { wireSyncMode } from './sync-mode.ts';

/** ingest: every Matrix event Parley can see, normalised, into Kafka, by appservice push or by sync. */
export const ingestService: ServiceDefinition<typeof ingestSettings> = {
  name: 'ingest',
  settings: ingestSettings,
  wire: (context) =>
    context.config.PARLEY_INGEST_MODE === 'sync' ? wireSyncMode(context) : wireAppserviceMode(context),
};
