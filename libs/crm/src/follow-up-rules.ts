import { ContactKey, Sentiment } from '@parley/contracts';
import { ConversationRules, PeopleRules } from '@parley/conversations';
import { loadDocument } from '@parley/service-runtime';
import { z } from 'zod';

const ruleId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');
const title = z.string().min(1).describe('Task title; {intent}, {sentiment}, {contact} and {room} are filled in');

/** A labelled customer message matching every condition given. */
export const LabelRule = z.object({
  id: ruleId,
  kind: z.literal('label'),
  sentiments: z.array(Sentiment).min(1).optional(),
  intents: z.array(z.string().min(1)).min(1).optional(),
  minConfidence: z.number().min(0).max(1).default(0),
  title,
  dueInMinutes: z.number().int().positive().default(240),
});

/** A customer message that nobody on the business side answered within `afterMinutes`. */
export const UnansweredRule = z.object({
  id: ruleId,
  kind: z.literal('unanswered'),
  afterMinutes: z.number().int().positive(),
  title,
  dueInMinutes: z.number().int().positive().default(60),
});

/** Two contacts an operator decided about (apps/crm-sink/README.md, "One person across channels"). */
export const IdentityRule = z
  .object({
    a: ContactKey,
    b: ContactKey,
    decision: z.enum(['same', 'different']),
    note: z.string().max(1000).optional(),
  })
  .strict()
  .refine((rule) => rule.a !== rule.b, 'a decision is about two different contacts');

export const FollowUpConfig = z
  .object({
    /** Silence (event time) after which a room's next message starts a new conversation episode. */
    episodeGapMinutes: z
      .number()
      .int()
      .positive()
      .default(24 * 60),
    /** How conversations (the episodes above) are resolved and judged: parley.conversations.v1. */
    conversations: ConversationRules.omit({ gapMinutes: true }).prefault({}),
    /** Rollups per person, segments, and the retention follow-up on entering a segment. */
    people: PeopleRules.prefault({}),
    /**
     * Operators' decisions kept beside the rules: these contacts are one person (`same`), or two however
     * much they share (`different`). Decisions on the identity-decisions topic about the same pair win.
     */
    identities: z.array(IdentityRule).default([]),
    rules: z
      .array(z.discriminatedUnion('kind', [LabelRule, UnansweredRule]))
      .refine((rules) => new Set(rules.map((r) => r.id)).size === rules.length, 'rule ids must be unique'),
  })
  .strict();
export type FollowUpConfig = z.infer<typeof FollowUpConfig>;
export type FollowUpRule = FollowUpConfig['rules'][number];

export const DEFAULT_FOLLOW_UPS: FollowUpConfig = FollowUpConfig.parse({
  rules: [
    {
      id: 'unhappy-customer',
      kind: 'label',
      sentiments: ['negative'],
      intents: ['complaint', 'cancellation', 'refund'],
      title: 'Unhappy customer ({intent}) in {room}',
      dueInMinutes: 240,
    },
    { id: 'unanswered', kind: 'unanswered', afterMinutes: 60, title: 'Customer waiting for an answer in {room}' },
  ],
});

export class FollowUpConfigError extends Error {
  override readonly name = 'FollowUpConfigError';
}

/** Reads follow-up rules from YAML or JSON; the message names the file and the broken rule. */
export function loadFollowUpConfig(path: string): FollowUpConfig {
  return loadDocument(path, FollowUpConfig, 'follow-up rules', FollowUpConfigError);
}
