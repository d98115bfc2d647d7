import { fileURLToPath } from 'node:url';
import { describeServiceLifecycle } from '@parley/testing';

// Lifecycle without real dependencies: Kafka and the homeserver are unreachable addresses, so the
// service must start, report not-ready, and still shut down cleanly.
describeServiceLifecycle('ingest', fileURLToPath(new URL('../src/main.ts', import.meta.url)), {
  PARLEY_HOMESERVER_URL: 'http://127.0.0.1:9',
  PARLEY_HOMESERVER_NAME: 'parley.test',
  PARLEY_AS_ID: 'parley',
  PARLEY_AS_TOKEN: 'as-token',
  PARLEY_HS_TOKEN: 'hs-token',
  PARLEY_KAFKA_BROKERS: '127.0.0.1:9',
});
