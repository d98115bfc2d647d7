import { z } from 'zod';

/**
 * Ephemeral data from appservice transactions (receipts, typing, presence): the value of
 * `parley.matrix.ephemeral.v1`, keyed by room id (or user id for presence). Homeservers do not persist
 * it, so a transaction Synapse retries carries none: this topic is best-effort by nature.
 */
export const EphemeralV1 = z
  .object({
    schemaVersion: z.literal(1),
    type: z.string().min(1).describe('m.receipt, m.typing, m.presence…'),
    roomId: z.string().optional(),
    userId: z.string().optional().describe('For presence: whose'),
    homeserver: z.string().min(1),
    content: z.record(z.string(), z.unknown()),
    receivedAt: z.iso.datetime(),
    txnId: z.string().optional(),
  })
  .describe('Parley ephemeral Matrix event, version 1');
export type EphemeralV1 = z.infer<typeof EphemeralV1>;
