import { fileURLToPath } from 'node:url';
import { describeServiceLifecycle } from '@parley/testing';

// Lifecycle without real dependencies (unreachable Kafka and Ollama): start, not ready, clean stop.
describeServiceLifecycle('classifier', fileURLToPath(new URL('../src/main.ts', import.meta.url)), {
  PARLEY_KAFKA_BROKERS: '127.0.0.1:9',
  PARLEY_OLLAMA_URL: 'http://127.0.0.1:9',
});
