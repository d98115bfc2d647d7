import { z } from 'zod';

/**
 * CloudEvents 1.0 attributes, carried as Kafka headers in binary mode (`ce_` prefix); the Kafka
 * value is the event data as JSON. See the CloudEvents Kafka protocol binding.
 */
export const CloudEventAttributes = z.object({
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  specversion: z.literal('1.0'),
  time: z.iso.datetime().optional(),
  subject: z.string().optional(),
  dataschema: z.string().optional(),
});
export type CloudEventAttributes = z.infer<typeof CloudEventAttributes>;

export const CONTENT_TYPE_JSON = 'application/json';
const PREFIX = 'ce_';

export type KafkaHeaders = Record<string, string>;

/** Headers for a binary-mode CloudEvent with a JSON value. */
export function toKafkaHeaders(attributes: CloudEventAttributes): KafkaHeaders {
  const headers: KafkaHeaders = { 'content-type': CONTENT_TYPE_JSON };
  // Optional attributes may be present but undefined; they are left out, not sent empty.
  for (const [name, value] of Object.entries(attributes) as [string, string | undefined][]) {
    if (value !== undefined) headers[PREFIX + name] = value;
  }
  return headers;
}

export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
}

/** Kafka headers as a consumer receives them (kafkajs `IHeaders`). */
export type RawHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** Whether the headers carry a binary-mode CloudEvent at all. */
export function hasCloudEventHeaders(headers: RawHeaders | undefined): boolean {
  return Object.keys(headers ?? {}).some((name) => name.startsWith(PREFIX));
}

/** Reads the CloudEvent attributes back from Kafka headers, validating them. */
export function fromKafkaHeaders(headers: RawHeaders | undefined): CloudEventAttributes {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!name.startsWith(PREFIX) || value === undefined) continue;
    const single = Array.isArray(value) ? value[0] : value;
    if (single !== undefined) attributes[name.slice(PREFIX.length)] = single.toString();
  }
  const parsed = CloudEventAttributes.safeParse(attributes);
  if (!parsed.success) throw new EnvelopeError(`invalid CloudEvents headers: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** One record for a topic: a JSON value, the key that picks its partition, and its headers. */
export interface TopicRecord {
  topic: string;
  key: string;
  value: unknown;
  headers: KafkaHeaders;
}
