import {
  CE_TYPES,
  DATASCHEMA,
  matrixEventCeType,
  toKafkaHeaders,
  TOPICS,
  type DeadLetterV1,
  type EphemeralV1,
  type MatrixEventV1,
  type RoomStateV1,
  type TopicRecord,
} from '@parley/contracts';
import type { RoomDirectoryEntry } from '../room-directory.ts';

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
export function roomStateRecord(entry: RoomDirectoryEntry, after: { eventId: string; ts: number }): TopicRecord {
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

export function deadLetterRecord(value: DeadLetterV1, key: string, id: string): TopicRecord {
  return {
    topic: TOPICS.matrixEventsDlq,
    key,
    value,
    headers: toKafkaHeaders({
      id,
      source: value.stage,
      type: CE_TYPES.deadLetter,
      specversion: '1.0',
      time: value.failedAt,
      dataschema: DATASCHEMA.deadLetter,
    }),
  };
}
