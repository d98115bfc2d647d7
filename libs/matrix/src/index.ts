export { BRIDGE_STATE_TYPES, parseBridgeInfo, type BridgeInfo } from './bridge-info.ts';
export { ClientEvent, obj, parseClientEvent, str, type ParsedClientEvent } from './client-event.ts';
export {
  DEFAULT_GHOST_RULES,
  DEFAULT_SIDE_RULE,
  identifySender,
  parseGhostRules,
  type GhostRule,
  type IdentityContext,
  type SideRule,
} from './identity.ts';
export { LruMap } from './lru.ts';
export { normaliseEvent, type NormaliseContext } from './normalise.ts';
export {
  RoomStateCache,
  type RoomChange,
  type RoomStateCacheOptions,
  type RoomStateFetcher,
  type RoomView,
} from './room-state-cache.ts';
