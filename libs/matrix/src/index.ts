/*
 * Matrix for Parley, by concern (the folders):
 *   model/       the Matrix event model and its normalisation into Parley's contracts: pure, no I/O
 *   rooms/       room state as of each event (a bounded cache) and the room directory it feeds
 *   appservice/  the Application Service API: routes, registrations, transactions into records
 *   homeserver/  the one client for the homeserver's Client-Server API, answers checked, and its pager
 *   history/     backfill of a room's history
 *   recovery/    what keeps a room complete and in order around failures: catch-up, order guard, interest
 *   sync/        client-sync mode, for deployments without an appservice
 * event-pipeline.ts composes model and rooms: client events in, Kafka records out, whatever the source.
 */
export { BRIDGE_STATE_TYPES, parseBridgeInfo, type BridgeInfo } from './model/bridge-info.ts';
export { ClientEvent, obj, parseClientEvent, str, type ParsedClientEvent } from './model/client-event.ts';
export {
  DEFAULT_GHOST_RULES,
  DEFAULT_SIDE_RULE,
  identifySender,
  parseGhostRules,
  type SenderExtra,
  type GhostRule,
  type IdentityContext,
  type SideRule,
} from './model/identity.ts';
export {
  DEFAULT_NAME_DECORATIONS,
  isPhoneNumberOnly,
  parseNameDecorations,
  undecorated,
  type NameDecoration,
} from './model/decoration.ts';
export {
  RoomDirectory,
  roomDirectoryRecords,
  type DirectoryPassOptions,
  type RoomDirectoryEntry,
  type RoomDirectoryOptions,
} from './rooms/room-directory.ts';
export { DEFAULT_BRIDGE_BOTS, roomChannel, roomKindOf } from './model/room-kind.ts';
export { normaliseEvent, type NormaliseContext } from './model/normalise.ts';
export {
  RoomStateCache,
  type RoomChange,
  type RoomStateCacheOptions,
  type RoomStateFetcher,
  type RoomView,
} from './rooms/room-state-cache.ts';
export { HomeserverClient, HomeserverError, type HomeserverClientOptions } from './homeserver/homeserver-client.ts';
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
} from './recovery/catch-up.ts';
export { OrderGuard, type OrderGuardOptions, type Predecessors } from './recovery/order-guard.ts';
export {
  backfillRoom,
  BackfillCheckpoint,
  type BackfillCheckpoints,
  type BackfillOptions,
} from './history/backfill.ts';
export { SyncLoop, type SyncClient, type SyncLoopOptions, type SyncTokenStore } from './sync/sync-loop.ts';
export { SyncResponse } from './homeserver/sync-response.ts';
export { CatchUpScheduler, type CatchUpSchedulerOptions } from './recovery/catch-up-scheduler.ts';
