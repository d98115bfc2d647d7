import { z } from 'zod';
import { EnvelopeError, fromKafkaHeaders, hasCloudEventHeaders, type RawHeaders } from './envelope.ts';

export type Decoded<T> = { success: true; data: T } | { success: false; error: string };

/**
 * A Kafka value (or any JSON text) checked against a contract: the data, or why it is not one, in a
 * sentence fit for a dead letter. Consumers decode their input with this and nothing else.
 */
export function parseJson<T>(text: string | null | undefined, schema: z.ZodType<T>): Decoded<T> {
  if (text === null || text === undefined) return { success: false, error: 'no value' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { success: false, error: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const result = schema.safeParse(value);
  return result.success
    ? { success: true, data: result.data }
    : { success: false, error: z.prettifyError(result.error).replace(/\n/g, '; ') };
}

/**
 * A consumed Kafka record checked against its contract: the JSON value against `schema`, and when it
 * carries CloudEvents headers, those too (valid attributes, and the type `ceTypeOf` the value says it
 * must have), so a record produced onto the wrong topic is named as such. A record without CloudEvents
 * headers (a producer outside Parley writing plain JSON) is judged by its value alone.
 */
export function decodeRecord<T>(
  message: { value: Buffer | string | null | undefined; headers?: RawHeaders | undefined },
  schema: z.ZodType<T>,
  ceTypeOf: (data: T) => string,
): Decoded<T> {
  const decoded = parseJson(message.value?.toString(), schema);
  if (!decoded.success || !hasCloudEventHeaders(message.headers)) return decoded;
  try {
    const { type } = fromKafkaHeaders(message.headers);
    const expected = ceTypeOf(decoded.data);
    if (type !== expected) return { success: false, error: `CloudEvents type is ${type}, its value is a ${expected}` };
  } catch (error) {
    if (error instanceof EnvelopeError) return { success: false, error: error.message.replace(/\n/g, '; ') };
    throw error;
  }
  return decoded;
}
