import { readFileSync } from 'node:fs';
import { ConfigError } from '@parley/service-runtime';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { KafkaSecuritySettings } from './settings.ts';

type Problem = { setting: string; problem: string };

/**
 * The kafkajs `ssl` and `sasl` options the settings describe, files read now: a missing file or a
 * setting that does not fit the protocol stops the service with a ConfigError naming the setting.
 * Certificates are verified against the CA and the broker's host name (never turned off).
 */
export function kafkaSecurity(settings: KafkaSecuritySettings, service: string): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const problems: Problem[] = [];
  const protocol = settings.PARLEY_KAFKA_SECURITY_PROTOCOL;
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const read = (setting: keyof KafkaSecuritySettings): string | undefined => {
    const path = settings[setting];
    if (path === undefined) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      const code = error instanceof Error && 'code' in error ? String(error.code) : String(error);
      problems.push({ setting, problem: `cannot read ${path} (${code})` });
      return undefined;
    }
  };
  const onlyWith = (setting: keyof KafkaSecuritySettings, needed: string, ok: boolean) => {
    if (!ok && settings[setting] !== undefined)
      problems.push({
        setting,
        problem: `only used with PARLEY_KAFKA_SECURITY_PROTOCOL ${needed} (it is ${protocol})`,
      });
  };
  for (const setting of [
    'PARLEY_KAFKA_SSL_CA_FILE',
    'PARLEY_KAFKA_SSL_CERT_FILE',
    'PARLEY_KAFKA_SSL_KEY_FILE',
  ] as const)
    onlyWith(setting, 'SSL or SASL_SSL', tls);
  for (const setting of [
    'PARLEY_KAFKA_SASL_MECHANISM',
    'PARLEY_KAFKA_SASL_USERNAME',
    'PARLEY_KAFKA_SASL_PASSWORD',
    'PARLEY_KAFKA_SASL_PASSWORD_FILE',
  ] as const)
    onlyWith(setting, 'SASL_PLAINTEXT or SASL_SSL', usesSasl);
  if ((settings.PARLEY_KAFKA_SSL_CERT_FILE === undefined) !== (settings.PARLEY_KAFKA_SSL_KEY_FILE === undefined)) {
    const missing =
      settings.PARLEY_KAFKA_SSL_CERT_FILE === undefined ? 'PARLEY_KAFKA_SSL_CERT_FILE' : 'PARLEY_KAFKA_SSL_KEY_FILE';
    problems.push({ setting: missing, problem: 'mutual TLS needs both the client certificate and its key' });
  }

  let sasl: SASLOptions | undefined;
  if (usesSasl) {
    const mechanism = settings.PARLEY_KAFKA_SASL_MECHANISM;
    const username = settings.PARLEY_KAFKA_SASL_USERNAME;
    if (mechanism === undefined)
      problems.push({
        setting: 'PARLEY_KAFKA_SASL_MECHANISM',
        problem: `required with ${protocol}: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`,
      });
    if (username === undefined)
      problems.push({ setting: 'PARLEY_KAFKA_SASL_USERNAME', problem: `required with ${protocol}` });
    if (
      (settings.PARLEY_KAFKA_SASL_PASSWORD === undefined) ===
      (settings.PARLEY_KAFKA_SASL_PASSWORD_FILE === undefined)
    )
      problems.push({
        setting: 'PARLEY_KAFKA_SASL_PASSWORD',
        problem: `exactly one of PARLEY_KAFKA_SASL_PASSWORD and PARLEY_KAFKA_SASL_PASSWORD_FILE is required with ${protocol}`,
      });
    // A mounted Secret often ends with a newline that is not part of the password.
    const password =
      settings.PARLEY_KAFKA_SASL_PASSWORD ?? read('PARLEY_KAFKA_SASL_PASSWORD_FILE')?.replace(/\r?\n$/, '');
    if (mechanism !== undefined && username !== undefined && password !== undefined) {
      const lower = mechanism === 'PLAIN' ? 'plain' : mechanism === 'SCRAM-SHA-256' ? 'scram-sha-256' : 'scram-sha-512';
      sasl = { mechanism: lower, username, password };
    }
  }
  const ca = tls ? read('PARLEY_KAFKA_SSL_CA_FILE') : undefined;
  const cert = tls ? read('PARLEY_KAFKA_SSL_CERT_FILE') : undefined;
  const key = tls ? read('PARLEY_KAFKA_SSL_KEY_FILE') : undefined;
  if (problems.length > 0) throw new ConfigError(problems, service);
  return {
    ...(tls && {
      ssl: {
        rejectUnauthorized: true,
        ...(ca !== undefined && { ca: [ca] }),
        ...(cert !== undefined && { cert }),
        ...(key !== undefined && { key }),
      },
    }),
    ...(sasl && { sasl }),
  };
}
