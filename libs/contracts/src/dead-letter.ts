import { z } from 'zod';

/**
 * What a dead-letter topic holds: the input that could not be processed, untouched, and why.
 * Nothing is ever dropped silently; it lands here to be inspected and replayed.
 */
export const DeadLetterV1 = z
  .object({
    schemaVersion: z.literal(1),
    reason: z.string().describe('Machine-readable reason code, e.g. invalid_event, invalid_reply'),
    error: z.string().describe('Human-readable description'),
    stage: z.string().describe('Which service and step rejected it'),
    source: z
      .object({
        topic: z.string().optional(),
        partition: z.number().int().optional(),
        offset: z.string().optional(),
        txnId: z.string().optional(),
      })
      .describe('Where the input came from'),
    raw: z.unknown().describe('The rejected input as received'),
    failedAt: z.iso.datetime(),
  })
  .describe('Parley dead letter, version 1');
export type DeadLetterV1 = z.infer<typeof DeadLetterV1>;
