import { z } from 'zod';

/** Events of one section of a synced room: checked as a list here, each event by the pipeline. */
const EventList = z.looseObject({ events: z.array(z.unknown()).default([]) });

export const SyncRoom = z.looseObject({
  timeline: z
    .looseObject({
      events: z.array(z.unknown()).default([]),
      limited: z.boolean().optional(),
      prev_batch: z.string().optional(),
    })
    .optional(),
  state: EventList.optional(),
  ephemeral: EventList.optional(),
});
export type SyncRoom = z.infer<typeof SyncRoom>;

/** The part of a `/sync` answer (Client-Server API v3) the sync loop reads. */
export const SyncResponse = z.looseObject({
  next_batch: z.string().min(1),
  rooms: z
    .looseObject({
      join: z.record(z.string(), SyncRoom).optional(),
      leave: z.record(z.string(), SyncRoom).optional(),
    })
    .optional(),
});
export type SyncResponse = z.infer<typeof SyncResponse>;

/** An ephemeral event (typing, receipts): a type and its content. */
export const EphemeralEvent = z.looseObject({
  type: z.string().min(1),
  content: z.record(z.string(), z.unknown()).default({}),
});
