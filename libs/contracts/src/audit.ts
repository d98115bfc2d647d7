import { z } from 'zod';

/**
 * What Parley did on a person's request, without personal data: the subject is a SHA-256 of how they
 * were named ("phone:+4915…", "matrix:@…", "person:<crm id>"), so a later request can be matched to
 * this record by whoever holds the identifier, and nobody else learns it from the topic.
 */
export const AuditV1 = z
  .object({
    schemaVersion: z.literal(1),
    action: z.literal('erasure'),
    subjectSha256: z
      .string()
      .regex(/^[a-f0-9]{64}$/)
      .describe('SHA-256 of "<kind>:<identifier>"'),
    at: z.iso.datetime().describe('When the erasure finished'),
    removed: z
      .object({
        people: z.number().int().min(0),
        chatMessages: z.number().int().min(0),
        conversations: z
          .number()
          .int()
          .min(0)
          .optional()
          .describe('Conversation records in the CRM (absent in records made before they existed)'),
        tasks: z.number().int().min(0),
        tombstones: z.number().int().min(0).describe('Keys deleted from compacted topics'),
      })
      .describe('How many records each place lost'),
    by: z.string().min(1).describe('The tool that carried it out'),
  })
  .describe('parley.audit.v1: a record of an erasure, keyed by subjectSha256');
export type AuditV1 = z.infer<typeof AuditV1>;
