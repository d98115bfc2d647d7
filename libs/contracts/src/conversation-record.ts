import type { ConversationV1 } from './conversation.ts';
import { toKafkaHeaders, type TopicRecord } from './envelope.ts';
import { DATASCHEMA } from './json-schemas.ts';
import { CE_TYPES } from './topics.ts';

/**
 * A conversation's current state, keyed by its id; the CloudEvents id names the version (the id and the
 * message after which it was made), so a replay produces the same ids.
 */
export function conversationRecord(value: ConversationV1, topic: string, source: string): TopicRecord {
  return {
    topic,
    key: value.conversationId,
    value,
    headers: toKafkaHeaders({
      id: `${value.conversationId}@${value.lastMessageAt}/${String(value.entries.length)}`,
      source,
      type: CE_TYPES.conversation,
      specversion: '1.0',
      time: value.lastMessageAt,
      subject: value.roomId,
      dataschema: DATASCHEMA.conversation,
    }),
  };
}
