import type { EphemeralV1 } from './ephemeral.ts';
import { toKafkaHeaders, type TopicRecord } from './envelope.ts';
import { DATASCHEMA } from './json-schemas.ts';
import type { MatrixEventV1 } from './matrix-event.ts';
import type { RoomStateV1 } from './room-state.ts';
import { CE_TYPES, matrixEventCeType, TOPICS } from './topics.ts';

/*
 * The Kafka records of the Matrix contracts: each value with its key and CloudEvents headers (binary
 * mode), built here beside the schemas so that every producer writes them the same way.
 */

/** The record of a normalised event: keyed by room, CloudEvents headers in binary mode. */
export function eventRecord(event: MatrixEventV1): TopicRecord {
  return {
    topic: TOPICS.matrixEvents,
    key: event.roomId,
    value: event,
    headers: toKafkaHeaders({
      id: event.eventId,
      source: event.homeserver,
      type: matrixEventCeType(event.kind),
      specversion: '1.0',
      time: event.time,
      subject: event.roomId,
      dataschema: DATASCHEMA.matrixEvent,
    }),
  };
}

/** A room's record on the compacted rooms topic, stamped with the event after which it was published. */
export function roomStateRecord(
  entry: Omit<RoomStateV1, 'updatedAt' | 'updatedBy'>,
  after: { eventId: string; ts: number },
): TopicRecord {
  const value: RoomStateV1 = {
    ...entry,
    updatedAt: new Date(after.ts).toISOString(),
    updatedBy: after.eventId,
  };
  return {
    topic: TOPICS.matrixRooms,
    key: entry.roomId,
    value,
    headers: toKafkaHeaders({
      id: `${entry.roomId}/${after.eventId}`,
      source: entry.homeserver,
      type: CE_TYPES.roomState,
      specversion: '1.0',
      time: value.updatedAt,
      subject: entry.roomId,
      dataschema: DATASCHEMA.roomState,
    }),
  };
}

export function ephemeralRecord(value: EphemeralV1, index: number): TopicRecord {
  return {
    topic: TOPICS.matrixEphemeral,
    key: value.roomId ?? value.userId ?? value.type,
    value,
    headers: toKafkaHeaders({
      id: `${value.txnId ?? 'sync'}/${index}/${value.type}`,
      source: value.homeserver,
      type: CE_TYPES.ephemeral(value.type),
      specversion: '1.0',
      time: value.receivedAt,
      ...(value.roomId !== undefined && { subject: value.roomId }),
      dataschema: DATASCHEMA.ephemeral,
    }),
  };
}
