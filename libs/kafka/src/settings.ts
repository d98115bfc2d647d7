import { setting } from '@parley/service-runtime';
import { z } from 'zod';

/**
 * The Kafka settings every worker has, with its own client id as the default. Services spread them
 * into their settings, so each is validated at start-up with the rest and named in any error.
 */
export function kafkaSettings(clientId: string) {
  return {
    PARLEY_KAFKA_BROKERS: setting.list(),
    PARLEY_KAFKA_CLIENT_ID: z.string().min(1).default(clientId),
    /** Create missing topics at start-up (off where the cluster's operator owns them, e.g. Strimzi). */
    PARLEY_KAFKA_CREATE_TOPICS: setting.flag(true),
    /** Partitions of topics this worker creates. */
    PARLEY_KAFKA_PARTITIONS: setting.positiveInt(6),
    /** Upper bound on one acknowledged publish, retries included. */
    PARLEY_PUBLISH_TIMEOUT_MS: setting.positiveInt(30_000),
    ...kafkaSecuritySettings,
  };
}

/**
 * How a client authenticates and encrypts, in Kafka's own words (`security.protocol`, `sasl.mechanism`).
 * Cross-setting rules and the files are checked by `kafkaSecurity` when the client is made, at start-up.
 */
export const kafkaSecuritySettings = {
  PARLEY_KAFKA_SECURITY_PROTOCOL: z.enum(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']).default('PLAINTEXT'),
  /** PEM bundle of the CAs that signed the brokers' certificates (default: the system's). */
  PARLEY_KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  /** PEM client certificate and key for mutual TLS; both or neither. */
  PARLEY_KAFKA_SSL_CERT_FILE: z.string().min(1).optional(),
  PARLEY_KAFKA_SSL_KEY_FILE: z.string().min(1).optional(),
  PARLEY_KAFKA_SASL_MECHANISM: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']).optional(),
  PARLEY_KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  /** The password itself, or (for a mounted Secret) a file holding it: one of the two. */
  PARLEY_KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  PARLEY_KAFKA_SASL_PASSWORD_FILE: z.string().min(1).optional(),
};

export type KafkaSecuritySettings = z.output<z.ZodObject<typeof kafkaSecuritySettings>>;

export type KafkaSettings = z.output<z.ZodObject<ReturnType<typeof kafkaSettings>>>;

/** A consuming worker's input topic (the contract's topic by default) and consumer group. */
export function consumerSettings(inputTopic: string, groupId: string) {
  return {
    /** Override to run a second consumer of another topic, e.g. a second classifier. */
    PARLEY_INPUT_TOPIC: z.string().min(1).default(inputTopic),
    PARLEY_KAFKA_GROUP_ID: z.string().min(1).default(groupId),
  };
}

export type ConsumerSettings = z.output<z.ZodObject<ReturnType<typeof consumerSettings>>>;
