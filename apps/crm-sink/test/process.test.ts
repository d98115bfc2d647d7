import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeServiceLifecycle, runServiceToExit } from '@parley/testing';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const ndjson = join(mkdtempSync(join(tmpdir(), 'crm-sink-')), 'records.ndjson');

// Lifecycle without real dependencies (unreachable Kafka, the NDJSON target): start, not ready, clean stop.
describeServiceLifecycle('crm-sink', entry, { PARLEY_KAFKA_BROKERS: '127.0.0.1:9', PARLEY_NDJSON_PATH: ndjson });

describe('crm-sink configuration', () => {
  it('refuses the Twenty target without an API key, naming the setting', async () => {
    const result = await runServiceToExit(entry, {
      PARLEY_KAFKA_BROKERS: '127.0.0.1:9',
      PARLEY_TWENTY_URL: 'http://127.0.0.1:9',
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('PARLEY_TWENTY_API_KEY');
  });

  it('refuses a follow-up rules file with a broken rule, naming the file setting and the rule', async () => {
    const result = await runServiceToExit(entry, {
      PARLEY_KAFKA_BROKERS: '127.0.0.1:9',
      PARLEY_NDJSON_PATH: ndjson,
      PARLEY_FOLLOW_UP_RULES_FILE: fileURLToPath(new URL('./fixtures/broken-rules.yaml', import.meta.url)),
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('PARLEY_FOLLOW_UP_RULES_FILE');
    expect(result.stderr).toContain('rules.0.afterMinutes');
  });
});
