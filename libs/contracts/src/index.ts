export { Channel, MATRIX_CHANNEL, RoomKind, SenderInfo, Side } from './channel.ts';
export {
  ClassificationV1,
  ClassifiedMessage,
  classifiedMessageOf,
  LabelV1,
  Lineage,
  RetractionV1,
  Sentiment,
  SENTIMENTS,
} from './classification.ts';
export { DeadLetterV1 } from './dead-letter.ts';
export { deadLetterRecord, kafkaInputDeadLetter, type DeadLetterOptions } from './dead-letter-record.ts';
export { AuditV1 } from './audit.ts';
export { ConversationMessageV1, ConversationV1 } from './conversation.ts';
export { conversationRecord } from './conversation-record.ts';
export { ContactKey, IdentityDecisionV1, identityDecisionKey } from './identity-decision.ts';
export { auditRecord } from './audit-record.ts';
export { EphemeralV1 } from './ephemeral.ts';
export { RoomStateV1 } from './room-state.ts';
export {
  CloudEventAttributes,
  CONTENT_TYPE_JSON,
  EnvelopeError,
  fromKafkaHeaders,
  hasCloudEventHeaders,
  type RawHeaders,
  toKafkaHeaders,
  type KafkaHeaders,
  type TopicRecord,
} from './envelope.ts';
export { DATASCHEMA, PUBLISHED_SCHEMAS, renderJsonSchema, type PublishedSchema } from './json-schemas.ts';
export {
  EVENT_KINDS,
  EventKind,
  eventId,
  MatrixEventV1,
  Membership,
  MessageContent,
  Origin,
  Relation,
  roomId,
  userId,
} from './matrix-event.ts';
export {
  CE_TYPES,
  matrixEventCeType,
  topicDefinitions,
  TOPICS,
  type TopicDefinition,
  type TopicName,
} from './topics.ts';
export { ephemeralRecord, eventRecord, roomStateRecord } from './matrix-records.ts';
export { classificationCeType, classificationRecord } from './classification-record.ts';
export { decodeRecord, parseJson, type Decoded } from './json-decoding.ts';
