import { z } from 'zod';

/** A CRM contact key: whatsapp:+<E.164>, or matrix:<user id> for every other sender. */
export const ContactKey = z
  .string()
  .regex(/^(whatsapp:\+[1-9]\d{6,14}|matrix:@[^:\s]+:\S+)$/, 'whatsapp:+<E.164 number> or matrix:@user:server')
  .describe('A contact as crm-sink keys it: whatsapp:+<E.164> or matrix:<Matrix user id>');
export type ContactKey = z.infer<typeof ContactKey>;

/**
 * An operator's decision about two contacts, the value of the compacted `parley.identity-decisions.v1`
 * topic keyed by the sorted pair ("<a> <b>"): `same` links them into one person, `different` keeps them
 * apart even when an identifier they share (a phone number, a WhatsApp LID) would link them. A tombstone
 * withdraws the decision, and the evidence alone decides again.
 */
export const IdentityDecisionV1 = z
  .object({
    schemaVersion: z.literal(1),
    a: ContactKey,
    b: ContactKey,
    decision: z.enum(['same', 'different']),
    by: z.string().min(1).max(200).describe('Who decided (an operator name, or "config" for the rules file)'),
    note: z.string().max(1000).optional().describe('Why, for whoever reads the merge later'),
    at: z.iso.datetime().describe('When the decision was made'),
  })
  .refine((d) => d.a !== d.b, 'a decision is about two different contacts')
  .describe('An operator’s decision that two contacts are one person or two, version 1');
export type IdentityDecisionV1 = z.infer<typeof IdentityDecisionV1>;

/** The topic key of a decision about two contacts: the same whichever order they are named in. */
export function identityDecisionKey(a: string, b: string): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}
