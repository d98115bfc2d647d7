export { contactOf, splitName, whatsappIdFromChat } from './contacts.ts';
export { Conversations, RoomMemory } from './conversations.ts';
export {
  DEFAULT_FOLLOW_UPS,
  FollowUpConfig,
  FollowUpConfigError,
  loadFollowUpConfig,
  type FollowUpRule,
} from './follow-up-rules.ts';
export { NdjsonTarget } from './ndjson-target.ts';
export { CrmPlanner, type PlannerOptions } from './planner.ts';
export {
  isEmptyBatch,
  type ChatMessageRecord,
  type ContactRecord,
  type CrmBatch,
  type CrmTarget,
  type Direction,
  type FollowUpRecord,
  type RejectedRecord,
  type WriteOptions,
} from './records.ts';
export { CrmSync, ROOM_KEY_PREFIX, type CrmSyncOptions, type InputMessage, type SyncLogger } from './crm-sync.ts';
export { CredentialsRejectedError } from './records.ts';
export { SinkStage, type SinkStageOptions } from './sink-stage.ts';
