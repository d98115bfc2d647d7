import { defineConfig, type ViteUserConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the "@parley/source" condition, so tests
// run against source without building the libraries first.
const conditions = ['@parley/source', 'node', 'import', 'module', 'default'];

/** Test settings shared by every project. Integration tests share servers started once per run. */
export function projectTestConfig(overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@parley/source'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      testTimeout: 60_000,
      hookTimeout: 240_000,
      // Integration tests talk to shared servers; two workers suit the 2-core machines.
      maxWorkers: 2,
      // The JSON report lets tools/test.sh print one total for the whole run.
      reporters: ['default', 'json'],
      outputFile: { json: 'test-results/vitest.json' },
      ...overrides,
    },
  });
}
