import { z } from 'zod';

/**
 * The minimum a client-format event must have for Parley to handle it. Everything else is kept as
 * received in `raw`; unknown fields are never an error.
 */
export const ClientEvent = z
  .object({
    event_id: z.string().regex(/^\$./, 'event_id must start with $'),
    room_id: z.string().regex(/^!./, 'room_id must start with !'),
    sender: z.string().regex(/^@[^:]+:./, 'sender must be a user id'),
    type: z.string().min(1),
    // Upper bound: the last millisecond of year 9999, beyond which RFC 3339 times cannot be written.
    origin_server_ts: z.number().int().nonnegative().max(253_402_300_799_999, 'origin_server_ts is beyond year 9999'),
    content: z.record(z.string(), z.unknown()),
    state_key: z.string().optional(),
    redacts: z.string().optional(),
    unsigned: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
export type ClientEvent = z.infer<typeof ClientEvent>;

export type ParsedClientEvent = { ok: true; event: ClientEvent } | { ok: false; error: string };

export function parseClientEvent(raw: unknown): ParsedClientEvent {
  const result = ClientEvent.safeParse(raw);
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, error: z.prettifyError(result.error) };
}

const LooseEvent = z.looseObject({
  event_id: z.string().optional().catch(undefined),
  room_id: z.string().optional().catch(undefined),
  sender: z.string().optional().catch(undefined),
  origin_server_ts: z.number().optional().catch(undefined),
});

/** What can be read of an event that may be malformed: each field where it is well formed. */
export interface LooseFields {
  eventId?: string;
  roomId?: string;
  sender?: string;
  /** origin_server_ts, or 0 when the event has none. */
  ts: number;
}

/** The one way to read ids, sender and time from an event not (yet) checked as a ClientEvent. */
export function looseFields(raw: unknown): LooseFields {
  const parsed = LooseEvent.safeParse(raw);
  if (!parsed.success) return { ts: 0 };
  const { event_id: eventId, room_id: roomId, sender, origin_server_ts: ts } = parsed.data;
  return {
    ts: ts ?? 0,
    ...(eventId !== undefined && { eventId }),
    ...(roomId !== undefined && { roomId }),
    ...(sender !== undefined && { sender }),
  };
}

/** Reads a string field of loosely typed content. */
export function str(record: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = record?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** A JSON object (not null, not an array): the one check before reading fields of unchecked input. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads an object field of loosely typed content. */
export function obj(record: Record<string, unknown> | undefined, key: string): Record<string, unknown> | undefined {
  const value = record?.[key];
  return isRecord(value) ? value : undefined;
}
