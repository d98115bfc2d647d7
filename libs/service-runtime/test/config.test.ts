import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, loadConfig, setting } from '../src/config.ts';

const schema = z.object({
  PARLEY_HTTP_PORT: setting.port(8080),
  PARLEY_KAFKA_BROKERS: setting.list(),
  PARLEY_CREATE_TOPICS: setting.flag(false),
  PARLEY_TWENTY_URL: setting.url().optional(),
});

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('parses and coerces settings from the environment, applying defaults', () => {
    const config = loadConfig(schema, {
      service: 'test',
      env: { PARLEY_KAFKA_BROKERS: 'a:9092, b:9092', PARLEY_CREATE_TOPICS: 'yes' },
    });
    expect(config).toEqual({
      PARLEY_HTTP_PORT: 8080,
      PARLEY_KAFKA_BROKERS: ['a:9092', 'b:9092'],
      PARLEY_CREATE_TOPICS: true,
    });
  });

  it('names every bad setting in one error', () => {
    const error = errorOf(() =>
      loadConfig(schema, { service: 'ingest', env: { PARLEY_HTTP_PORT: '70000', PARLEY_TWENTY_URL: 'not a url' } }),
    );
    const settings = error.problems.map((p) => p.setting).sort();
    expect(settings).toEqual(['PARLEY_HTTP_PORT', 'PARLEY_KAFKA_BROKERS', 'PARLEY_TWENTY_URL']);
    expect(error.message).toContain('ingest: invalid configuration');
    expect(error.message).toContain('PARLEY_HTTP_PORT');
  });

  it('rejects an unrecognised flag value with the accepted spellings', () => {
    const error = errorOf(() =>
      loadConfig(schema, { service: 's', env: { PARLEY_KAFKA_BROKERS: 'k:1', PARLEY_CREATE_TOPICS: 'maybe' } }),
    );
    expect(error.problems).toEqual([
      { setting: 'PARLEY_CREATE_TOPICS', problem: 'expected one of true, false, 1, 0, yes, no' },
    ]);
  });

  it('reads a YAML file named by PARLEY_CONFIG_FILE, with the environment taking precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-config-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'PARLEY_HTTP_PORT: 9000\nPARLEY_KAFKA_BROKERS: "file:9092"\nPARLEY_CREATE_TOPICS: true\n');
    const config = loadConfig(schema, {
      service: 's',
      env: { PARLEY_CONFIG_FILE: file, PARLEY_KAFKA_BROKERS: 'env:9092' },
    });
    expect(config.PARLEY_HTTP_PORT).toBe(9000);
    expect(config.PARLEY_CREATE_TOPICS).toBe(true);
    expect(config.PARLEY_KAFKA_BROKERS).toEqual(['env:9092']);
  });

  it('reports an unreadable config file against the variable that named it', () => {
    const error = errorOf(() =>
      loadConfig(schema, { service: 's', env: { PARLEY_CONFIG_FILE: '/nonexistent/parley.yaml' } }),
    );
    expect(error.problems[0]?.setting).toBe('PARLEY_CONFIG_FILE');
    expect(error.problems[0]?.problem).toContain('/nonexistent/parley.yaml');
  });
});
