import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeServiceLifecycle, runServiceToExit } from '@parley/testing';
import { startContractServer } from '@parley/twenty-contract-server';
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

describe('crm-sink bootstrap command', () => {
  it.each(['direct', 'legacy'] as const)(
    'bootstraps a workspace whose metadata API answers in the %s format',
    async (metadataFormat) => {
      const twenty = await startContractServer({ apiKey: 'k', rateLimits: null, metadataFormat });
      try {
        const env = { PARLEY_TWENTY_URL: twenty.url, PARLEY_TWENTY_API_KEY: 'k' };
        const first = await runServiceToExit(entry, env, 60_000, ['bootstrap']);
        expect(first.code, first.stderr).toBe(0);
        const report = JSON.parse(first.stdout) as { created: string[] };
        expect(report.created).toEqual(expect.arrayContaining(['chatMessage', 'person.whatsappId']));
        const again = await runServiceToExit(entry, env, 60_000, ['bootstrap']);
        expect(JSON.parse(again.stdout)).toMatchObject({ created: [], updated: [] });
      } finally {
        await twenty.close();
      }
    },
  );

  it('explains in one line that the key lacks the data-model permission, and which call needed it', async () => {
    const twenty = await startContractServer({ apiKey: 'k', rateLimits: null, dataModelPermission: false });
    try {
      const result = await runServiceToExit(
        entry,
        { PARLEY_TWENTY_URL: twenty.url, PARLEY_TWENTY_API_KEY: 'k' },
        60_000,
        ['bootstrap'],
      );
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        "bootstrap failed: the Twenty API key's role lacks the Data model permission (Settings → Roles → Data model), which GET /rest/metadata/objects needs: it answered 403 PERMISSION_DENIED",
      ]);
    } finally {
      await twenty.close();
    }
  });
});
