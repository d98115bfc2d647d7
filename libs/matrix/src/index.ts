export { BRIDGE_STATE_TYPES, parseBridgeInfo, type BridgeInfo } from './bridge-info.ts';
export { ClientEvent, obj, parseClientEvent, str, type ParsedClientEvent } from './client-event.ts';
export {
  DEFAULT_GHOST_RULES,
  DEFAULT_SIDE_RULE,
  identifySender,
  parseGhostRules,
  type SenderExtra,
  type GhostRule,
  type IdentityContext,
  type SideRule,
} from './identity.ts';
export {
  DEFAULT_NAME_DECORATIONS,
  isPhoneNumberOnly,
  parseNameDecorations,
  undecorated,
  type NameDecoration,
} from './decoration.ts';
export {
  RoomDirectory,
  roomDirectoryRecords,
  type DirectoryPassOptions,
  type RoomDirectoryEntry,
  type RoomDirectoryOptions,
} from './room-directory.ts';
export { DEFAULT_BRIDGE_BOTS, roomChannel, roomKindOf } from './room-kind.ts';
export { normaliseEvent, type NormaliseContext } from './normalise.ts';
export {
  RoomStateCache,
  type RoomChange,
  type RoomStateCacheOptions,
  type RoomStateFetcher,
  type RoomView,
} from './room-state-cache.ts';
export { HomeserverClient, HomeserverError, type HomeserverClientOptions } from './appservice/homeserver-client.ts';
export {
  BridgeRegistrationError,
  readBridgeRegistration,
  type BridgeRegistration,
} from './appservice/bridge-registration.ts';
export {
  createRegistration,
  PARLEY_REGISTRATION_DEFAULTS,
  registrationYaml,
  type Registration,
  type RegistrationOptions,
} from './appservice/registration.ts';
export { appserviceRoutes, MatrixError, tokensMatch, type AppserviceRoutesOptions } from './appservice/routes.ts';
export {
  TransactionProcessor,
  type EventSink,
  type PredecessorCheck,
  type TransactionBody,
  type TransactionLog,
  type TransactionOutcome,
  type TransactionProcessorOptions,
} from './appservice/transaction-processor.ts';
export { EventPipeline, type BatchSource, type PipelineOptions, type PipelineResult } from './event-pipeline.ts';
export {
  ActivityCollector,
  senderOf,
  catchUpRooms,
  type CatchUpOptions,
  type CatchUpResult,
  type RecentActivity,
} from './catch-up.ts';
export { OrderGuard, type OrderGuardOptions, type Predecessors } from './order-guard.ts';
export { backfillRoom, type BackfillCheckpoint, type BackfillCheckpoints, type BackfillOptions } from './backfill.ts';
export { SyncLoop, type SyncLoopOptions, type SyncTokenStore } from './sync/sync-loop.ts';
