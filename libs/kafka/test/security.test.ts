import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@parley/service-runtime';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { kafkaSecurity, kafkaSecuritySettings } from '../src/index.ts';

const settings = (env: Record<string, string>) => z.object(kafkaSecuritySettings).parse(env);
const dir = mkdtempSync(join(tmpdir(), 'parley-kafka-security-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const problemsOf = (env: Record<string, string>) => {
  try {
    kafkaSecurity(settings(env), 'classifier');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.setting}: ${p.problem}`);
    throw error;
  }
  return [];
};

describe('kafkaSecurity: the TLS and SASL the settings describe, checked at start-up', () => {
  it('is plaintext by default', () => {
    expect(kafkaSecurity(settings({}), 'classifier')).toEqual({});
  });

  it('reads the CA, the client certificate and key, and a password file (without its final newline)', () => {
    const ca = file('ca.pem', 'CA');
    expect(
      kafkaSecurity(
        settings({
          PARLEY_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
          PARLEY_KAFKA_SSL_CA_FILE: ca,
          PARLEY_KAFKA_SSL_CERT_FILE: file('cert.pem', 'CERT'),
          PARLEY_KAFKA_SSL_KEY_FILE: file('key.pem', 'KEY'),
          PARLEY_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
          PARLEY_KAFKA_SASL_USERNAME: 'classifier',
          PARLEY_KAFKA_SASL_PASSWORD_FILE: file('password', 's3cret\n'),
        }),
        'classifier',
      ),
    ).toEqual({
      ssl: { rejectUnauthorized: true, ca: ['CA'], cert: 'CERT', key: 'KEY' },
      sasl: { mechanism: 'scram-sha-512', username: 'classifier', password: 's3cret' },
    });
    expect(
      kafkaSecurity(
        settings({
          PARLEY_KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
          PARLEY_KAFKA_SASL_MECHANISM: 'PLAIN',
          PARLEY_KAFKA_SASL_USERNAME: 'ingest',
          PARLEY_KAFKA_SASL_PASSWORD: 'pw',
        }),
        'ingest',
      ),
    ).toEqual({ sasl: { mechanism: 'plain', username: 'ingest', password: 'pw' } });
  });

  it('names each setting that is missing, unreadable, or does not fit the protocol', () => {
    expect(problemsOf({ PARLEY_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toEqual([
      'PARLEY_KAFKA_SASL_MECHANISM: required with SASL_SSL: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512',
      'PARLEY_KAFKA_SASL_USERNAME: required with SASL_SSL',
      'PARLEY_KAFKA_SASL_PASSWORD: exactly one of PARLEY_KAFKA_SASL_PASSWORD and PARLEY_KAFKA_SASL_PASSWORD_FILE is required with SASL_SSL',
    ]);
    expect(
      problemsOf({
        PARLEY_KAFKA_SECURITY_PROTOCOL: 'SSL',
        PARLEY_KAFKA_SSL_CA_FILE: join(dir, 'missing.pem'),
        PARLEY_KAFKA_SSL_CERT_FILE: file('only-cert.pem', 'CERT'),
      }),
    ).toEqual([
      'PARLEY_KAFKA_SSL_KEY_FILE: mutual TLS needs both the client certificate and its key',
      `PARLEY_KAFKA_SSL_CA_FILE: cannot read ${join(dir, 'missing.pem')} (ENOENT)`,
    ]);
    expect(problemsOf({ PARLEY_KAFKA_SASL_USERNAME: 'x', PARLEY_KAFKA_SSL_CA_FILE: 'ca.pem' })).toEqual([
      'PARLEY_KAFKA_SSL_CA_FILE: only used with PARLEY_KAFKA_SECURITY_PROTOCOL SSL or SASL_SSL (it is PLAINTEXT)',
      'PARLEY_KAFKA_SASL_USERNAME: only used with PARLEY_KAFKA_SECURITY_PROTOCOL SASL_PLAINTEXT or SASL_SSL (it is PLAINTEXT)',
    ]);
  });

  it('rejects a protocol or mechanism Kafka does not name', () => {
    expect(() => settings({ PARLEY_KAFKA_SECURITY_PROTOCOL: 'TLS' })).toThrow(/PLAINTEXT/);
    expect(() => settings({ PARLEY_KAFKA_SASL_MECHANISM: 'GSSAPI' })).toThrow(/SCRAM-SHA-512/);
  });
});
