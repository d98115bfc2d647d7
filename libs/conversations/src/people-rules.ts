import { z } from 'zod';

/** Conditions on a person's rollup; every one given must hold (an empty one always holds). */
export const SegmentCondition = z
  .object({
    conversationsAtLeast: z.number().int().nonnegative().optional(),
    conversationsAtMost: z.number().int().nonnegative().optional(),
    daysSinceFirstContactAtMost: z.number().nonnegative().optional(),
    daysSinceLastContactAtLeast: z.number().nonnegative().optional(),
    averageSentimentAtLeast: z.number().min(-1).max(1).optional(),
    averageSentimentAtMost: z.number().min(-1).max(1).optional(),
    sentimentTrend: z
      .array(z.enum(['improving', 'worsening', 'steady']))
      .min(1)
      .optional(),
    /** An open conversation with a risk intent (complaint, cancellation, refund by default). */
    openRisk: z.boolean().optional(),
    engagementAtLeast: z.number().min(0).max(100).optional(),
    engagementAtMost: z.number().min(0).max(100).optional(),
  })
  .strict();
export type SegmentCondition = z.infer<typeof SegmentCondition>;

const segmentName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');

/** Rollups per person and the segments they fall into (first matching rule wins). */
export const PeopleRules = z
  .object({
    /** Conversations the sentiment average and trend look at (the latest ones). */
    trendConversations: z.number().int().min(2).default(5),
    purchaseIntents: z.array(z.string().min(1)).default(['purchase_inquiry']),
    riskIntents: z.array(z.string().min(1)).default(['complaint', 'cancellation', 'refund']),
    segments: z
      .array(z.object({ segment: segmentName, when: SegmentCondition }).strict())
      .min(1)
      .default([
        { segment: 'at-risk', when: { openRisk: true } },
        { segment: 'at-risk', when: { sentimentTrend: ['worsening'] } },
        { segment: 'dormant', when: { daysSinceLastContactAtLeast: 90 } },
        { segment: 'new', when: { conversationsAtMost: 1, daysSinceFirstContactAtMost: 30 } },
        { segment: 'loyal', when: { conversationsAtLeast: 5, averageSentimentAtLeast: 0 } },
        { segment: 'active', when: {} },
      ]),
    /**
     * A follow-up task when a person enters this segment (once per entry); null (the default): none,
     * since the label rules already raise a task for the complaint that usually puts a person at risk.
     */
    retention: z
      .object({
        segment: segmentName,
        title: z.string().min(1).describe('{contact} and {segment} are filled in'),
        dueInMinutes: z
          .number()
          .int()
          .positive()
          .default(24 * 60),
      })
      .strict()
      .nullable()
      .default(null),
  })
  .strict();
export type PeopleRules = z.infer<typeof PeopleRules>;
