import {
  CE_TYPES,
  DATASCHEMA,
  MATRIX_CHANNEL,
  matrixEventCeType,
  toKafkaHeaders,
  TOPICS,
  type DeadLetterV1,
  type EphemeralV1,
  type MatrixEventV1,
  type RoomStateV1,
  type TopicRecord,
} from '@parley/contracts';
import type { RoomChange } from '../room-state-cache.ts';

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

export function roomStateRecord(change: RoomChange, homeserver: string): TopicRecord {
  const { room } = change;
  const value: RoomStateV1 = {
    schemaVersion: 1,
    roomId: room.roomId,
    homeserver,
    channel: room.bridge?.channel ?? MATRIX_CHANNEL,
    updatedAt: new Date(change.originServerTs).toISOString(),
    updatedBy: change.eventId,
    ...(room.name !== undefined && { name: room.name }),
    ...(room.topic !== undefined && { topic: room.topic }),
  };
  if (room.bridge) {
    value.bridge = {
      stateKey: room.bridge.stateKey,
      ...(room.bridge.protocolDisplayName !== undefined && { protocolDisplayName: room.bridge.protocolDisplayName }),
      ...(room.bridge.channelDisplayName !== undefined && { channelDisplayName: room.bridge.channelDisplayName }),
      ...(room.bridge.receiver !== undefined && { receiver: room.bridge.receiver }),
    };
  }
  return {
    topic: TOPICS.matrixRooms,
    key: room.roomId,
    value,
    headers: toKafkaHeaders({
      id: `${room.roomId}/${change.eventId}`,
      source: homeserver,
      type: CE_TYPES.roomState,
      specversion: '1.0',
      time: value.updatedAt,
      subject: room.roomId,
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
