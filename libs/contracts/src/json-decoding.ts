import { z } from 'zod';

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
