import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import kafkajs from 'kafkajs';
import { ensureComponent, required, TEST_INSTANCE } from './components.ts';
import { startKafkaFrom, type TestKafka } from './kafka.ts';

const run = promisify(execFile);
// kafkajs is CommonJS and Node cannot name these enums in an ESM import (vitest can, plain node cannot).
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** What one principal may do: `topics` by name, `groups` by name or prefix (`name*`). */
export interface Grant {
  read?: string[];
  write?: string[];
  groups?: string[];
}

export interface SecureTestKafka extends TestKafka {
  /** The SASL_SSL listener (the plaintext one of TestKafka is the administrator's). */
  secureBrokers: string[];
  /** The CA that signed the broker's certificate (PEM file). */
  caFile: string;
  /** The one PLAIN user (PLAIN users live in the broker's configuration). */
  plain: { username: string; password: string };
  /** A SCRAM user, made with Kafka's own ConfigCommand. */
  addScramUser(username: string, password: string, mechanism: ScramMechanism): Promise<void>;
  /** ACLs for `User:<username>` through the admin API (read and write include describe). */
  grant(username: string, grant: Grant): Promise<void>;
}

/**
 * A broker of its own with a SASL_SSL listener and ACLs on (tools/env/kafka.sh with KAFKA_SECURE=1):
 * nothing is allowed to a user without an ACL.
 */
export async function startSecureKafka(instance = `${TEST_INSTANCE}-secure`): Promise<SecureTestKafka> {
  const env = await ensureComponent('kafka', { KAFKA_SECURE: '1' }, undefined, instance);
  const kafka = startKafkaFrom(env);
  const classpath = required(env, 'KAFKA_CLASSPATH', 'kafka');
  return {
    ...kafka,
    secureBrokers: [required(env, 'KAFKA_SECURE_BROKERS', 'kafka')],
    caFile: required(env, 'KAFKA_CA_FILE', 'kafka'),
    plain: {
      username: required(env, 'KAFKA_PLAIN_USER', 'kafka'),
      password: required(env, 'KAFKA_PLAIN_PASSWORD', 'kafka'),
    },
    async addScramUser(username, password, mechanism) {
      await run(
        'java',
        [
          '-Xmx256m',
          '-cp',
          classpath,
          'kafka.admin.ConfigCommand',
          '--bootstrap-server',
          kafka.brokers.join(','),
          '--alter',
          '--add-config',
          `${mechanism}=[password=${password}]`,
          '--entity-type',
          'users',
          '--entity-name',
          username,
        ],
        { timeout: 60_000 },
      );
    },
    async grant(username, grant) {
      const principal = `User:${username}`;
      const allow = (resourceType: kafkajs.AclResourceTypes, name: string, operation: kafkajs.AclOperationTypes) => {
        const prefixed = name.endsWith('*');
        return {
          resourceType,
          resourceName: prefixed ? name.slice(0, -1) : name,
          resourcePatternType: prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
          principal,
          host: '*',
          operation,
          permissionType: AclPermissionTypes.ALLOW,
        };
      };
      const acl = [
        ...(grant.read ?? []).flatMap((t) => [
          allow(AclResourceTypes.TOPIC, t, AclOperationTypes.READ),
          allow(AclResourceTypes.TOPIC, t, AclOperationTypes.DESCRIBE),
        ]),
        ...(grant.write ?? []).flatMap((t) => [
          allow(AclResourceTypes.TOPIC, t, AclOperationTypes.WRITE),
          allow(AclResourceTypes.TOPIC, t, AclOperationTypes.DESCRIBE),
        ]),
        ...(grant.groups ?? []).flatMap((g) => [
          allow(AclResourceTypes.GROUP, g, AclOperationTypes.READ),
          allow(AclResourceTypes.GROUP, g, AclOperationTypes.DELETE),
        ]),
      ];
      const admin = kafka.client().admin();
      await admin.connect();
      try {
        await admin.createAcls({ acl });
      } finally {
        await admin.disconnect();
      }
    },
  };
}
