export { contactOf, identifiersOf, identityOfKey, splitName, whatsappIdFromChat } from './contacts.ts';
export { Conversations, RoomMemory } from './conversations.ts';
export {
  DEFAULT_FOLLOW_UPS,
  FollowUpConfig,
  FollowUpConfigError,
  loadFollowUpConfig,
  type FollowUpRule,
} from './follow-up-rules.ts';
export { conversationOfMessages, crmConversation } from './conversation-record.ts';
export { NdjsonTarget } from './ndjson-target.ts';
export { CrmPlanner, type PlannerOptions, type Sighting } from './planner.ts';
export { describeLinks, resolvePeople } from './person-resolution.ts';
export {
  isEmptyBatch,
  type ChatMessageRecord,
  type ContactRecord,
  type ConversationCrmRecord,
  type ConversationMetricsRecord,
  type CrmBatch,
  type CrmTarget,
  type Direction,
  type FollowUpRecord,
  type Reassignment,
  type RejectedRecord,
  type WriteOptions,
} from './records.ts';
export {
  CrmSync,
  IDENTITY_KEY_PREFIX,
  ROOM_KEY_PREFIX,
  type CrmSyncOptions,
  type InputMessage,
  type SyncLogger,
} from './crm-sync.ts';
export { CredentialsRejectedError } from './records.ts';
export { SinkStage, type SinkStageOptions } from './sink-stage.ts';
