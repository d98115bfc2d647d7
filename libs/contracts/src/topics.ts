import type { EventKind } from './matrix-event.ts';

/**
 * Topic names are part of the contract. Versioned topics change name when their schema makes a
 * breaking change; consumers can then read both during a migration.
 */
export const TOPICS = {
  matrixEvents: 'parley.matrix.events.v1',
  matrixEventsDlq: 'parley.matrix.events.dlq',
  matrixEphemeral: 'parley.matrix.ephemeral.v1',
  matrixRooms: 'parley.matrix.rooms.v1',
  classifications: 'parley.classifications.v1',
  classificationsDlq: 'parley.classifications.dlq',
  /** ingest's own bookkeeping (recent appservice transaction ids), compacted. */
  ingestState: 'parley.ingest.state.v1',
  /** crm-sink's own bookkeeping (conversation episodes per room), compacted. */
  crmSinkState: 'parley.crm-sink.state.v1',
  /** Classifications the CRM refused for good (bad data), with the reason. */
  crmSinkDlq: 'parley.crm-sink.dlq',
  /** Conversations (episodes of rooms) with their support metrics, compacted, keyed by conversation id. */
  conversations: 'parley.conversations.v1',
  /** Operators' decisions that two contacts are one person or two (IdentityDecisionV1), compacted. */
  identityDecisions: 'parley.identity-decisions.v1',
  /** Erasures carried out, without personal data (AuditV1). */
  audit: 'parley.audit.v1',
} as const;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

const CE_TYPE_PREFIX = 'io.parley';

/** CloudEvents `type` of a normalised Matrix event, e.g. io.parley.matrix.message.v1. */
export function matrixEventCeType(kind: EventKind): string {
  return `${CE_TYPE_PREFIX}.matrix.${kind}.v1`;
}

export const CE_TYPES = {
  classificationLabel: `${CE_TYPE_PREFIX}.classification.label.v1`,
  classificationRetraction: `${CE_TYPE_PREFIX}.classification.retraction.v1`,
  deadLetter: `${CE_TYPE_PREFIX}.deadletter.v1`,
  audit: `${CE_TYPE_PREFIX}.audit.erasure.v1`,
  conversation: `${CE_TYPE_PREFIX}.conversation.v1`,
  roomState: `${CE_TYPE_PREFIX}.matrix.room.v1`,
  ephemeral: (type: string) => `${CE_TYPE_PREFIX}.matrix.ephemeral.${type.replace(/^m\./, '')}.v1`,
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/** How each topic is created when a service is allowed to create topics (documented in the README). */
export interface TopicDefinition {
  name: TopicName;
  partitions: number;
  config: Record<string, string>;
}

/**
 * Topic definitions. Keyed topics share one partition count so a room's events and classifications
 * land on partitions with the same number; state topics are compacted and keep the latest value per key.
 */
export function topicDefinitions(partitions: number): TopicDefinition[] {
  const retained = (days: number) => ({ 'cleanup.policy': 'delete', 'retention.ms': String(days * DAY_MS) });
  const compacted = { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': String(60 * 60 * 1000) };
  return [
    { name: TOPICS.matrixEvents, partitions, config: retained(30) },
    { name: TOPICS.matrixEventsDlq, partitions: 1, config: retained(30) },
    { name: TOPICS.matrixEphemeral, partitions, config: retained(2) },
    { name: TOPICS.matrixRooms, partitions, config: compacted },
    { name: TOPICS.classifications, partitions, config: retained(30) },
    { name: TOPICS.classificationsDlq, partitions: 1, config: retained(30) },
    { name: TOPICS.ingestState, partitions: 1, config: compacted },
    { name: TOPICS.crmSinkState, partitions: 1, config: compacted },
    { name: TOPICS.crmSinkDlq, partitions: 1, config: retained(30) },
    // The current state of every conversation (and, until compaction, its history).
    { name: TOPICS.conversations, partitions, config: compacted },
    // Few records, read whole at start-up by the sink: one partition keeps them in order.
    { name: TOPICS.identityDecisions, partitions: 1, config: compacted },
    // Kept for good: it is the proof that a request was carried out.
    { name: TOPICS.audit, partitions: 1, config: { 'cleanup.policy': 'delete', 'retention.ms': '-1' } },
  ];
}
